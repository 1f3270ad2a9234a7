#pragma once

// Character classes and trimming shared by every layer, free of the C
// locale (std::isspace and std::isxdigit follow it): one copy instead of a
// private one per parser (actors/catalog.cpp, http/wire_guard.cpp,
// http/field_text.cpp, http/query_string.cpp).

#include <cstddef>
#include <string_view>

namespace shop::text {

/// Whether `c` is a space or a horizontal tab: the optional white space
/// around HTTP header values (RFC 9110 5.6.3) and around CSV fields.
constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// Whether `c` is ASCII white space: space, \t, \n, \v, \f or \r.
constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

/// `s` without the leading and trailing characters `drop` holds for.
template <class Predicate>
constexpr std::string_view trim_if(std::string_view s,
                                   Predicate drop) noexcept {
  while (!s.empty() && drop(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && drop(s.back()))
    s.remove_suffix(1);
  return s;
}

/// `s` without leading and trailing blanks (spaces and tabs).
constexpr std::string_view trim(std::string_view s) noexcept {
  return trim_if(s, is_blank);
}

/// `s` without leading and trailing ASCII white space.
constexpr std::string_view trim_space(std::string_view s) noexcept {
  return trim_if(s, is_ascii_space);
}

/// `c` in ASCII lower case (other bytes as they are).
constexpr char to_lower_ascii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Whether `a` and `b` are equal ignoring ASCII case (HTTP's header names,
/// auth schemes and media types, RFC 9110 5.1, 11.1, 8.3.1).
constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i]))
      return false;
  return true;
}

/// Whether `s` begins with `prefix` ignoring ASCII case.
constexpr bool istarts_with_ascii(std::string_view s,
                                  std::string_view prefix) noexcept {
  return s.size() >= prefix.size()
         && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

/// The value of the hexadecimal digit `c` (0-9, a-f, A-F), or -1.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Whether `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no
/// surrogates, nothing above U+10FFFF.
constexpr bool is_valid_utf8(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= n)
      return false;
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF))
        return false;
    }
    i += n + 1;
  }
  return true;
}

} // namespace shop::text
