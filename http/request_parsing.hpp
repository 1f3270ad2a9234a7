#pragma once

// Turns request bodies and query strings into service commands, or into the
// client error that explains what is wrong. No RESTinio here, so the rules
// are unit tested cheaply (tests/unit/http_request_parsing_test.cpp).
// This header has the body parsers and includes the rest: json_body.hpp
// (a body's top-level fields), field_text.hpp (values from their text),
// query_string.hpp and request_headers.hpp.
//
// Rules (docs/api.md repeats them for clients):
// - The body must be one JSON object (any Content-Type), and nothing after
//   it (a NUL byte ends nothing). Unknown fields are ignored; a field that
//   is null counts as absent.
// - Ids: positive integers up to 2^63-1, as JSON integers (7) or numeric
//   strings ("7"). Floats (7.5, 7.0, 7e0), signs and spaces are rejected.
// - Sums: positive amounts with at most two fraction digits, up to
//   10000000000000, as JSON numbers (500, 12.5) or numeric strings ("12.50").
//   A JSON number counts at the exact value of its text, never rounded:
//   12.50 and 1.25e1 are 12.5, 0.10000000000000000001 is refused.
// - quantity: optional integer 1..1000 (default 1), JSON integer or string.
// - userId in a body: optional for a user (the token says who they are),
//   required for an operator; the parsers leave it 0 when absent.
// - password: a string of 8 to 256 bytes of valid UTF-8, taken as sent
//   (never trimmed).
// - email: trimmed, 1..254 bytes, exactly one '@' with text on both sides, no
//   whitespace or control characters. name: trimmed, 1..200 characters, no
//   control characters.
// - limit (query): integer 1..1000, default 100.
// - Idempotency-Key (header, optional, POST /register, /deposit, /payment and
//   /createOrder): at most one, 1..255 printable ASCII characters.
// - X-Request-Id (header, optional, every request): echoed when it is one
//   value of 1..128 printable ASCII characters without spaces, else replaced
//   by a fresh id.

#include <string_view>

#include "domain/types.hpp"
#include "http/field_text.hpp"
#include "http/json_body.hpp"
#include "http/parsed.hpp"
#include "http/query_string.hpp"
#include "http/request_headers.hpp"

namespace shop::http {

// -- request bodies -----------------------------------------------------------

/// POST /register: {"email", "name", "password"}.
parsed<register_user> parse_register(std::string_view body);

/// POST /login: {"email", "password"}.
parsed<credentials> parse_login(std::string_view body);

/// POST /setPassword: {"userId", "password"}.
parsed<set_password> parse_set_password(std::string_view body);

/// A password field's value: 8 to 256 bytes of valid UTF-8.
parsed<std::string> parse_password(std::string_view text);

/// POST /createAccount: {"userId"?}; 0 when absent.
parsed<user_id> parse_create_account(std::string_view body);

/// POST /deposit: {"userId"?, "sum"}.
parsed<deposit> parse_deposit(std::string_view body);

/// POST /payment: {"userId"?, "sum"}.
parsed<payment> parse_payment(std::string_view body);

/// POST /createOrder: {"userId"?, "itemId", "quantity"?}.
parsed<create_order> parse_create_order(std::string_view body);

} // namespace shop::http
