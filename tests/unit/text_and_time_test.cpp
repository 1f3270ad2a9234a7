#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "common/text.hpp"
#include "common/timestamp.hpp"
#include "http/date.hpp"

BOOST_AUTO_TEST_SUITE(common_text)

BOOST_AUTO_TEST_CASE(trim_drops_blanks_only) {
  using shop::text::trim;
  BOOST_TEST(trim(" \t a b \t ") == "a b");
  BOOST_TEST(trim("\na\r") == "\na\r");
  BOOST_TEST(trim(" \t ").empty());
  BOOST_TEST(trim("").empty());
}

BOOST_AUTO_TEST_CASE(trim_space_drops_all_ascii_white_space) {
  using shop::text::trim_space;
  BOOST_TEST(trim_space(" \t\n\r\v\fa b\f\v\r\n\t ") == "a b");
  // Not white space: NUL, a no-break space (C2 A0).
  BOOST_TEST(trim_space(std::string_view{"\0a", 2}).size() == 2u);
  BOOST_TEST(trim_space("\xC2\xA0"
                        "a")
             == "\xC2\xA0"
                "a");
}

BOOST_AUTO_TEST_CASE(hex_digits) {
  using shop::text::hex_digit_value;
  BOOST_TEST(hex_digit_value('0') == 0);
  BOOST_TEST(hex_digit_value('9') == 9);
  BOOST_TEST(hex_digit_value('a') == 10);
  BOOST_TEST(hex_digit_value('F') == 15);
  for (char c : std::string{"gG/:@`\x7f "})
    BOOST_TEST(hex_digit_value(c) == -1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timestamps)

BOOST_AUTO_TEST_CASE(iso8601_utc_covers_every_int64) {
  using shop::iso8601_utc;
  BOOST_TEST(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(iso8601_utc(-1001) == "1969-12-31T23:59:58.999Z");
  BOOST_TEST(iso8601_utc(253'402'300'799'999) == "9999-12-31T23:59:59.999Z");
  BOOST_TEST(iso8601_utc(253'402'300'800'000) == "10000-01-01T00:00:00.000Z");
  // Year -1 (1 BCE) and the ends of the range.
  BOOST_TEST(iso8601_utc(-62'198'755'200'000) == "-001-01-01T00:00:00.000Z");
  BOOST_TEST(iso8601_utc(std::numeric_limits<int64_t>::max())
             == "292278994-08-17T07:12:55.807Z");
  BOOST_TEST(iso8601_utc(std::numeric_limits<int64_t>::min())
             == "-292275055-05-16T16:47:04.192Z");
}

BOOST_AUTO_TEST_CASE(http_dates_are_imf_fixdate) {
  using shop::http::http_date;
  // RFC 9110's example, the epoch, and a time before it.
  BOOST_TEST(http_date(784'111'777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  BOOST_TEST(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  BOOST_TEST(http_date(-1) == "Wed, 31 Dec 1969 23:59:59 GMT");
}

BOOST_AUTO_TEST_SUITE_END()
