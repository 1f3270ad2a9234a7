#pragma once

// Generators of hostile request input for the fuzz tests (tests/unit and
// tests/fault): random bytes, random JSON-ish objects over the API's field
// names, and valid bodies mutated by flips, cuts, splices of huge numbers,
// deep nesting and invalid UTF-8. Deterministic for a given generator state.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace shop::test::fuzz {

using rng_type = std::mt19937_64;

/// Printable form of arbitrary bytes for failure messages.
inline std::string escaped(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (auto ch : s.substr(0, 300)) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  if (s.size() > 300)
    out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

inline size_t pick(rng_type& rng, size_t n) {
  return std::uniform_int_distribution<size_t>{0, n - 1}(rng);
}

inline const std::vector<std::string>& seeds() {
  static const std::vector<std::string> xs{
    R"({"email":"ann@example.com","name":"Ann"})",
    R"({"email":" Bob@Example.org ","name":"Bob \u00e9"})",
    R"({"email":"ann@example.com","name":"Ann","password":"correct horse"})",
    R"({"email":"ann@example.com","password":"\u00e9\u00e9\u00e9\u00e9"})",
    R"({"sum":"1"})",
    R"({"itemId":2})",
    R"({"userId":1})",
    R"({"userId":"42"})",
    R"({"userId":1,"sum":500})",
    R"({"userId":"7","sum":"12.50"})",
    R"({"userId":3,"sum":0.29})",
    R"({"userId":1,"sum":1e3})",
    R"({"userId":1,"itemId":2})",
    R"({"userId":1,"itemId":"3","quantity":"1000"})",
    R"({"userId":9223372036854775807,"itemId":1,"quantity":1})",
    R"({"userId":1,"sum":10000000000000})",
    R"({"userId":null,"sum":[1],"extra":{"a":[true,false,null]}})",
    R"([1,2,3])",
    R"("just a string")",
    "{}",
  };
  return xs;
}

/// Fragments that stress the parser when spliced in.
inline const std::vector<std::string>& nasties() {
  static const std::vector<std::string> xs{
    std::string(400, '9'),
    "1e999999",
    "-1e-999999",
    "1.7976931348623157e309",
    "18446744073709551616",
    "-9223372036854775809",
    "0.30000000000000004",
    "1e-7",
    "-0",
    "0x10",
    "NaN",
    "Infinity",
    "\"\\ud800\"",
    "\"\\udc00\\ud800\"",
    "\"\\u0000\"",
    "\"\xC3\x28\"",
    "\"\xED\xA0\x80\"",
    "\"\xC0\xAF\"",
    "\"\xF8\x88\x80\x80\x80\"",
    "\"\xFF\xFE\"",
    std::string(1, '\0'),
    "\xEF\xBB\xBF",
    std::string(40, '[') + std::string(40, ']'),
    std::string(5000, '['),
    std::string(5000, '{'),
    "{\"a\":" + std::string(33, '[') + std::string(33, ']') + "}",
    "\"" + std::string(70000, 'x') + "\"",
    "\"a\\\"b\\\\\"",
    "/* comment */",
    "true",
    "null",
    ",",
    ":",
    "}",
    "\"",
  };
  return xs;
}

inline std::string random_bytes(rng_type& rng, size_t max_len) {
  auto len = pick(rng, max_len + 1);
  std::string s(len, '\0');
  for (auto& c : s)
    c = static_cast<char>(pick(rng, 256));
  return s;
}

/// A random JSON-ish value: mostly well-formed, with the known field names.
inline std::string random_value(rng_type& rng, int depth);

inline std::string random_object(rng_type& rng, int depth) {
  static const char* keys[] = {"userId", "sum",    "itemId",  "quantity",
                               "email",  "name",   "orderId", "limit",
                               "",       "USERID", "password"};
  std::string s = "{";
  auto n = pick(rng, 5);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0)
      s += ',';
    s += '"';
    s += keys[pick(rng, std::size(keys))];
    s += "\":";
    s += random_value(rng, depth + 1);
  }
  return s + "}";
}

inline std::string random_value(rng_type& rng, int depth) {
  switch (pick(rng, depth > 3 ? 8 : 10)) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng()));
    case 1:
      return std::to_string(pick(rng, 2000));
    case 2:
      return std::to_string(static_cast<double>(rng() % 100000) / 100.0);
    case 3:
      return "\"" + std::to_string(pick(rng, 100000)) + "\"";
    case 4:
      return "\"user" + std::to_string(pick(rng, 100)) + "@example.com\"";
    case 5:
      return nasties()[pick(rng, nasties().size())];
    case 6:
      return pick(rng, 2) == 0 ? "null" : "true";
    case 7:
      return "\"" + random_bytes(rng, 12) + "\"";
    case 8:
      return "[" + random_value(rng, depth + 1) + "]";
    default:
      return random_object(rng, depth + 1);
  }
}

/// `s` changed once: a byte flipped, inserted, deleted or duplicated, a cut,
/// or a nasty fragment spliced in.
inline void mutate_once(rng_type& rng, std::string& s) {
  auto at = s.empty() ? 0 : pick(rng, s.size() + 1);
  switch (pick(rng, 7)) {
    case 0:
      if (!s.empty())
        s[pick(rng, s.size())] ^= static_cast<char>(1u << pick(rng, 8));
      break;
    case 1:
      s.insert(at, 1, static_cast<char>(pick(rng, 256)));
      break;
    case 2:
      if (!s.empty())
        s.erase(pick(rng, s.size()), 1 + pick(rng, 4));
      break;
    case 3: // truncate
      s.resize(at);
      break;
    case 4:
      s.insert(at, nasties()[pick(rng, nasties().size())]);
      break;
    case 5:
      if (!s.empty()) {
        auto from = pick(rng, s.size());
        s.insert(at, s.substr(from, 1 + pick(rng, 8)));
      }
      break;
    default:
      s.insert(at, random_value(rng, 0));
      break;
  }
}

/// One generated body: a mutated seed, a random JSON object or plain bytes.
inline std::string random_body(rng_type& rng) {
  switch (pick(rng, 4)) {
    case 0:
      return random_bytes(rng, 64);
    case 1:
      return random_object(rng, 0);
    default: {
      auto s = seeds()[pick(rng, seeds().size())];
      auto n = 1 + pick(rng, 4);
      for (size_t i = 0; i < n; ++i)
        mutate_once(rng, s);
      return s;
    }
  }
}

} // namespace shop::test::fuzz
