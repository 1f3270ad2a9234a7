// Fuzz target "money" (domain/money.hpp): the bytes are an amount text for
// parse_money, and also, read as integers, cents for to_string(money),
// checked_add and checked_mul.
// - parse_money agrees with the reference reading of docs/api.md's rule
//   (value and reason), never yields a value for a rejected text, and is
//   deterministic;
// - an accepted amount prints as its shortest exact decimal, which parses
//   back to the same value;
// - every int64 prints as exact decimal text (checked digit by digit), which
//   parse_money takes back when within (0, max] and refuses with the right
//   reason otherwise;
// - checked_add and checked_mul are exact, or refuse exactly when the result
//   leaves [-max, max].

#include <cstdint>
#include <cstring>
#include <string>

#include "domain/money.hpp"
#include "fuzz_support.hpp"

using namespace shop;
using namespace shop::fuzz;

namespace {

money_error to_money_error(amount_verdict v) {
  switch (v) {
    case amount_verdict::empty:
      return money_error::empty;
    case amount_verdict::too_precise:
      return money_error::too_precise;
    case amount_verdict::not_positive:
      return money_error::not_positive;
    case amount_verdict::too_large:
      return money_error::too_large;
    default:
      return money_error::malformed;
  }
}

void check_text(std::string_view text) {
  auto got = parse_money(text);
  auto again = parse_money(text);
  FUZZ_CHECK(got.value == again.value && got.error == again.error,
             "parse_money is deterministic");
  auto ref = read_amount_text(text);
  if (ref.verdict != amount_verdict::ok) {
    FUZZ_CHECK(!got.value, "a text the rule rejects yields no value");
    FUZZ_CHECK(got.error == to_money_error(ref.verdict),
               "a rejected text gets the rule's reason");
    FUZZ_CHECK(std::strlen(to_string(got.error)) > 0,
               "every reason has a message");
    return;
  }
  FUZZ_CHECK(got.value.has_value(), "a text the rule accepts is accepted");
  FUZZ_CHECK(got.value->cents() == ref.cents,
             "an accepted text has the value the rule gives it");
  auto printed = to_string(*got.value);
  auto back = parse_money(printed);
  FUZZ_CHECK(back.value == got.value,
             "an accepted amount prints to text that parses back to it");
  // Shortest: no leading zero before a non-zero whole part, no trailing
  // zero in the fraction, no dot without a fraction.
  FUZZ_CHECK(printed.size() == 1 || printed[0] != '0' || printed[1] == '.',
             "the printed amount has no leading zeros");
  FUZZ_CHECK(printed.back() != '.'
               && (printed.find('.') == std::string::npos
                   || printed.back() != '0'),
             "the printed amount has no trailing zeros");
}

/// The exact value of to_string's output, digit by digit in 128 bits.
__int128 value_of_printed(const std::string& text) {
  bool negative = !text.empty() && text[0] == '-';
  __int128 whole = 0;
  __int128 fraction = 0;
  size_t i = negative ? 1 : 0;
  FUZZ_CHECK(i < text.size() && text[i] >= '0' && text[i] <= '9',
             "a printed amount starts with a digit");
  for (; i < text.size() && text[i] != '.'; ++i) {
    FUZZ_CHECK(text[i] >= '0' && text[i] <= '9',
               "a printed amount has digits only before the dot");
    whole = whole * 10 + (text[i] - '0');
  }
  size_t fraction_digits = 0;
  if (i < text.size()) {
    for (++i; i < text.size(); ++i, ++fraction_digits) {
      FUZZ_CHECK(text[i] >= '0' && text[i] <= '9',
                 "a printed amount has digits only after the dot");
      fraction = fraction * 10 + (text[i] - '0');
    }
    FUZZ_CHECK(fraction_digits == 1 || fraction_digits == 2,
               "a printed amount has one or two fraction digits after a dot");
  }
  if (fraction_digits == 1)
    fraction *= 10;
  auto magnitude = whole * 100 + fraction;
  return negative ? -magnitude : magnitude;
}

void check_cents(int64_t cents) {
  auto x = money::from_cents(cents);
  auto printed = to_string(x);
  FUZZ_CHECK(value_of_printed(printed) == cents,
             "every amount prints as its exact decimal value");
  auto back = parse_money(printed);
  if (cents > 0 && cents <= money::max_cents) {
    FUZZ_CHECK(back.value && *back.value == x,
               "every amount within (0, max] prints to text that parses "
               "back to it");
  } else {
    FUZZ_CHECK(!back.value, "an amount outside (0, max] does not parse back");
    FUZZ_CHECK(back.error
                 == (cents > 0 ? money_error::too_large
                               : money_error::not_positive),
               "an amount outside (0, max] is refused with its reason");
  }
}

void check_arithmetic(int64_t a, int64_t b) {
  constexpr __int128 max = money::max_cents;
  auto within = [&](__int128 x) { return x >= -max && x <= max; };
  auto sum = checked_add(money::from_cents(a), money::from_cents(b));
  __int128 exact_sum = static_cast<__int128>(a) + b;
  FUZZ_CHECK(sum.has_value() == within(exact_sum),
             "checked_add refuses exactly the sums outside [-max, max]");
  if (sum)
    FUZZ_CHECK(sum->cents() == exact_sum, "checked_add is exact");
  auto product = checked_mul(money::from_cents(a), b);
  __int128 exact_product = static_cast<__int128>(a) * b;
  FUZZ_CHECK(product.has_value() == within(exact_product),
             "checked_mul refuses exactly the products outside [-max, max]");
  if (product)
    FUZZ_CHECK(product->cents() == exact_product, "checked_mul is exact");
}

int64_t read_int64(const uint8_t* data) {
  int64_t x = 0;
  std::memcpy(&x, data, sizeof x);
  return x;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_text(as_text(data, size));
  // The same bytes as numbers: the first 8 as cents (small inputs as their
  // byte value and its negation, so that short seeds reach the edges too),
  // the next 8 as a second amount or count.
  if (size >= 8) {
    check_cents(read_int64(data));
    if (size >= 16)
      check_arithmetic(read_int64(data), read_int64(data + 8));
  } else {
    int64_t small = 0;
    for (size_t i = 0; i < size; ++i)
      small = small * 256 + data[i];
    check_cents(small);
    check_cents(-small);
    check_cents(money::max_cents + 1 - small);
  }
  return 0;
}
