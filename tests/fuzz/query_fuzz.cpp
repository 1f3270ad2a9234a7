// Fuzz target "query": the bytes are a raw query string, as after the '?'
// of GET /getUserInfo, /myBalance, /getOrder or /getAllSentMessages.
// - parse_query is deterministic, refuses exactly the strings with a
//   malformed %-escape or a name given twice (400 invalid_field), and what it
//   accepts survives a round trip: every name and value percent-encoded
//   again parses back to the same parameters;
// - parse_id_param (userId, orderId) accepts exactly the positive decimal
//   ids up to 2^63-1 (missing_field when absent, invalid_field otherwise);
// - parse_messages_query's filter has ids 0 (absent) or the parameter's
//   value, and a limit of 1..1000, 100 when absent.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "fuzz_support.hpp"
#include "http/request_parsing.hpp"

using namespace shop;
using namespace shop::fuzz;
using namespace shop::http;

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
         || (c >= 'A' && c <= 'F');
}

/// The reference: decodes one component, or nullopt for a '%' without two
/// hex digits after it.
std::optional<std::string> decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size())
        return std::nullopt;
      if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]))
        return std::nullopt;
      out += static_cast<char>(
        std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

/// The reference verdict: "" or the code parse_query must refuse with.
std::string expect_query(std::string_view raw) {
  std::set<std::string> names;
  std::string code;
  size_t start = 0;
  while (start <= raw.size()) {
    auto amp = raw.find('&', start);
    auto end = amp == std::string_view::npos ? raw.size() : amp;
    auto part = raw.substr(start, end - start);
    start = end + 1;
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto name = decode(part.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view{}
                                                     : part.substr(eq + 1));
    if (!name || !value || !names.insert(*name).second)
      return "invalid_field";
  }
  return {};
}

std::string encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (auto ch : s) {
    auto c = static_cast<unsigned char>(ch);
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

void check_id_param(const query_params& params, const std::string& name) {
  auto got = parse_id_param(params, name);
  auto i = params.find(name);
  if (i == params.end()) {
    FUZZ_CHECK(!got, "an absent id parameter is refused");
    check_client_error(got.error(), {"missing_field"});
    return;
  }
  auto ref = expect_id_text(i->second);
  if (!ref.value) {
    FUZZ_CHECK(!got, "an id the rule rejects is refused");
    check_client_error(got.error(), {"invalid_field"});
    FUZZ_CHECK(got.error().message.find("'" + name + "'") != std::string::npos,
               "the error names the parameter");
    return;
  }
  FUZZ_CHECK(got && *got == *ref.value,
             "an id the rule accepts is accepted with its value");
}

void check_messages_query(const query_params& params) {
  auto got = parse_messages_query(params);
  std::string code;
  notification_filter want;
  for (auto [name, target] :
       {std::pair{"userId", &want.user}, std::pair{"orderId", &want.order}}) {
    if (auto i = params.find(name); i != params.end() && code.empty()) {
      auto id = expect_id_text(i->second);
      if (id.value)
        *target = *id.value;
      else
        code = id.code;
    }
  }
  if (auto i = params.find("limit"); i != params.end() && code.empty()) {
    auto limit = expect_id_text(i->second);
    if (limit.value && *limit.value <= 1000)
      want.limit = static_cast<int32_t>(*limit.value);
    else
      code = "invalid_field";
  }
  if (!code.empty()) {
    FUZZ_CHECK(!got, "a filter the rules reject is refused");
    check_client_error(got.error(), {"invalid_field"});
    return;
  }
  FUZZ_CHECK(static_cast<bool>(got), "a filter the rules accept is accepted");
  FUZZ_CHECK(got->user == want.user && got->order == want.order
               && got->limit == want.limit,
             "the filter has the parameters' values, 0 and 100 by default");
  FUZZ_CHECK(got->user >= 0 && got->order >= 0 && got->limit >= 1
               && got->limit <= 1000,
             "a filter's ids are 0 or positive and its limit 1..1000");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto raw = as_text(data, size);
  auto got = parse_query(raw);
  auto again = parse_query(raw);
  FUZZ_CHECK(static_cast<bool>(got) == static_cast<bool>(again)
               && (got ? *got == *again
                       : same_error(got.error(), again.error())),
             "parse_query is deterministic");
  auto code = expect_query(raw);
  if (!got) {
    check_client_error(got.error(), {"invalid_field"});
    FUZZ_CHECK(!code.empty(),
               "a query string without a malformed escape or a repeated "
               "name is accepted");
    return 0;
  }
  FUZZ_CHECK(code.empty(), "a query string with a malformed escape or a "
                           "repeated name is refused");
  std::string encoded;
  for (auto& [name, value] : *got)
    encoded
      += (encoded.empty() ? "" : "&") + encode(name) + "=" + encode(value);
  auto back = parse_query(encoded);
  FUZZ_CHECK(back && *back == *got,
             "accepted parameters percent-encoded again parse back to "
             "themselves");
  check_id_param(*got, "userId");
  check_id_param(*got, "orderId");
  check_messages_query(*got);
  return 0;
}
