#pragma once

// The properties of the request body parsers (http/request_parsing.hpp), one
// function per endpoint, each the whole body of that endpoint's fuzz target:
// - the parser never throws and is deterministic (same input, same answer);
// - it agrees with the reference reading of docs/api.md's rules
//   (fuzz_support.hpp): accepted exactly when the reference accepts, with the
//   same values, else the same error code;
// - an accepted command satisfies the invariants (positive ids,
//   0 < sum <= max, 1 <= quantity <= 1000, normalized email and name, no
//   Idempotency-Key or correlation yet) and survives a round trip through
//   its canonical JSON, with numbers and with numeric strings;
// - a rejected body yields a 400 with a documented code and a valid error
//   body, and no command.

#include <string_view>

namespace shop::fuzz {

void check_register_body(std::string_view body);
void check_create_account_body(std::string_view body);
void check_deposit_body(std::string_view body);
void check_payment_body(std::string_view body);
void check_create_order_body(std::string_view body);

} // namespace shop::fuzz
