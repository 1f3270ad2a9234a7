// Fuzz target "create_order": the bytes are the body of
// POST /createOrder: {"userId", "itemId", "quantity"?}.
// The properties are those of every body parser (body_checks.hpp).

#include <cstddef>
#include <cstdint>

#include "body_checks.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shop::fuzz::check_create_order_body(shop::fuzz::as_text(data, size));
  return 0;
}
