#pragma once

// base64url without padding (RFC 4648 5, as JWS uses it), for tests that
// build tokens by hand: forged, tampered, unsigned.

#include <string>

#include <sodium.h>

namespace shop::test {

inline std::string base64url(const std::string& text) {
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(text.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), variant);
  out.pop_back(); // the terminating NUL
  return out;
}

} // namespace shop::test
