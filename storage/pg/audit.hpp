#pragma once

// Checks the promises of docs/reliability.md directly in a database: money
// is neither created nor destroyed, every order has exactly one outcome, at
// most one charge and exactly one notification, every event was delivered.
// Used by the fault tests after crashes and outages, and usable by operators
// on a live system (with `quiescent = false`, which skips the checks that
// only hold once no work is in flight). Reads everything in one REPEATABLE
// READ, READ ONLY transaction, so the figures agree with each other. Never
// writes. libpq stays out of this header.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/money.hpp"
#include "domain/types.hpp"

namespace shop::pg {

/// What the database holds, for reports and for before/after comparisons.
struct audit_counts {
  int64_t users = 0;
  int64_t accounts = 0;
  /// Ledger entries by kind and their summed amounts (charges negative).
  int64_t deposits = 0;
  money deposited;
  int64_t payments = 0;
  money paid;
  int64_t order_charges = 0;
  money charged;
  /// The sum of every account's balance.
  money total_balance;
  int64_t orders = 0;
  int64_t orders_pending = 0;
  int64_t orders_paid = 0;
  int64_t orders_rejected = 0;
  /// Billing's decisions (billing.order_charges), paid or not.
  int64_t decisions = 0;
  int64_t notifications = 0;
  /// Outbox events not yet pruned, all services together.
  int64_t outbox_backlog = 0;
  /// Stored Idempotency-Keys, all services together.
  int64_t idempotency_keys = 0;

  friend bool operator==(const audit_counts& x, const audit_counts& y);
  friend bool operator!=(const audit_counts& x, const audit_counts& y) {
    return !(x == y);
  }
};

/// One broken invariant.
struct audit_violation {
  /// The check's name, e.g. "balance_equals_ledger".
  std::string check;
  /// How many rows break it.
  int64_t rows = 0;
  /// The first few of them, one per line, for humans.
  std::string examples;
};

struct audit_options {
  /// Also run the checks that hold only once the system is idle: no pending
  /// order, every order decided and notified, every event acknowledged.
  bool quiescent = true;
};

struct audit_report {
  audit_counts counts;
  /// Names of the checks that ran, in order.
  std::vector<std::string> checks;
  std::vector<audit_violation> violations;

  bool ok() const noexcept {
    return violations.empty();
  }

  /// Checks that ran and found nothing wrong.
  size_t passed() const noexcept {
    return checks.size() - violations.size();
  }
};

/// Audits the database `conninfo` points to (the actorshop schemas must
/// exist). Throws storage_error when it cannot read them.
audit_report audit_database(const std::string& conninfo,
                            audit_options opts = {});

/// A multi-line summary: the counts, then each violation with examples.
std::string to_string(const audit_report& report);

/// The counts in one line.
std::string to_string(const audit_counts& counts);

/// Every ledger entry, ordered by id: lets a test compare the deposits and
/// payments stored with the ones its clients saw succeed.
std::vector<ledger_entry> audit_ledger(const std::string& conninfo);

/// Every order, ordered by id.
std::vector<order> audit_orders(const std::string& conninfo);

/// Every user, ordered by id.
std::vector<user> audit_users(const std::string& conninfo);

/// When an order was accepted, decided and notified (Unix ms; 0 while it
/// has not been), for the benchmark's end-to-end figures.
struct order_timing {
  int64_t order = 0;
  unix_ms created = 0;
  unix_ms decided = 0;
  unix_ms notified = 0;
};

/// How many orders with an id >= `first_order` have their notification
/// (cheap enough to poll while a benchmark runs).
int64_t audit_notified_orders(const std::string& conninfo, int64_t first_order);

/// The timings of every order with an id >= `first_order`, ordered by id.
std::vector<order_timing> audit_order_timings(const std::string& conninfo,
                                              int64_t first_order = 0);

} // namespace shop::pg
