#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop {

/// An amount of money in integer minor units (cents). The only money type of
/// the project: balances, prices, sums and ledger amounts all use it, so no
/// float ever touches money.
class money {
public:
  using rep = int64_t;

  /// The largest amount the system accepts for a single sum or balance:
  /// 10,000,000,000,000.00. Staying far below 2^53 keeps every amount exactly
  /// representable by JSON clients that parse numbers as doubles.
  static constexpr rep max_cents = 1'000'000'000'000'000;

  constexpr money() noexcept = default;

  static constexpr money from_cents(rep cents) noexcept {
    return money{cents};
  }

  constexpr rep cents() const noexcept {
    return cents_;
  }

  constexpr bool is_positive() const noexcept {
    return cents_ > 0;
  }

  friend constexpr bool operator==(money a, money b) noexcept {
    return a.cents_ == b.cents_;
  }
  friend constexpr bool operator!=(money a, money b) noexcept {
    return a.cents_ != b.cents_;
  }
  friend constexpr bool operator<(money a, money b) noexcept {
    return a.cents_ < b.cents_;
  }
  friend constexpr bool operator<=(money a, money b) noexcept {
    return a.cents_ <= b.cents_;
  }
  friend constexpr bool operator>(money a, money b) noexcept {
    return a.cents_ > b.cents_;
  }
  friend constexpr bool operator>=(money a, money b) noexcept {
    return a.cents_ >= b.cents_;
  }
  friend constexpr money operator-(money a) noexcept {
    return money{-a.cents_};
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, money& x) {
    return f(x.cents_);
  }

private:
  constexpr explicit money(rep cents) noexcept : cents_(cents) {
  }

  rep cents_ = 0;
};

/// Adds two amounts; nullopt when the result would leave
/// [-max_cents, max_cents].
std::optional<money> checked_add(money a, money b) noexcept;

/// Multiplies an amount by a count; nullopt when the result would exceed
/// max_cents in magnitude.
std::optional<money> checked_mul(money a, int64_t n) noexcept;

/// Why an amount was rejected by `parse_money`.
enum class money_error : uint8_t {
  empty,        ///< No text at all.
  malformed,    ///< Not a plain decimal number ("1e3", "12,5", "abc", "+1").
  too_precise,  ///< More than two fraction digits ("0.001").
  not_positive, ///< Zero or negative.
  too_large,    ///< Above money::max_cents.
};

/// A human-readable reason for a money_error, for error messages.
const char* to_string(money_error e) noexcept;

/// Result of parsing an amount: a value or the reason it was rejected.
struct money_parse_result {
  std::optional<money> value;
  money_error error = money_error::malformed;
};

/// Parses a strictly positive decimal amount with at most two fraction digits:
/// "500", "12.5", "0.01", "12.50". Rejects signs, exponents, spaces, leading
/// dots ("." and ".5") and trailing dots ("5.").
money_parse_result parse_money(std::string_view text) noexcept;

/// Formats an amount as the shortest exact decimal: 20000 -> "200",
/// 1250 -> "12.5", 1205 -> "12.05", -5 -> "-0.05". Valid as a JSON number.
std::string to_string(money x);

} // namespace shop
