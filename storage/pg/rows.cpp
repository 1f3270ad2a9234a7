#include "storage/pg/rows.hpp"

namespace shop::pg {

user to_user(const result& res, int row) {
  return user{res.int64(row, 0), res.text(row, 1), res.text(row, 2)};
}

ledger_entry to_ledger_entry(const result& res, int row) {
  ledger_entry x;
  x.id = res.int64(row, 0);
  x.user = res.int64(row, 1);
  x.amount = res.cents(row, 2);
  x.kind = parse_enum<ledger_kind>(res.text(row, 3));
  x.order = res.int64(row, 4);
  x.balance_after = res.cents(row, 5);
  x.at = res.int64(row, 6);
  return x;
}

order to_order(const result& res, int row) {
  order x;
  x.id = res.int64(row, 0);
  x.user = res.int64(row, 1);
  x.item = res.int64(row, 2);
  x.quantity = res.int32(row, 3);
  x.sum = res.cents(row, 4);
  x.status = parse_enum<order_status>(res.text(row, 5));
  x.created_at = res.int64(row, 6);
  x.updated_at = res.int64(row, 7);
  return x;
}

} // namespace shop::pg
