#include "domain/types.hpp"

#include <chrono>

namespace shop {

std::string email_key(const std::string& email) {
  std::string key = email;
  for (auto& c : key)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return key;
}

unix_ms now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// The strings below are part of the API (JSON) and of the database (stored
// enum columns): never rename one.

const char* to_string(payment_result x) noexcept {
  switch (x) {
    case payment_result::paid:
      return "paid";
    case payment_result::not_enough_money:
      return "not_enough_money";
  }
  return "invalid";
}

const char* to_string(order_status x) noexcept {
  switch (x) {
    case order_status::pending:
      return "pending";
    case order_status::paid:
      return "paid";
    case order_status::rejected:
      return "rejected";
  }
  return "invalid";
}

const char* to_string(ledger_kind x) noexcept {
  switch (x) {
    case ledger_kind::deposit:
      return "deposit";
    case ledger_kind::payment:
      return "payment";
    case ledger_kind::order_charge:
      return "order_charge";
  }
  return "invalid";
}

namespace {

/// Finds `str` among the names of the enumerators 0..count-1.
template <class Enum, int Count>
bool parse_enum(const std::string& str, Enum& x) noexcept {
  for (int i = 0; i < Count; ++i) {
    auto candidate = static_cast<Enum>(i);
    if (str == to_string(candidate)) {
      x = candidate;
      return true;
    }
  }
  return false;
}

} // namespace

bool from_string(const std::string& str, payment_result& x) noexcept {
  return parse_enum<payment_result, 2>(str, x);
}

bool from_string(const std::string& str, order_status& x) noexcept {
  return parse_enum<order_status, 3>(str, x);
}

bool from_string(const std::string& str, ledger_kind& x) noexcept {
  return parse_enum<ledger_kind, 3>(str, x);
}

} // namespace shop
