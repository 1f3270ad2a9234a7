#pragma once

// Lets Boost.Test print domain values in failure messages.

#include <ostream>

#include "domain/money.hpp"
#include "domain/types.hpp"

namespace shop {

inline std::ostream& operator<<(std::ostream& os, money x) {
  return os << to_string(x);
}

inline std::ostream& operator<<(std::ostream& os, payment_result x) {
  return os << to_string(x);
}

inline std::ostream& operator<<(std::ostream& os, order_status x) {
  return os << to_string(x);
}

inline std::ostream& operator<<(std::ostream& os, ledger_kind x) {
  return os << to_string(x);
}

} // namespace shop
