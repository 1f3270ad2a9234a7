// Fuzz target "headers": the bytes are the values a request sent for one
// header, one per line ("" is no value, "\n" one empty value), read as
// Idempotency-Key and as X-Request-Id.
// - parse_idempotency_key: no value is no key; one value of 1..255 bytes
//   0x20..0x7E is the key, byte for byte; anything else (two values, empty,
//   too long, other bytes) is 400 invalid_header and no key; deterministic;
// - is_request_id: true exactly for 1..128 bytes 0x21..0x7E, so an id the
//   server echoes can never split a header line or a log line.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "http/request_parsing.hpp"

using namespace shop::fuzz;
using namespace shop::http;

namespace {

bool all_in(std::string_view x, char lo, char hi) {
  return std::all_of(x.begin(), x.end(),
                     [&](char c) { return c >= lo && c <= hi; });
}

void check_idempotency_key(const std::vector<std::string_view>& values) {
  auto got = parse_idempotency_key(values);
  auto again = parse_idempotency_key(values);
  FUZZ_CHECK(static_cast<bool>(got) == static_cast<bool>(again)
               && (got ? *got == *again
                       : same_error(got.error(), again.error())),
             "parse_idempotency_key is deterministic");
  bool valid = values.empty()
               || (values.size() == 1 && !values[0].empty()
                   && values[0].size() <= max_idempotency_key_bytes
                   && all_in(values[0], 0x20, 0x7e));
  if (!valid) {
    FUZZ_CHECK(!got, "an invalid Idempotency-Key is refused");
    check_client_error(got.error(), {"invalid_header"});
    FUZZ_CHECK(got.error().message.find("Idempotency-Key") != std::string::npos,
               "the error names the header");
    return;
  }
  FUZZ_CHECK(static_cast<bool>(got), "a valid Idempotency-Key is accepted");
  FUZZ_CHECK(values.empty() ? got->empty() : *got == values[0],
             "the key is the value sent, byte for byte; none without one");
}

void check_request_id(std::string_view x) {
  bool valid = !x.empty() && x.size() <= max_request_id_bytes
               && all_in(x, 0x21, 0x7e);
  FUZZ_CHECK(is_request_id(x) == valid,
             "is_request_id keeps exactly 1..128 bytes 0x21..0x7E");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto values = split_lines(as_text(data, size));
  check_idempotency_key(values);
  for (auto x : values)
    check_request_id(x);
  // The whole input as one value, so that '\n' is tried inside a value too.
  check_idempotency_key({as_text(data, size)});
  check_request_id(as_text(data, size));
  return 0;
}
