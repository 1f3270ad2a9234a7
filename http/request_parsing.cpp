#include "http/request_parsing.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/money.hpp"

namespace shop::http {

namespace {

using json = nlohmann::json;

constexpr size_t max_email_bytes = 254;
constexpr size_t max_name_chars = 200;
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
  // No JSON text holds a NUL byte (RFC 8259: inside a string it must be
  // escaped as \u0000), but nlohmann stops at one as at the end of the
  // input: {"userId":1,"sum":5}\0<anything> was accepted as the object
  // before it (found by the body fuzz targets, tests/fuzz/regressions/).
  if (body.find('\0') != std::string_view::npos)
    return invalid_json("malformed JSON: a NUL byte (control characters "
                        "must be escaped)");
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

/// Parses money text, naming `field` in the error.
parsed<money> money_text(std::string_view text, const char* field) {
  auto res = parse_money(text);
  if (!res.value)
    return invalid_amount(field, to_string(res.error));
  return *res.value;
}

/// Beyond this exponent every non-zero number is far from any amount:
/// clamping it keeps the arithmetic below small.
constexpr long long max_exponent = 1'000'000;

/// Rewrites a JSON number exactly as the client wrote it ("1.25e1",
/// "12.500", "0.10000000000000000001") as plain decimal text without zeros
/// that carry no value ("12.5", "12.5", "0.10000000000000000001"), for
/// parse_money: the exponent applied, nothing rounded. nullopt, with the
/// reason in `why`, when no amount can have the value (zero or negative,
/// far more fraction digits than cents, far too large).
std::optional<std::string> plain_decimal(std::string_view raw,
                                         money_error& why) {
  bool negative = !raw.empty() && raw.front() == '-';
  if (negative)
    raw.remove_prefix(1);
  auto e = raw.find_first_of("eE");
  auto mantissa = raw.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    auto text = raw.substr(e + 1);
    bool below = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+'))
      text.remove_prefix(1);
    for (auto c : text)
      exponent = std::min(exponent * 10 + (c - '0'), max_exponent);
    if (below)
      exponent = -exponent;
  }
  // The value is 0.DIGITS times 10^point.
  auto dot = mantissa.find('.');
  std::string digits{mantissa.substr(0, dot)};
  auto point = static_cast<long long>(digits.size()) + exponent;
  if (dot != std::string_view::npos)
    digits += mantissa.substr(dot + 1);
  auto first = digits.find_first_not_of('0');
  if (negative || first == std::string::npos) {
    why = money_error::not_positive;
    return std::nullopt;
  }
  digits.erase(0, first);
  point -= static_cast<long long>(first);
  digits.erase(digits.find_last_not_of('0') + 1);
  auto size = static_cast<long long>(digits.size());
  if (size - point > 2) {
    why = money_error::too_precise;
    return std::nullopt;
  }
  if (point > 14) { // at least 10^14, beyond money::max_cents
    why = money_error::too_large;
    return std::nullopt;
  }
  // Here -1 <= point <= 14: the texts below are short.
  if (point <= 0)
    return "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  if (point >= size)
    return digits + std::string(static_cast<size_t>(point - size), '0');
  return digits.substr(0, static_cast<size_t>(point)) + "."
         + digits.substr(static_cast<size_t>(point));
}

/// The text of the top-level field `name` of a body when it is a
/// non-integer JSON number; the last one when the name repeats, as in the
/// document nlohmann builds.
class raw_number_reader : public nlohmann::json_sax<json> {
public:
  explicit raw_number_reader(std::string_view name) : name_(name) {
  }

  const std::string& text() const noexcept {
    return text_;
  }

  bool number_float(number_float_t, const string_t& raw) override {
    if (depth_ == 1 && key_ == name_)
      text_ = raw;
    return true;
  }
  bool key(string_t& x) override {
    if (depth_ == 1)
      key_ = x;
    return true;
  }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool null() override {
    return true;
  }
  bool boolean(bool) override {
    return true;
  }
  bool number_integer(number_integer_t) override {
    return true;
  }
  bool number_unsigned(number_unsigned_t) override {
    return true;
  }
  bool string(string_t&) override {
    return true;
  }
  bool binary(binary_t&) override {
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    return false;
  }

private:
  std::string_view name_;
  std::string key_;
  std::string text_;
  size_t depth_ = 0;
};

/// A JSON sum that is not an integer (12.5, 1e3), converted from the text
/// the client wrote, so no rounding ever reaches the amount. It used to go
/// through the double nlohmann parsed and that double's shortest decimal
/// form: right for every text with at most two fraction digits, but a text
/// with more, which the double cannot hold, was rounded to cents instead of
/// refused: 10000000000000.0001 became the maximum, 0.10000000000000000001
/// ten cents (found by the deposit and payment fuzz targets,
/// tests/fuzz/regressions/). `body` is parsed again for that text, which
/// the document no longer has; only for such sums, so rarely.
parsed<money> float_sum(std::string_view body, const char* field) {
  raw_number_reader reader{field};
  json::sax_parse(body.begin(), body.end(), &reader);
  money_error why = money_error::malformed;
  auto text = plain_decimal(reader.text(), why);
  if (!text)
    return invalid_amount(field, to_string(why));
  return money_text(*text, field);
}

/// A required positive sum of the body `body`: a JSON number or a numeric
/// string.
parsed<money> sum_field(const json& obj, std::string_view body,
                        const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  if (x->is_number_unsigned())
    return money_text(std::to_string(x->get<uint64_t>()), name);
  if (x->is_number_integer()) // negative: unsigned values matched above
    return invalid_amount(name, to_string(money_error::not_positive));
  if (x->is_number_float())
    return float_sum(body, name);
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
  auto sum = sum_field(*obj, body, "sum");
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
