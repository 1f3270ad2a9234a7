#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

namespace shop::fuzz {

namespace {

using json = nlohmann::json;

/// The largest amount in cents as text: 10000000000000.00.
constexpr std::string_view max_cents_text = "1000000000000000";

/// docs/api.md's deepest nesting.
constexpr size_t max_depth = 32;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

std::string_view strip_leading_zeros(std::string_view s) {
  while (!s.empty() && s.front() == '0')
    s.remove_prefix(1);
  return s;
}

/// Compares two digit strings without leading zeros by value.
int compare_digits(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

/// The whole number of cents in `digits` (no leading zeros, at most 16
/// digits), checked against the maximum.
amount_reading cents_of(std::string_view digits) {
  if (digits.empty())
    return {amount_verdict::not_positive, 0};
  if (compare_digits(digits, max_cents_text) > 0)
    return {amount_verdict::too_large, 0};
  int64_t cents = 0;
  for (auto c : digits)
    cents = cents * 10 + (c - '0');
  return {amount_verdict::ok, cents};
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

std::string_view trim_ascii_space(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// C0 controls, DEL, and C1 controls (U+0080..U+009F) in UTF-8 text.
bool has_control(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f)
      return true;
    if (c == 0xc2 && i + 1 < s.size()) {
      auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9f)
        return true;
    }
  }
  return false;
}

/// Records the top-level fields of a body and how deep it nests.
class body_reader : public nlohmann::json_sax<json> {
public:
  explicit body_reader(body_view& out) : out_(out) {
  }

  bool null() override {
    return scalar(field_view{field_view::null, 0, {}});
  }
  bool boolean(bool) override {
    return scalar(field_view{field_view::boolean, 0, {}});
  }
  bool number_integer(number_integer_t) override {
    // nlohmann reports integers >= 0 as unsigned: this one is negative.
    return scalar(field_view{field_view::negative_integer, 0, {}});
  }
  bool number_unsigned(number_unsigned_t x) override {
    return scalar(field_view{field_view::unsigned_integer, x, {}});
  }
  bool number_float(number_float_t, const string_t& raw) override {
    return scalar(field_view{field_view::floating, 0, raw});
  }
  bool string(string_t& x) override {
    return scalar(field_view{field_view::string, 0, x});
  }
  bool binary(binary_t&) override {
    return false; // not in JSON text
  }
  bool start_object(std::size_t) override {
    return open(field_view::object);
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    return open(field_view::array);
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& x) override {
    if (depth_ == 1)
      key_ = x;
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    return false;
  }

private:
  bool scalar(field_view f) {
    if (depth_ == 1 && out_.is_object)
      out_.fields[key_] = std::move(f);
    return true;
  }

  bool open(field_view::kind_type kind) {
    if (depth_ == 0)
      out_.is_object = kind == field_view::object;
    else
      scalar(field_view{kind, 0, {}});
    ++depth_;
    out_.depth = std::max(out_.depth, depth_);
    return true;
  }

