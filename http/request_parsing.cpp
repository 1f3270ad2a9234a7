#include "http/request_parsing.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/text.hpp"
#include "domain/money.hpp"

namespace shop::http {

namespace {

/// The field's value, or nullptr when it is absent or null.
const json_field* find_field(const json_object& obj, const char* name) {
  auto i = obj.find(name);
  if (i == obj.end() || i->second.kind == json_kind::null)
    return nullptr;
  return &i->second;
}

/// A required positive id: a JSON integer or a numeric string, from its text.
parsed<int64_t> id_field(const json_object& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  switch (x->kind) {
    case json_kind::unsigned_integer:
    case json_kind::string:
      return parse_id_text(x->text, name);
    case json_kind::negative_integer:
      return invalid_field(name, "must be a positive integer, got a negative "
                                 "number");
    case json_kind::other_number:
      return invalid_field(name, "must be an integer, got a fractional "
                                 "number");
    default:
      return invalid_field(name, fmt::format("must be a positive integer or a "
                                             "numeric string, got {}",
                                             type_name(x->kind)));
  }
}

/// An optional positive id: 0 when absent or null.
parsed<int64_t> optional_id_field(const json_object& obj, const char* name) {
  if (find_field(obj, name) == nullptr)
    return int64_t{0};
  return id_field(obj, name);
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

/// A JSON sum that is not an integer (12.5, 1e3), from the text the client
/// wrote, so no rounding ever reaches the amount. Through a double, a text
/// with more than two fraction digits, which the double cannot hold, was
/// rounded to cents instead of refused: 10000000000000.0001 became the
/// maximum, 0.10000000000000000001 ten cents (found by the deposit and
/// payment fuzz targets, tests/fuzz/regressions/).
parsed<money> other_number_sum(std::string_view literal, const char* field) {
  money_error why = money_error::malformed;
  auto text = plain_decimal(literal, why);
  if (!text)
    return invalid_amount(field, to_string(why));
  return money_text(*text, field);
}

/// A required positive sum: a JSON number or a numeric string.
parsed<money> sum_field(const json_object& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  switch (x->kind) {
    case json_kind::unsigned_integer:
    case json_kind::string:
      return money_text(x->text, name);
    case json_kind::negative_integer:
      return invalid_amount(name, to_string(money_error::not_positive));
    case json_kind::other_number:
      return other_number_sum(x->text, name);
    default:
      return invalid_field(name, fmt::format("must be a number or a numeric "
                                             "string, got {}",
                                             type_name(x->kind)));
  }
}

/// The optional quantity, 1..1000, default 1.
parsed<int32_t> quantity_field(const json_object& obj) {
  constexpr const char* name = "quantity";
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return int32_t{1};
  switch (x->kind) {
    case json_kind::unsigned_integer:
    case json_kind::negative_integer:
    case json_kind::string: {
      auto value = parse_ranged_text(x->text, name, 1, max_quantity);
      if (!value)
        return value.error();
      return static_cast<int32_t>(*value);
    }
    case json_kind::other_number:
      return invalid_field(name, "must be an integer, got a fractional "
                                 "number");
    default:
      return invalid_field(name, fmt::format("must be an integer, got {}",
                                             type_name(x->kind)));
  }
}

/// A required string field.
parsed<std::string> string_field(const json_object& obj, const char* name) {
  auto* x = find_field(obj, name);
  if (x == nullptr)
    return missing_field(name);
  if (x->kind != json_kind::string)
    return invalid_field(name, fmt::format("must be a string, got {}",
                                           type_name(x->kind)));
  return x->text;
}

/// The required password field (parse_password).
parsed<std::string> password_field(const json_object& obj) {
  auto text = string_field(obj, "password");
  if (!text)
    return text.error();
  return parse_password(*text);
}

/// Parses a body of {"userId"?, "sum"}, shared by deposit and payment.
template <class Command>
parsed<Command> parse_user_sum(std::string_view body) {
  auto obj = read_json_object(body);
  if (!obj)
    return obj.error();
  auto user = optional_id_field(*obj, "userId");
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

} // namespace

parsed<register_user> parse_register(std::string_view body) {
  auto obj = read_json_object(body);
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
  auto password = password_field(*obj);
  if (!password)
    return password.error();
  return register_user{std::move(*email),
                       std::move(*name),
                       std::move(*password),
                       {},
                       {}};
}

parsed<credentials> parse_login(std::string_view body) {
  auto obj = read_json_object(body);
  if (!obj)
    return obj.error();
  auto email_text = string_field(*obj, "email");
  if (!email_text)
    return email_text.error();
  auto email = parse_email(*email_text);
  if (!email)
    return email.error();
  auto password = password_field(*obj);
  if (!password)
    return password.error();
  return credentials{std::move(*email), std::move(*password)};
}

parsed<set_password> parse_set_password(std::string_view body) {
  auto obj = read_json_object(body);
  if (!obj)
    return obj.error();
  auto user = id_field(*obj, "userId");
  if (!user)
    return user.error();
  auto password = password_field(*obj);
  if (!password)
    return password.error();
  return set_password{*user, std::move(*password)};
}

parsed<std::string> parse_password(std::string_view text) {
  constexpr const char* name = "password";
  if (text.size() < min_password_bytes || text.size() > max_password_bytes)
    return invalid_field(name,
                         fmt::format("must be {} to {} bytes long",
                                     min_password_bytes, max_password_bytes));
  if (!text::is_valid_utf8(text))
    return invalid_field(name, "must be valid UTF-8");
  return std::string{text};
}

parsed<user_id> parse_create_account(std::string_view body) {
  auto obj = read_json_object(body);
  if (!obj)
    return obj.error();
  return optional_id_field(*obj, "userId");
}

parsed<deposit> parse_deposit(std::string_view body) {
  return parse_user_sum<deposit>(body);
}

parsed<payment> parse_payment(std::string_view body) {
  return parse_user_sum<payment>(body);
}

parsed<create_order> parse_create_order(std::string_view body) {
  auto obj = read_json_object(body);
  if (!obj)
    return obj.error();
  auto user = optional_id_field(*obj, "userId");
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

} // namespace shop::http
