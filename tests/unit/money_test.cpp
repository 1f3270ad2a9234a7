#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include "domain/money.hpp"

using shop::money;
using shop::money_error;

namespace {

money cents(money::rep x) {
  return money::from_cents(x);
}

/// The cents of an accepted amount; fails the test when rejected.
money::rep accepted(const std::string& text) {
  auto r = shop::parse_money(text);
  BOOST_TEST_REQUIRE(r.value.has_value(),
                     "'" << text << "' rejected: " << shop::to_string(r.error));
  return r.value->cents();
}

/// The reason an amount was rejected; fails the test when accepted.
money_error rejected(const std::string& text) {
  auto r = shop::parse_money(text);
  BOOST_TEST_REQUIRE(!r.value.has_value(),
                     "'" << text << "' accepted as " << r.value->cents());
  return r.error;
}

} // namespace

namespace boost::test_tools::tt_detail {

template <>
struct print_log_value<money_error> {
  void operator()(std::ostream& os, money_error e) {
    os << shop::to_string(e);
  }
};

} // namespace boost::test_tools::tt_detail

BOOST_AUTO_TEST_SUITE(money_parsing)

BOOST_AUTO_TEST_CASE(accepts_plain_decimals) {
  BOOST_TEST(accepted("500") == 50000);
  BOOST_TEST(accepted("12.5") == 1250);
  BOOST_TEST(accepted("12.50") == 1250);
  BOOST_TEST(accepted("12.05") == 1205);
  BOOST_TEST(accepted("0.01") == 1);
  BOOST_TEST(accepted("0.1") == 10);
  BOOST_TEST(accepted("1") == 100);
  BOOST_TEST(accepted("1500.00") == 150000);
}

BOOST_AUTO_TEST_CASE(accepts_leading_zeros) {
  BOOST_TEST(accepted("007") == 700);
  BOOST_TEST(accepted("00.50") == 50);
  BOOST_TEST(accepted("0000000000000000000000000000000000001") == 100);
}

BOOST_AUTO_TEST_CASE(accepts_the_maximum) {
  BOOST_TEST(accepted("10000000000000") == money::max_cents);
  BOOST_TEST(accepted("10000000000000.00") == money::max_cents);
  BOOST_TEST(accepted("9999999999999.99") == money::max_cents - 1);
}

BOOST_AUTO_TEST_CASE(rejects_empty) {
  BOOST_TEST(rejected("") == money_error::empty);
}

BOOST_AUTO_TEST_CASE(rejects_malformed) {
  for (auto text :
       {"abc",   "1e3", "1E3",    "12,5", "+1",  "+0.5",  " 5",   "5 ",  "5 0",
        "5.",    ".5",  ".",      "-",    "--5", "1.2.3", "0x10", "5$",  "\t5",
        "1_000", "١",   "12.5e0", "inf",  "nan", "-abc",  "5..0", "5.-1"})
    BOOST_TEST((rejected(text) == money_error::malformed), "'" << text << "'");
}

BOOST_AUTO_TEST_CASE(rejects_embedded_nul) {
  using namespace std::string_literals;
  BOOST_TEST(rejected("5\0"s) == money_error::malformed);
}

BOOST_AUTO_TEST_CASE(rejects_too_precise) {
  BOOST_TEST(rejected("0.001") == money_error::too_precise);
  BOOST_TEST(rejected("1.000") == money_error::too_precise);
  BOOST_TEST(rejected("12.345") == money_error::too_precise);
  BOOST_TEST(rejected("99999999999999999999.001") == money_error::too_precise);
}

BOOST_AUTO_TEST_CASE(rejects_zero_and_negative) {
  BOOST_TEST(rejected("0") == money_error::not_positive);
  BOOST_TEST(rejected("0.00") == money_error::not_positive);
  BOOST_TEST(rejected("000.0") == money_error::not_positive);
  BOOST_TEST(rejected("-5") == money_error::not_positive);
  BOOST_TEST(rejected("-0") == money_error::not_positive);
  BOOST_TEST(rejected("-0.01") == money_error::not_positive);
  BOOST_TEST(rejected("-99999999999999999999999999999999999999")
             == money_error::not_positive);
}

BOOST_AUTO_TEST_CASE(rejects_too_large_without_overflow) {
  BOOST_TEST(rejected("10000000000000.01") == money_error::too_large);
  BOOST_TEST(rejected("10000000000001") == money_error::too_large);
  // int64 overflow territory: 2^63 cents and far beyond.
  BOOST_TEST(rejected("92233720368547758.08") == money_error::too_large);
  BOOST_TEST(rejected("1000000000000000000000000000000000000000")
             == money_error::too_large);
  BOOST_TEST(rejected("9999999999999999999999999999999999999999.99")
             == money_error::too_large);
}