  body_view& out_;
  size_t depth_ = 0;
  std::string key_;
};

} // namespace

[[noreturn]] void violated(const char* file, int line, const char* what) {
  std::fprintf(stderr, "fuzz property violated (%s:%d): %s\n", file, line,
               what);
  std::fflush(stderr);
  std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> result;
  while (!text.empty()) {
    auto nl = text.find('\n');
    result.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{}
                                        : text.substr(nl + 1);
  }
  return result;
}

void check_client_error(const http::api_error& err,
                        const std::vector<std::string_view>& codes) {
  FUZZ_CHECK(err.status == 400, "a client error has status 400");
  FUZZ_CHECK(std::find(codes.begin(), codes.end(), err.code) != codes.end(),
             "a client error has one of the codes this parser may give");
  auto& kinds = http::error_kinds();
  FUZZ_CHECK(std::any_of(kinds.begin(), kinds.end(),
                         [&](const http::error_kind& k) {
                           return k.status == err.status && k.code == err.code;
                         }),
             "the error code is in the documented table (error_kinds)");
  FUZZ_CHECK(!err.message.empty(), "a client error explains itself");
  auto body = json::parse(http::to_json(err), nullptr, false);
  FUZZ_CHECK(!body.is_discarded() && body.is_object(),
             "the error body is a JSON object");
  FUZZ_CHECK(body.size() == 2 && body.value("error", "") == err.code,
             "the error body carries the code and the message only");
  // A message quoting the client's bytes may hold invalid UTF-8: the JSON
  // writer replaces those bytes with U+FFFD, and only those.
  auto message = body.value("message", "");
  FUZZ_CHECK(valid_utf8(err.message) ? message == err.message
                                     : !message.empty() && valid_utf8(message),
             "the error body carries the message (invalid UTF-8 replaced)");
}

bool same_error(const http::api_error& x, const http::api_error& y) {
  return x.status == y.status && x.code == y.code && x.message == y.message;
}

bool valid_utf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (bytes.size() - i <= n)
      return false;
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(bytes[i + k]);
      if ((d & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    bool overlong = (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

// -- amounts ------------------------------------------------------------------

amount_reading read_amount_text(std::string_view text) {
  if (text.empty())
    return {amount_verdict::empty, 0};
  bool negative = text.front() == '-';
  auto body = negative ? text.substr(1) : text;
  auto dot = body.find('.');
  auto whole = body.substr(0, dot);
  auto fraction = dot == std::string_view::npos ? std::string_view{}
                                                : body.substr(dot + 1);
  if (!all_digits(whole)
      || (dot != std::string_view::npos && !all_digits(fraction)))
    return {amount_verdict::malformed, 0};
  if (fraction.size() > 2)
    return {amount_verdict::too_precise, 0};
  std::string digits{strip_leading_zeros(whole)};
  digits += fraction;
  digits.append(2 - fraction.size(), '0');
  auto significant = strip_leading_zeros(digits);
  if (negative || significant.empty())
    return {amount_verdict::not_positive, 0};
  return cents_of(significant);
}

amount_reading read_json_number(std::string_view text) {
  // JSON: "-"? INT ("." DIGITS)? ([eE] [+-]? DIGITS)?; nlohmann checked it.
  bool negative = !text.empty() && text.front() == '-';
  if (negative)
    text.remove_prefix(1);
  auto e = text.find_first_of("eE");
  auto mantissa = text.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    auto exp_text = text.substr(e + 1);
    bool exp_negative = !exp_text.empty() && exp_text.front() == '-';
    if (!exp_text.empty()
        && (exp_text.front() == '-' || exp_text.front() == '+'))
      exp_text.remove_prefix(1);
    for (auto c : exp_text)
      exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);
    if (exp_negative)
      exponent = -exponent;
  }
  // The value is 0.DIGITS * 10^point.
  auto dot = mantissa.find('.');
  std::string digits{mantissa.substr(0, dot)};
  long long point = static_cast<long long>(digits.size()) + exponent;
  if (dot != std::string_view::npos)
    digits += mantissa.substr(dot + 1);
  // Leading zeros move the point, trailing ones change nothing.
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0')
    ++lead;
  digits.erase(0, lead);
  point -= static_cast<long long>(lead);
  while (!digits.empty() && digits.back() == '0')
    digits.pop_back();
  if (negative || digits.empty())
    return {amount_verdict::not_positive, 0};
  auto fraction_digits = static_cast<long long>(digits.size()) - point;
  if (fraction_digits > 2)
    return {amount_verdict::too_precise, 0};
  // Whole cents: DIGITS followed by zeros up to point + 2 digits.
  if (point + 2 > static_cast<long long>(max_cents_text.size()))
    return {amount_verdict::too_large, 0};
  digits.append(static_cast<size_t>(point + 2) - digits.size(), '0');
  return cents_of(digits);
}

// -- JSON bodies --------------------------------------------------------------

const field_view* body_view::find(const std::string& name) const {
  auto i = fields.find(name);
  if (i == fields.end() || i->second.kind == field_view::null)
    return nullptr;
  return &i->second;
}

body_view read_body(std::string_view body) {
  body_view view;
  body_reader reader{view};
  // RFC 8259: no JSON text holds a NUL byte (inside strings it must be
  // escaped as \u0000). nlohmann stops at one as at the end of the input,
  // so it would read {"userId":1}\0<anything> as the object alone.
  view.valid_json = json::sax_parse(body.begin(), body.end(), &reader)
                    && body.find('\0') == std::string_view::npos;
  return view;
}

std::string body_error(std::string_view, const body_view& view) {
  if (!view.valid_json || !view.is_object || view.depth > max_depth)
    return "invalid_json";
  return {};
}

expected<int64_t> expect_id_text(std::string_view text) {
  if (!all_digits(text))
    return expected<int64_t>::fail("invalid_field");
  auto digits = strip_leading_zeros(text);
  if (digits.empty()
      || compare_digits(digits,
                        std::to_string(std::numeric_limits<int64_t>::max()))
           > 0)
    return expected<int64_t>::fail("invalid_field");
  return {std::stoll(std::string{digits}), {}};
}

expected<int64_t> expect_id(const body_view& view, const std::string& name) {
  auto* f = view.find(name);
  if (f == nullptr)
    return expected<int64_t>::fail("missing_field");
  if (f->kind == field_view::unsigned_integer) {
    if (f->unsigned_value == 0
        || f->unsigned_value
             > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return expected<int64_t>::fail("invalid_field");
    return {static_cast<int64_t>(f->unsigned_value), {}};
  }
  if (f->kind == field_view::string)
    return expect_id_text(f->text);
  return expected<int64_t>::fail("invalid_field");
}

expected<int64_t> expect_optional_id(const body_view& view,
                                     const std::string& name) {
  if (view.find(name) == nullptr)
    return {int64_t{0}, {}};
  return expect_id(view, name);
}

expected<std::string> expect_password(const body_view& view) {
  auto text = expect_string(view, "password");
  if (text.value && (text.value->size() < 8 || text.value->size() > 256))
    return expected<std::string>::fail("invalid_field");
  return text;
}

expected<int64_t> expect_sum(const body_view& view, const std::string& name) {
  auto* f = view.find(name);
  if (f == nullptr)
    return expected<int64_t>::fail("missing_field");
  amount_reading r;
  switch (f->kind) {
    case field_view::unsigned_integer:
      r = read_json_number(std::to_string(f->unsigned_value));
      break;
    case field_view::negative_integer:
      r = {amount_verdict::not_positive, 0};
      break;
    case field_view::floating:
      r = read_json_number(f->text);
      break;
    case field_view::string:
      r = read_amount_text(f->text);
      break;
    default:
      return expected<int64_t>::fail("invalid_field");
  }
  if (r.verdict != amount_verdict::ok)
    return expected<int64_t>::fail("invalid_amount");
  return {r.cents, {}};
}

expected<int32_t> expect_quantity(const body_view& view) {
  auto* f = view.find("quantity");
  if (f == nullptr)
    return {1, {}};
  uint64_t value = 0;
  if (f->kind == field_view::unsigned_integer) {
    value = f->unsigned_value;
  } else if (f->kind == field_view::string && all_digits(f->text)) {
    auto digits = strip_leading_zeros(f->text);
    value = digits.size() > 4 ? 10000 : std::stoull("0" + std::string{digits});
  } else {
    return expected<int32_t>::fail("invalid_field");
  }
  if (value < 1 || value > 1000)
    return expected<int32_t>::fail("invalid_field");
  return {static_cast<int32_t>(value), {}};
}

expected<std::string> expect_string(const body_view& view,
                                    const std::string& name) {
  auto* f = view.find(name);
  if (f == nullptr)
    return expected<std::string>::fail("missing_field");
  if (f->kind != field_view::string)
    return expected<std::string>::fail("invalid_field");
  return {f->text, {}};
}

expected<std::string> expect_email(std::string_view text) {
  auto email = trim_ascii_space(text);
  if (email.empty() || email.size() > 254 || has_control(email)
      || std::any_of(email.begin(), email.end(), is_ascii_space))
    return expected<std::string>::fail("invalid_field");
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size()
      || email.find('@', at + 1) != std::string_view::npos)
    return expected<std::string>::fail("invalid_field");
  return {std::string{email}, {}};
}

expected<std::string> expect_name(std::string_view text) {
  auto name = trim_ascii_space(text);
  auto code_points = std::count_if(name.begin(), name.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  });
  if (name.empty() || code_points > 200 || has_control(name))
    return expected<std::string>::fail("invalid_field");
  return {std::string{name}, {}};
}

} // namespace shop::fuzz
