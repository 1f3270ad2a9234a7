// The Idempotency-Key header: absent means no key; one value of 1..255
// printable ASCII characters is the key; anything else is 400 invalid_header.

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "http/request_parsing.hpp"

using namespace shop::http;

namespace {

using values = std::vector<std::string_view>;

/// The error of a rejected header; fails when it was accepted.
api_error rejected(const values& xs) {
  auto key = parse_idempotency_key(xs);
  BOOST_TEST_REQUIRE(!key, "accepted, but should be rejected");
  return key.error();
}

/// The key of an accepted header; fails with the error otherwise.
std::string accepted(const values& xs) {
  auto key = parse_idempotency_key(xs);
  BOOST_TEST_REQUIRE(static_cast<bool>(key),
                     "rejected: " << key.error().message);
  return *key;
}

void check_invalid(const values& xs, const std::string& expected_words) {
  auto err = rejected(xs);
  BOOST_TEST(err.status == 400);
  BOOST_TEST(err.code == "invalid_header");
  BOOST_TEST(err.message.find("Idempotency-Key") != std::string::npos,
             err.message);
  BOOST_TEST(err.message.find(expected_words) != std::string::npos,
             err.message);
}

} // namespace

BOOST_AUTO_TEST_SUITE(idempotency_key_header)

BOOST_AUTO_TEST_CASE(absent_means_no_key) {
  BOOST_TEST(accepted({}) == "");
}

BOOST_AUTO_TEST_CASE(printable_ascii_keys_are_taken_verbatim) {
  BOOST_TEST(accepted({"k"}) == "k");
  BOOST_TEST(accepted({"order-42 retry #1"}) == "order-42 retry #1");
  BOOST_TEST(accepted({"550e8400-e29b-41d4-a716-446655440000"})
             == "550e8400-e29b-41d4-a716-446655440000");
  std::string every_printable;
  for (char c = 0x20; c <= 0x7E; ++c)
    every_printable += c;
  BOOST_TEST(accepted({every_printable}) == every_printable);
  std::string longest(max_idempotency_key_bytes, 'x');
  BOOST_TEST(accepted({longest}) == longest);
}

BOOST_AUTO_TEST_CASE(length_is_1_to_255) {
  check_invalid({""}, "1 to 255 characters");
  std::string too_long(max_idempotency_key_bytes + 1, 'x');
  check_invalid({too_long}, "1 to 255 characters");
}

BOOST_AUTO_TEST_CASE(only_printable_ascii) {
  using namespace std::string_view_literals;
  for (auto bad : {"tab\there"sv, "new\nline"sv, "nul\0byte"sv, "del\x7F"sv,
                   "caf\xC3\xA9"sv, "\x80"sv, "\xFF"sv}) {
    BOOST_TEST_CONTEXT("key of " << bad.size() << " bytes") {
      check_invalid({bad}, "printable ASCII");
    }
  }
}

BOOST_AUTO_TEST_CASE(at_most_one_value) {
  check_invalid({"a", "a"}, "at most once");
  check_invalid({"a", "b", "c"}, "at most once");
}

BOOST_AUTO_TEST_SUITE_END()
