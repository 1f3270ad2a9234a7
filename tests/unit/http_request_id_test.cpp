// The X-Request-Id rule (is_request_id): a client's id is kept when it has
// 1..128 printable ASCII characters without spaces, since the server echoes
// it in a header and writes it into log lines; anything else is replaced.

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

#include "http/request_parsing.hpp"

using namespace shop::http;
using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(http_request_id)

BOOST_AUTO_TEST_CASE(printable_ids_are_kept) {
  BOOST_TEST(is_request_id("a"));
  BOOST_TEST(is_request_id("3f9c0a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6"));
  BOOST_TEST(is_request_id("!~"));
  BOOST_TEST(is_request_id(std::string(max_request_id_bytes, 'x')));
}

BOOST_AUTO_TEST_CASE(other_ids_are_replaced) {
  BOOST_TEST(!is_request_id(""));
  BOOST_TEST(!is_request_id(std::string(max_request_id_bytes + 1, 'x')));
  BOOST_TEST(!is_request_id("a b"));
  BOOST_TEST(!is_request_id("a\tb"));
  BOOST_TEST(!is_request_id("a\r\nX-Injected: 1"));
  BOOST_TEST(!is_request_id("a\0b"s));
  BOOST_TEST(!is_request_id("a\x7f"));
  BOOST_TEST(!is_request_id("caf\xc3\xa9"));
}

BOOST_AUTO_TEST_SUITE_END()
