#pragma once

// Character classes and trimming shared by every layer, free of the C
// locale (std::isspace and std::isxdigit follow it): one copy instead of a
// private one per parser (actors/catalog.cpp, http/wire_guard.cpp,
// http/field_text.cpp, http/query_string.cpp).

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

} // namespace shop::text
