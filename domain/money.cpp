#include "domain/money.hpp"

namespace shop {

namespace {

bool within_limits(money::rep cents) noexcept {
  return cents >= -money::max_cents && cents <= money::max_cents;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view str) noexcept {
  for (auto c : str)
    if (!is_digit(c))
      return false;
  return true;
}

/// The syntax of an unsigned amount: DIGITS or DIGITS '.' DIGITS, without
/// looking at the number of fraction digits yet.
bool well_formed(std::string_view text) noexcept {
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return !text.empty() && all_digits(text);
  auto whole = text.substr(0, dot);
  auto fraction = text.substr(dot + 1);
  return !whole.empty() && !fraction.empty() && all_digits(whole)
         && all_digits(fraction);
}

money_parse_result fail(money_error e) noexcept {
  return {std::nullopt, e};
}

} // namespace

std::optional<money> checked_add(money a, money b) noexcept {
  money::rep sum = 0;
  if (__builtin_add_overflow(a.cents(), b.cents(), &sum) || !within_limits(sum))
    return std::nullopt;
  return money::from_cents(sum);
}

std::optional<money> checked_mul(money a, int64_t n) noexcept {
  money::rep product = 0;
  if (__builtin_mul_overflow(a.cents(), n, &product) || !within_limits(product))
    return std::nullopt;
  return money::from_cents(product);
}

const char* to_string(money_error e) noexcept {
  // Phrased to follow a field name: "sum must be greater than zero".
  switch (e) {
    case money_error::empty:
      return "must not be empty";
    case money_error::malformed:
      return "must be a plain decimal number such as 500, 12.5 or 0.01";
    case money_error::too_precise:
      return "must have at most two fraction digits";
    case money_error::not_positive:
      return "must be greater than zero";
    case money_error::too_large:
      return "must not exceed 10000000000000";
  }
  return "is invalid";
}

// Leading zeros are accepted ("007" is 7, "00.50" is 0.5): they are
// unambiguous in a decimal amount and clients that zero-pad are harmless.
money_parse_result parse_money(std::string_view text) noexcept {
  if (text.empty())
    return fail(money_error::empty);
  // A minus sign before an otherwise valid amount gets the more useful
  // "not positive" rather than "malformed"; '+' and everything else are
  // simply malformed.
  bool negative = text.front() == '-';
  auto body = negative ? text.substr(1) : text;
  if (!well_formed(body))
    return fail(money_error::malformed);
  auto dot = body.find('.');
  auto whole = body.substr(0, dot);
  auto fraction = dot == std::string_view::npos ? std::string_view{}
                                                : body.substr(dot + 1);
  if (fraction.size() > 2)
    return fail(money_error::too_precise);
  // Accumulate in cents, stopping as soon as the value passes max_cents, so
  // that a 40-digit input never overflows int64.
  money::rep cents = 0;
  bool too_large = false;
  auto push = [&](char c) {
    if (too_large)
      return;
    cents = cents * 10 + (c - '0');
    if (cents > money::max_cents)
      too_large = true;
  };
  for (auto c : whole)
    push(c);
  push(fraction.size() > 0 ? fraction[0] : '0');
  push(fraction.size() > 1 ? fraction[1] : '0');
  if (negative || (!too_large && cents == 0))
    return fail(money_error::not_positive);
  if (too_large)
    return fail(money_error::too_large);
  return {money::from_cents(cents), money_error::malformed};
}

std::string to_string(money x) {
  // Work on the unsigned magnitude: -INT64_MIN does not fit in int64.
  auto cents = x.cents();
  auto magnitude = cents < 0 ? uint64_t{0} - static_cast<uint64_t>(cents)
                             : static_cast<uint64_t>(cents);
  std::string result;
  if (cents < 0)
    result += '-';
  result += std::to_string(magnitude / 100);
  auto fraction = magnitude % 100;
  if (fraction != 0) {
    result += '.';
    result += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0)
      result += static_cast<char>('0' + fraction % 10);
  }
  return result;
}

} // namespace shop
