// Fuzz target "register": the bytes are the body of
// POST /register: {"email", "name", "password"}.
// The properties are those of every body parser (body_checks.hpp).

#include <cstddef>
#include <cstdint>

#include "body_checks.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shop::fuzz::check_register_body(shop::fuzz::as_text(data, size));
  return 0;
}
