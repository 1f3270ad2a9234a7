#include "http/request_parsing.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/money.hpp"

namespace shop::http {

namespace {

using json = nlohmann::json;

constexpr size_t max_email_bytes = 254;
constexpr size_t max_name_chars = 200;
constexpr int64_t max_quantity = 1000;
constexpr int64_t max_limit = 1000;
constexpr int32_t default_limit = 100;

// -- text helpers -------------------------------------------------------------

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ascii_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_digits(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (auto c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
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

// -- JSON helpers -------------------------------------------------------------

/// Parses the body into a JSON object or explains why it is not one.
parsed<json> parse_object(std::string_view body) {
  if (trim(body).empty())
    return invalid_json("the request body is empty; expected a JSON object");
  if (exceeds_json_depth(body, max_json_depth))
    return invalid_json(
      fmt::format("the JSON document nests deeper than {} levels",
                  max_json_depth));
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    // what() starts with "[json.exception.parse_error.101] "; drop that.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos)
      what.remove_prefix(pos + 2);
    return invalid_json(fmt::format("malformed JSON: {}", what));
  }
  if (!doc.is_object())
    return invalid_json(
      fmt::format("the request body must be a JSON object, got {}",
                  doc.type_name()));
  return doc;
}

/// The field's value, or nullptr when it is absent or null.
const json* find_field(const json& obj, const char* name) {
  auto i = obj.find(name);
  if (i == obj.end() || i->is_null())
    return nullptr;
  return &*i;
}

/// A required positive id: a JSON integer or a numeric string.
parsed<int64_t> id_field(const json& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  if (x->is_number_unsigned()) {
    auto value = x->get<uint64_t>();
    if (value == 0)
      return invalid_field(name, "must be a positive integer, got 0");
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return invalid_field(name, "is too large (at most 9223372036854775807)");
    return static_cast<int64_t>(value);
  }
  if (x->is_number_integer())
    return invalid_field(name, "must be a positive integer, got a negative "
                               "number");
  if (x->is_number_float())
    return invalid_field(name, "must be an integer, got a fractional number");
  if (x->is_string())
    return parse_id_text(x->get_ref<const std::string&>(), name);
  return invalid_field(name, fmt::format("must be a positive integer or a "
                                         "numeric string, got {}",
                                         x->type_name()));
}

/// Rewrites "1.5e+16" or "1e-05" (how fmt prints some doubles) as plain
/// decimal text. Exponents beyond +-40 leave nothing parse_money could
/// accept, so the caller maps them to a reason directly.
std::string expand_exponent(std::string_view mantissa, int exponent) {
  std::string digits;
  int point = 0; // digits before the decimal point
  bool seen_point = false;
  for (auto c : mantissa) {
    if (c == '.') {
      seen_point = true;
      continue;
    }
    digits += c;
    if (!seen_point)
      ++point;
  }
  point += exponent;
  if (point <= 0)
    return "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  if (static_cast<size_t>(point) >= digits.size())
    return digits + std::string(point - digits.size(), '0');
  return digits.substr(0, point) + "." + digits.substr(point);
}

/// Parses money text, naming `field` in the error.
parsed<money> money_text(std::string_view text, const char* field) {
  auto res = parse_money(text);
  if (!res.value)
    return invalid_amount(field, to_string(res.error));
  return *res.value;
}

/// A JSON floating-point sum, converted exactly via its shortest decimal
/// form (12.5 -> "12.5") so no rounding ever reaches the amount.
parsed<money> float_sum(double d, const char* field) {
  if (!(d > 0)) // also NaN, which nlohmann never produces
    return invalid_amount(field, to_string(money_error::not_positive));
  auto text = fmt::format("{}", d);
  auto e = text.find('e');
  if (e == std::string::npos)
    return money_text(text, field);
  auto exponent = std::stoi(text.substr(e + 1));
  if (exponent > 40)
    return invalid_amount(field, to_string(money_error::too_large));
  if (exponent < -40)
    return invalid_amount(field, to_string(money_error::too_precise));
  return money_text(expand_exponent(std::string_view{text}.substr(0, e),
                                    exponent),
                    field);
}

/// A required positive sum: a JSON number or a numeric string.
parsed<money> sum_field(const json& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  if (x->is_number_unsigned())
    return money_text(std::to_string(x->get<uint64_t>()), name);
  if (x->is_number_integer()) // negative: unsigned values matched above
    return invalid_amount(name, to_string(money_error::not_positive));
  if (x->is_number_float())
    return float_sum(x->get<double>(), name);
  if (x->is_string())
    return money_text(x->get_ref<const std::string&>(), name);
  return invalid_field(name, fmt::format("must be a number or a numeric "
                                         "string, got {}",
                                         x->type_name()));
}

/// An integer in [lo, hi] from its text; `field` names it in the error.
parsed<int64_t> ranged_text(std::string_view text, const char* field,
                            int64_t lo, int64_t hi) {
  auto value = parse_digits(text);
  if (!value || *value < lo || *value > hi)
    return invalid_field(field, fmt::format("must be an integer from {} to {}",
                                            lo, hi));
  return *value;
}

/// The optional quantity, 1..1000, default 1.
parsed<int32_t> quantity_field(const json& obj) {
  constexpr const char* name = "quantity";
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return int32_t{1};
  auto range_error = [&] {
    return invalid_field(name, fmt::format("must be an integer from 1 to {}",
                                           max_quantity));
  };
  if (x->is_number_unsigned()) {
    auto value = x->get<uint64_t>();
    if (value < 1 || value > static_cast<uint64_t>(max_quantity))
      return range_error();
    return static_cast<int32_t>(value);
  }
  if (x->is_number_integer())
    return range_error();
  if (x->is_number_float())
    return invalid_field(name, "must be an integer, got a fractional number");
  if (x->is_string()) {
    auto value
      = ranged_text(x->get_ref<const std::string&>(), name, 1, max_quantity);
    if (!value)
      return value.error();
    return static_cast<int32_t>(*value);
  }
  return invalid_field(name, fmt::format("must be an integer, got {}",
                                         x->type_name()));
}

/// A required string field.
parsed<std::string> string_field(const json& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  if (!x->is_string())
    return invalid_field(name, fmt::format("must be a string, got {}",
                                           x->type_name()));
  return x->get<std::string>();
}

/// Parses a body of {"userId", "sum"}, shared by deposit and payment.
template <class Command>
parsed<Command> parse_user_sum(std::string_view body) {
  auto obj = parse_object(body);
  if (!obj)
    return obj.error();
  auto user = id_field(*obj, "userId");
  if (!user)
    return user.error();
  auto sum = sum_field(*obj, "sum");
  if (!sum)
    return sum.error();
  Command cmd;
  cmd.user = *user;
  cmd.sum = *sum;
  return cmd;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

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
      auto hi = hex_value(s[i + 1]);
      auto lo = hex_value(s[i + 2]);
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
  return ranged_text(i->second, name, lo, hi);
}

} // namespace

// -- building blocks ----------------------------------------------------------

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

parsed<std::string> parse_email(std::string_view text) {
  constexpr const char* name = "email";
  auto email = trim(text);
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
  auto name = trim(text);
  if (name.empty())
    return invalid_field(field, "must not be empty");
  if (count_code_points(name) > max_name_chars)
    return invalid_field(field, fmt::format("is longer than {} characters",
                                            max_name_chars));
  if (has_control_chars(name))
    return invalid_field(field, "must not contain control characters");
  return std::string{name};
}

bool exceeds_json_depth(std::string_view text, size_t max_depth) noexcept {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (auto c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth)
          return true;
        break;
      case ']':
      case '}':
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

// -- request bodies -----------------------------------------------------------

parsed<register_user> parse_register(std::string_view body) {
  auto obj = parse_object(body);
  if (!obj)
    return obj.error();
  auto email_text = string_field(*obj, "email");
  if (!email_text)
    return email_text.error();
  auto name_text = string_field(*obj, "name");
  if (!name_text)
    return name_text.error();
  auto email = parse_email(*email_text);
  if (!email)
    return email.error();
  auto name = parse_name(*name_text);
  if (!name)
    return name.error();
  return register_user{std::move(*email), std::move(*name), {}};
}

parsed<user_id> parse_create_account(std::string_view body) {
  auto obj = parse_object(body);
  if (!obj)
    return obj.error();
  return id_field(*obj, "userId");
}

parsed<deposit> parse_deposit(std::string_view body) {
  return parse_user_sum<deposit>(body);
}

parsed<payment> parse_payment(std::string_view body) {
  return parse_user_sum<payment>(body);
}

parsed<create_order> parse_create_order(std::string_view body) {
  auto obj = parse_object(body);
  if (!obj)
    return obj.error();
  auto user = id_field(*obj, "userId");
  if (!user)
    return user.error();
  auto item = id_field(*obj, "itemId");
  if (!item)
    return item.error();
  auto quantity = quantity_field(*obj);
  if (!quantity)
    return quantity.error();
  create_order cmd;
  cmd.user = *user;
  cmd.item = *item;
  cmd.quantity = *quantity;
  return cmd;
}

// -- headers ------------------------------------------------------------------

parsed<std::string>
parse_idempotency_key(const std::vector<std::string_view>& values) {
  const std::string name{idempotency_key_header};
  if (values.empty())
    return std::string{};
  if (values.size() > 1)
    return invalid_header(name, fmt::format("must be sent at most once, got {} "
                                            "values",
                                            values.size()));
  auto key = values.front();
  if (key.empty() || key.size() > max_idempotency_key_bytes)
    return invalid_header(name, fmt::format("must have 1 to {} characters, got "
                                            "{}",
                                            max_idempotency_key_bytes,
                                            key.size()));
  for (auto c : key)
    if (c < 0x20 || c > 0x7E)
      return invalid_header(name, "must contain only printable ASCII "
                                  "characters");
  return std::string{key};
}

bool is_request_id(std::string_view x) noexcept {
  if (x.empty() || x.size() > max_request_id_bytes)
    return false;
  for (auto c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

// -- query strings ------------------------------------------------------------

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
