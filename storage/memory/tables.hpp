#pragma once

// The tables of memory_store, internal to storage/memory. Each mirrors the
// PostgreSQL table of the same name (storage/sql/*.sql) and its constraints.

#include <map>
#include <set>
#include <string>
#include <utility>

#include "domain/types.hpp"
#include "storage/memory/memory_repositories.hpp"
#include "storage/memory/reliability_tables.hpp"

namespace shop {

struct memory_store::tables {
  // -- users (users.sql) ------------------------------------------------------

  /// users.users by id.
  std::map<user_id, user> users;
  /// The unique email_key column.
  std::set<std::string> email_keys;
  /// The password_hash column of the users that have one (NULL: absent).
  std::map<user_id, std::string> password_hashes;
  /// users.outbox, users.inbox, ... (reliability.sql).
  memory::reliability_tables users_reliability;

  // -- billing (billing.sql) --------------------------------------------------

  /// billing.accounts: balance by user.
  std::map<user_id, money> balances;
  /// billing.ledger keyed by (user, id): one account's ledger is a range.
  std::map<std::pair<user_id, int64_t>, ledger_entry> ledger;
  /// The primary key of billing.ledger.
  std::set<int64_t> ledger_ids;
  /// billing.order_charges by order (seq always 0: not stored).
  std::map<order_id, order_processed> charges;
  memory::reliability_tables billing_reliability;

  // -- orders (orders.sql) ----------------------------------------------------

  /// orders.known_users.
  std::set<user_id> known_users;
  /// orders.orders by id.
  std::map<order_id, order> orders;
  memory::reliability_tables orders_reliability;

  // -- notifications (notifications.sql) --------------------------------------

  /// notifications.recipients by user.
  std::map<user_id, user> recipients;
  /// notifications.messages by id.
  std::map<notification_id, notification> messages;
  /// The unique order_id column of notifications.messages.
  std::set<order_id> notified_orders;
  memory::reliability_tables notifications_reliability;
};

} // namespace shop
