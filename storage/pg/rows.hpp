#pragma once

// How the records of domain/types.hpp are read back from a result row: one
// reader per record, shared by the repositories and the audit, so that a
// column is parsed the same way wherever it is selected. Each reader states
// the columns it expects, in order; the SQL that feeds it selects exactly
// those.

#include <string>

#include "domain/types.hpp"
#include "storage/errors.hpp"
#include "storage/pg/connection.hpp"

namespace shop::pg {

/// The enum value that `str` (a text column written with to_string) names;
/// throws storage_error(other) on anything else, since that means the
/// database and the code disagree.
template <class Enum>
Enum parse_enum(const std::string& str) {
  Enum x{};
  if (!from_string(str, x))
    throw storage_error(storage_error::kind::other, "",
                        "storage: unexpected enum value '" + str + "'");
  return x;
}

/// Columns: id, email, name.
user to_user(const result& res, int row);

/// Columns: id, user_id, amount, kind, order_id (0 for none), balance_after,
/// at (ms since the epoch).
ledger_entry to_ledger_entry(const result& res, int row);

/// Columns: id, user_id, item_id, quantity, sum, status, created_at and
/// updated_at (ms since the epoch).
order to_order(const result& res, int row);

} // namespace shop::pg
