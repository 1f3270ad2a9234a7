#include "http/field_text.hpp"

#include <limits>
#include <optional>

#include <fmt/format.h>

#include "common/text.hpp"

namespace shop::http {

namespace {

using text::is_ascii_space;
using text::trim_space;

constexpr size_t max_email_bytes = 254;
constexpr size_t max_name_chars = 200;

bool is_digits(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (auto c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// Parses decimal digits into a non-negative int64; nullopt on overflow or
/// when `s` is not all digits.
std::optional<int64_t> parse_digits(std::string_view s) noexcept {
  if (!is_digits(s))
    return std::nullopt;
  int64_t result = 0;
  for (auto c : s) {
    auto digit = c - '0';
    if (result > (std::numeric_limits<int64_t>::max() - digit) / 10)
      return std::nullopt;
    result = result * 10 + digit;
  }
  return result;
}

/// Whether the UTF-8 text contains a C0 control, DEL or a C1 control
/// (U+0080..U+009F, encoded as C2 80..C2 9F).
bool has_control_chars(std::string_view s) noexcept {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F)
      return true;
    if (c == 0xC2 && i + 1 < s.size()) {
      auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9F)
        return true;
    }
  }
  return false;
}

/// Number of code points, counting lead bytes (the JSON parser already
/// rejected invalid UTF-8).
size_t count_code_points(std::string_view s) noexcept {
  size_t n = 0;
  for (auto c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++n;
  return n;
}

} // namespace

parsed<int64_t> parse_id_text(std::string_view text, const std::string& field) {
  if (!is_digits(text))
    return invalid_field(field, "must be a positive integer");
  auto value = parse_digits(text);
  if (!value)
    return invalid_field(field, "is too large (at most 9223372036854775807)");
  if (*value == 0)
    return invalid_field(field, "must be a positive integer, got 0");
  return *value;
}

parsed<int64_t> parse_ranged_text(std::string_view text,
                                  const std::string& field, int64_t lo,
                                  int64_t hi) {
  auto value = parse_digits(text);
  if (!value || *value < lo || *value > hi)
    return invalid_field(field, fmt::format("must be an integer from {} to {}",
                                            lo, hi));
  return *value;
}

parsed<std::string> parse_email(std::string_view text) {
  constexpr const char* name = "email";
  auto email = trim_space(text);
  if (email.empty())
    return invalid_field(name, "must not be empty");
  if (email.size() > max_email_bytes)
    return invalid_field(name, fmt::format("is longer than {} bytes",
                                           max_email_bytes));
  for (auto c : email)
    if (is_ascii_space(c))
      return invalid_field(name, "must not contain spaces");
  if (has_control_chars(email))
    return invalid_field(name, "must not contain control characters");
  auto at = email.find('@');
  if (at == std::string_view::npos
      || email.find('@', at + 1) != std::string_view::npos)
    return invalid_field(name, "must contain exactly one '@'");
  if (at == 0 || at + 1 == email.size())
    return invalid_field(name, "needs text before and after the '@'");
  return std::string{email};
}

parsed<std::string> parse_name(std::string_view text) {
  constexpr const char* field = "name";
  auto name = trim_space(text);
  if (name.empty())
    return invalid_field(field, "must not be empty");
  if (count_code_points(name) > max_name_chars)
    return invalid_field(field, fmt::format("is longer than {} characters",
                                            max_name_chars));
  if (has_control_chars(name))
    return invalid_field(field, "must not contain control characters");
  return std::string{name};
}

} // namespace shop::http
