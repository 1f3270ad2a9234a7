#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "actors/catalog.hpp"

namespace {

std::vector<shop::item> parse(const std::string& text) {
  std::istringstream in{text};
  return shop::parse_catalog(in, "test.csv");
}

/// The message of the error parse_catalog throws; fails when it throws none.
std::string error_of(const std::string& text) {
  try {
    auto items = parse(text);
    BOOST_FAIL("accepted a bad catalog with " << items.size() << " items:\n"
                                              << text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string header = "item_id,name,price\n";

} // namespace

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(parses_items) {
  auto items = parse(header + "1,Laptop,1500.00\n2,Headphones,300\n");
  BOOST_TEST_REQUIRE(items.size() == 2u);
  BOOST_TEST(items[0].id == 1);
  BOOST_TEST(items[0].name == "Laptop");
  BOOST_TEST(items[0].price.cents() == 150000);
  BOOST_TEST(items[1].id == 2);
  BOOST_TEST(items[1].name == "Headphones");
  BOOST_TEST(items[1].price.cents() == 30000);
}

BOOST_AUTO_TEST_CASE(sorts_by_id) {
  auto items = parse(header + "9,C,1\n2,A,1\n5,B,1\n");
  BOOST_TEST_REQUIRE(items.size() == 3u);
  BOOST_TEST(items[0].id == 2);
  BOOST_TEST(items[1].id == 5);
  BOOST_TEST(items[2].id == 9);
}

BOOST_AUTO_TEST_CASE(ignores_comments_blank_lines_and_spaces) {
  auto items = parse("# a comment\n\n  \n" + header
                     + "  # indented comment\n 3 , Book , 25.00 \n\n");
  BOOST_TEST_REQUIRE(items.size() == 1u);
  BOOST_TEST(items[0].id == 3);
  BOOST_TEST(items[0].name == "Book");
  BOOST_TEST(items[0].price.cents() == 2500);
}

BOOST_AUTO_TEST_CASE(accepts_crlf) {
  auto items = parse("item_id,name,price\r\n1,Laptop,1500.00\r\n");
  BOOST_TEST_REQUIRE(items.size() == 1u);
  BOOST_TEST(items[0].name == "Laptop");
  BOOST_TEST(items[0].price.cents() == 150000);
}

BOOST_AUTO_TEST_CASE(quoted_names) {
  auto items
    = parse(header + "4,\"Cable, USB-C\",9.99\n"
            + "5,\"The \"\"Best\"\" Mug\",12.5\n" + "6, \" padded \" ,1\n");
  BOOST_TEST_REQUIRE(items.size() == 3u);
  BOOST_TEST(items[0].name == "Cable, USB-C");
  BOOST_TEST(items[1].name == "The \"Best\" Mug");
  BOOST_TEST(items[2].name == " padded ");
}

BOOST_AUTO_TEST_CASE(rejects_a_missing_or_wrong_header) {
  BOOST_TEST(contains(error_of(""), "missing the header"));
  BOOST_TEST(contains(error_of("# only a comment\n\n"), "missing the header"));
  BOOST_TEST(
    contains(error_of("1,Laptop,1500\n"), "test.csv:1: expected the header"));
  BOOST_TEST(
    contains(error_of("id,name,price\n1,A,1\n"), "expected the header"));
  BOOST_TEST(contains(error_of("item_id,name\n"), "expected the header"));
}

BOOST_AUTO_TEST_CASE(rejects_an_empty_catalog) {
  BOOST_TEST(contains(error_of(header), "no items"));
  BOOST_TEST(contains(error_of(header + "# nothing\n"), "no items"));
}

BOOST_AUTO_TEST_CASE(rejects_a_wrong_field_count) {
  BOOST_TEST(
    contains(error_of(header + "1,Laptop\n"), "test.csv:2: expected 3 fields"));
  BOOST_TEST(
    contains(error_of(header + "1,Laptop,1500,extra\n"), "expected 3 fields"));
  BOOST_TEST(
    contains(error_of(header + "1,Cable, USB-C,9.99\n"), "expected 3 fields"));
  BOOST_TEST(contains(error_of(header + "1\n"), "expected 3 fields"));
}

BOOST_AUTO_TEST_CASE(rejects_bad_ids) {
  for (auto id : {"0", "-1", "+1", "abc", "1.5", "", "1e3",
                  "99999999999999999999", "\"1\""})
    BOOST_TEST(contains(error_of(header + id + ",A,1\n"),
                        "is not a positive integer"),
               "id " << id);
}

BOOST_AUTO_TEST_CASE(rejects_duplicate_ids) {
  auto err = error_of(header + "1,A,1\n2,B,1\n1,C,1\n");
  BOOST_TEST(contains(err, "test.csv:4: duplicate item_id 1"), err);
}

BOOST_AUTO_TEST_CASE(rejects_empty_names) {
  BOOST_TEST(contains(error_of(header + "1,,1\n"), "name must not be empty"));
  BOOST_TEST(
    contains(error_of(header + "1,   ,1\n"), "name must not be empty"));
  BOOST_TEST(
    contains(error_of(header + "1,\"\",1\n"), "name must not be empty"));
  BOOST_TEST(
    contains(error_of(header + "1,\" \",1\n"), "name must not be empty"));
}

BOOST_AUTO_TEST_CASE(rejects_control_characters_in_names) {
  BOOST_TEST(
    contains(error_of(header + "1,\"a\tb\",1\n"), "control character"));
}

BOOST_AUTO_TEST_CASE(rejects_bad_quoting) {
  BOOST_TEST(contains(error_of(header + "1,\"Laptop,1500\n"),
                      "unterminated quoted field"));
  BOOST_TEST(contains(error_of(header + "1,\"Lap\"top,1500\n"),
                      "after a closing quote"));
  BOOST_TEST(contains(error_of(header + "1,Lap\"top,1500\n"),
                      "quote inside an unquoted field"));
}

BOOST_AUTO_TEST_CASE(rejects_bad_prices) {
  auto price_error = [](const std::string& price) {
    return error_of(header + "1,A," + price + "\n");
  };
  BOOST_TEST(contains(price_error(""), "price '' must not be empty"));
  BOOST_TEST(contains(price_error("0"), "must be greater than zero"));
  BOOST_TEST(contains(price_error("-5"), "must be greater than zero"));
  BOOST_TEST(contains(price_error("1.001"), "at most two fraction digits"));
  BOOST_TEST(contains(price_error("1e3"), "plain decimal number"));
  BOOST_TEST(contains(price_error("12,5"), "expected 3 fields"));
  BOOST_TEST(contains(price_error("99999999999999999999"), "must not exceed"));
  BOOST_TEST(contains(price_error("1.5.0"), "test.csv:2: price '1.5.0'"));
}

BOOST_AUTO_TEST_CASE(reports_the_line_of_the_first_mistake) {
  auto err = error_of("# header next\n" + header + "1,A,1\n\n# c\n2,B,0.001\n");
  BOOST_TEST(contains(err, "test.csv:6: "), err);
}

BOOST_AUTO_TEST_CASE(loads_the_shipped_catalog) {
  // ctest runs the suite with the build directory as working directory; the
  // source tree is found relative to this file.
  std::string path = __FILE__;
  path = path.substr(0, path.rfind("/tests/")) + "/config/catalog.csv";
  auto items = shop::load_catalog(path);
  BOOST_TEST_REQUIRE(items.size() >= 3u);
  BOOST_TEST(items[0].id == 1);
  BOOST_TEST(items[0].name == "Laptop");
  BOOST_TEST(items[0].price.cents() == 150000);
  BOOST_TEST(items[1].id == 2);
  BOOST_TEST(items[1].name == "Headphones");
  BOOST_TEST(items[1].price.cents() == 30000);
  BOOST_TEST(items[2].id == 3);
  BOOST_TEST(items[2].name == "Book");
  BOOST_TEST(items[2].price.cents() == 2500);
}

BOOST_AUTO_TEST_CASE(load_names_a_missing_file) {
  try {
    shop::load_catalog("/nonexistent/catalog.csv");
    BOOST_FAIL("loaded a missing file");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), "/nonexistent/catalog.csv: cannot open"),
               e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