BOOST_AUTO_TEST_CASE(every_error_has_a_message) {
  for (auto e :
       {money_error::empty, money_error::malformed, money_error::too_precise,
        money_error::not_positive, money_error::too_large})
    BOOST_TEST(std::string{shop::to_string(e)}.size() > 5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(money_printing)

BOOST_AUTO_TEST_CASE(prints_the_shortest_exact_decimal) {
  BOOST_TEST(to_string(cents(20000)) == "200");
  BOOST_TEST(to_string(cents(1250)) == "12.5");
  BOOST_TEST(to_string(cents(1205)) == "12.05");
  BOOST_TEST(to_string(cents(1)) == "0.01");
  BOOST_TEST(to_string(cents(10)) == "0.1");
  BOOST_TEST(to_string(cents(0)) == "0");
  BOOST_TEST(to_string(cents(-5)) == "-0.05");
  BOOST_TEST(to_string(cents(-150000)) == "-1500");
  BOOST_TEST(to_string(cents(money::max_cents)) == "10000000000000");
}

BOOST_AUTO_TEST_CASE(prints_the_int64_extremes) {
  auto max = std::numeric_limits<money::rep>::max();
  auto min = std::numeric_limits<money::rep>::min();
  BOOST_TEST(to_string(cents(max)) == "92233720368547758.07");
  BOOST_TEST(to_string(cents(min)) == "-92233720368547758.08");
}

BOOST_AUTO_TEST_CASE(round_trips) {
  for (money::rep x :
       {money::rep{1}, money::rep{9}, money::rep{10}, money::rep{99},
        money::rep{100}, money::rep{101}, money::rep{1205}, money::rep{1250},
        money::rep{150000}, money::rep{123456789}, money::max_cents - 1,
        money::max_cents}) {
    auto text = to_string(cents(x));
    BOOST_TEST(accepted(text) == x, "via '" << text << "'");
  }
  for (auto text : {"500", "12.5", "12.05", "0.01", "0.1", "1500"})
    BOOST_TEST(to_string(cents(accepted(text))) == text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(money_arithmetic)

BOOST_AUTO_TEST_CASE(adds_within_limits) {
  BOOST_TEST(shop::checked_add(cents(100), cents(250))->cents() == 350);
  BOOST_TEST(shop::checked_add(cents(100), cents(-250))->cents() == -150);
  BOOST_TEST(shop::checked_add(cents(money::max_cents - 1), cents(1))->cents()
             == money::max_cents);
  BOOST_TEST(shop::checked_add(cents(-money::max_cents), cents(0))->cents()
             == -money::max_cents);
}

BOOST_AUTO_TEST_CASE(add_rejects_leaving_the_limits) {
  BOOST_TEST(!shop::checked_add(cents(money::max_cents), cents(1)));
  BOOST_TEST(!shop::checked_add(cents(-money::max_cents), cents(-1)));
  auto max = std::numeric_limits<money::rep>::max();
  auto min = std::numeric_limits<money::rep>::min();
  BOOST_TEST(!shop::checked_add(cents(max), cents(max)));
  BOOST_TEST(!shop::checked_add(cents(min), cents(min)));
  BOOST_TEST(!shop::checked_add(cents(max), cents(0)));
}

BOOST_AUTO_TEST_CASE(multiplies_within_limits) {
  BOOST_TEST(shop::checked_mul(cents(30000), 3)->cents() == 90000);
  BOOST_TEST(shop::checked_mul(cents(30000), 0)->cents() == 0);
  BOOST_TEST(shop::checked_mul(cents(money::max_cents), 1)->cents()
             == money::max_cents);
  BOOST_TEST(shop::checked_mul(cents(2), -3)->cents() == -6);
}

BOOST_AUTO_TEST_CASE(mul_rejects_leaving_the_limits) {
  BOOST_TEST(!shop::checked_mul(cents(money::max_cents), 2));
  BOOST_TEST(!shop::checked_mul(cents(money::max_cents / 2 + 1), 2));
  BOOST_TEST(!shop::checked_mul(cents(money::max_cents), -2));
  auto max = std::numeric_limits<money::rep>::max();
  BOOST_TEST(!shop::checked_mul(cents(max), 2));
  BOOST_TEST(!shop::checked_mul(cents(2), max));
  BOOST_TEST(
    !shop::checked_mul(cents(-1), std::numeric_limits<int64_t>::min()));
}

BOOST_AUTO_TEST_SUITE_END()
