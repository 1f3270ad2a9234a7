#include "http/query_string.hpp"

#include <optional>
#include <utility>

#include "common/text.hpp"
#include "http/field_text.hpp"

namespace shop::http {

namespace {

constexpr int64_t max_limit = 1000;
constexpr int32_t default_limit = 100;

/// Percent-decodes one query component; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size())
        return std::nullopt;
      auto hi = text::hex_digit_value(s[i + 1]);
      auto lo = text::hex_digit_value(s[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/// An optional ranged integer query parameter.
parsed<int64_t> optional_ranged_param(const query_params& params,
                                      const char* name, int64_t fallback,
                                      int64_t lo, int64_t hi) {
  auto i = params.find(name);
  if (i == params.end())
    return fallback;
  return parse_ranged_text(i->second, name, lo, hi);
}

} // namespace

parsed<query_params> parse_query(std::string_view raw) {
  query_params result;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    auto part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{}
                                        : raw.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    auto value = percent_decode(
      eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!key || !value)
      return invalid_field("query string", "has a malformed %-escape");
    // Which of two values was meant is anyone's guess: refuse both.
    if (!result.emplace(*key, std::move(*value)).second)
      return invalid_field(*key, "is given more than once");
  }
  return result;
}

parsed<int64_t> parse_id_param(const query_params& params,
                               const std::string& name) {
  auto i = params.find(name);
  if (i == params.end())
    return missing_field(name);
  return parse_id_text(i->second, name);
}

parsed<notification_filter> parse_messages_query(const query_params& params) {
  notification_filter filter;
  for (auto [name, target] : {std::pair{"userId", &filter.user},
                              std::pair{"orderId", &filter.order}}) {
    if (auto i = params.find(name); i != params.end()) {
      auto id = parse_id_text(i->second, name);
      if (!id)
        return id.error();
      *target = *id;
    }
  }
  auto limit
    = optional_ranged_param(params, "limit", default_limit, 1, max_limit);
  if (!limit)
    return limit.error();
  filter.limit = static_cast<int32_t>(*limit);
  return filter;
}

} // namespace shop::http
