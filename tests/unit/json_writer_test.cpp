#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "http/json_writer.hpp"
#include "http/responses.hpp"

using shop::money;
using shop::http::append_json_string;
using shop::http::json_writer;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_writer_tests)

BOOST_AUTO_TEST_CASE(empty_containers) {
  json_writer w;
  w.begin_object().end_object();
  BOOST_TEST(w.take() == "{}");
  w.begin_array().end_array();
  BOOST_TEST(w.take() == "[]");
}

BOOST_AUTO_TEST_CASE(objects_and_arrays_get_commas_between_elements) {
  json_writer w;
  w.begin_object()
    .field("a", int64_t{1})
    .field("b", "x")
    .key("c")
    .begin_array()
    .value(int64_t{1})
    .value(true)
    .null()
    .begin_object()
    .end_object()
    .begin_array()
    .end_array()
    .end_array()
    .field("d", false)
    .end_object();
  BOOST_TEST(w.str() == R"({"a":1,"b":"x","c":[1,true,null,{},[]],"d":false})");
}

BOOST_AUTO_TEST_CASE(integers_cover_the_int64_range) {
  json_writer w;
  w.begin_array()
    .value(std::numeric_limits<int64_t>::max())
    .value(std::numeric_limits<int64_t>::min())
    .value(int32_t{-7})
    .value(int64_t{0})
    .end_array();
  BOOST_TEST(w.str() == "[9223372036854775807,-9223372036854775808,-7,0]");
}

BOOST_AUTO_TEST_CASE(money_is_a_raw_exact_number) {
  json_writer w;
  w.begin_array()
    .value(money::from_cents(20000))
    .value(money::from_cents(1250))
    .value(money::from_cents(1))
    .value(money::from_cents(1205))
    .value(money::from_cents(0))
    .value(money::from_cents(money::max_cents))
    .end_array();
  BOOST_TEST(w.str() == "[200,12.5,0.01,12.05,0,10000000000000]");
}

BOOST_AUTO_TEST_CASE(quotes_and_backslashes_are_escaped) {
  BOOST_TEST(quoted(R"(a"b\c/d)") == R"("a\"b\\c/d")");
  BOOST_TEST(quoted("") == R"("")");
}

BOOST_AUTO_TEST_CASE(every_byte_is_written_as_a_json_parser_reads_it_back) {
  // Plain ASCII takes a shortcut, the rest the escaping path: both must
  // give what a parser turns back into the byte (DEL escaped, the others
  // as they are or escaped; 0x80 and up alone are not UTF-8: U+FFFD).
  for (int b = 0; b < 256; ++b) {
    std::string text{'a', static_cast<char>(b), 'z'};
    // (quoted): not std::quoted, which ADL finds for a std::string.
    auto back = nlohmann::json::parse((quoted)(text)).get<std::string>();
    if (b < 0x80)
      BOOST_TEST(back == text, "byte " << b);
    else
      BOOST_TEST(back == "a\xEF\xBF\xBDz", "byte " << b);
  }
  BOOST_TEST(quoted("orderId") == R"("orderId")");
  BOOST_TEST(quoted("a b~!") == R"("a b~!")");
}

BOOST_AUTO_TEST_CASE(control_characters_are_escaped) {
  BOOST_TEST(quoted("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  BOOST_TEST(quoted(std::string_view{"a\0b", 3}) == R"("a\u0000b")");
  BOOST_TEST(quoted("\x01\x1f\x7f") == R"("\u0001\u001f\u007f")");
}

BOOST_AUTO_TEST_CASE(valid_utf8_passes_through) {
  // 2-, 3- and 4-byte sequences: "é", "€", "😀".
  BOOST_TEST(quoted("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80")
             == "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
  const std::string fffd = "\xEF\xBF\xBD";
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // UTF-16 surrogate, a code point above U+10FFFF, bytes that never occur.
  BOOST_TEST(quoted("a\x80z") == "\"a" + fffd + "z\"");
  BOOST_TEST(quoted("\xE2\x82") == "\"" + fffd + fffd + "\"");
  BOOST_TEST(quoted("\xC0\xAF") == "\"" + fffd + fffd + "\"");
  BOOST_TEST(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");
  BOOST_TEST(quoted("\xF4\x90\x80\x80")
             == "\"" + fffd + fffd + fffd + fffd + "\"");
  BOOST_TEST(quoted("\xFF\xFE") == "\"" + fffd + fffd + "\"");
}

BOOST_AUTO_TEST_CASE(keys_are_escaped_too) {
  json_writer w;
  w.begin_object().field("a\"b", int64_t{1}).end_object();
  BOOST_TEST(w.str() == R"({"a\"b":1})");
}

BOOST_AUTO_TEST_CASE(take_resets_the_writer) {
  json_writer w;
  w.begin_array().value(int64_t{1}).end_array();
  BOOST_TEST(w.take() == "[1]");
  BOOST_TEST(w.str().empty());
  w.begin_array().value(int64_t{2}).end_array();
  BOOST_TEST(w.take() == "[2]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_timestamps)

BOOST_AUTO_TEST_CASE(iso8601_utc_with_milliseconds) {
  using shop::http::format_timestamp;
  BOOST_TEST(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_timestamp(1) == "1970-01-01T00:00:00.001Z");
  BOOST_TEST(format_timestamp(-1) == "1969-12-31T23:59:59.999Z");
  // 2000-02-29 (a leap day) 12:34:56.789.
  BOOST_TEST(format_timestamp(951'827'696'789) == "2000-02-29T12:34:56.789Z");
  // 2024-12-31 23:59:59.999, the last millisecond of a leap year.
  BOOST_TEST(format_timestamp(1'735'689'599'999) == "2024-12-31T23:59:59.999Z");
  BOOST_TEST(format_timestamp(1'735'689'600'000) == "2025-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_SUITE_END()
