#pragma once

// One repository interface per service. A service actor is the only user of
// its repository; it reads what it needs at start-up and then writes through
// `commit`, which applies a whole batch of changes in ONE transaction: all or
// nothing. Two implementations pass the same contract tests
// (tests/storage_contract.hpp): PostgreSQL (storage/pg) and in-memory
// (storage/memory), the latter for deterministic actor tests.
//
// Errors: every method throws shop::storage_error (storage/errors.hpp).

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "actors/types.hpp"

namespace shop {

// -- Users --------------------------------------------------------------------

struct users_changes {
  std::vector<user> created;

  bool empty() const noexcept {
    return created.empty();
  }
};

class users_repository {
public:
  virtual ~users_repository();

  /// Every registered user, ordered by id.
  virtual std::vector<user> load_users() = 0;

  /// Inserts the new users atomically.
  virtual void commit(const users_changes& changes) = 0;
};

// -- Billing ------------------------------------------------------------------

struct billing_changes {
  /// Accounts to create, with their initial balance (zero).
  std::vector<account> opened;
  /// New ledger entries, in the order they happened. The balance of each
  /// touched account becomes the balance_after of its last entry here.
  std::vector<ledger_entry> entries;
  /// Decided order charges (one per order id, paid or not).
  std::vector<order_processed> charges;

  bool empty() const noexcept {
    return opened.empty() && entries.empty() && charges.empty();
  }
};

class billing_repository {
public:
  virtual ~billing_repository();

  /// Every account, ordered by user id.
  virtual std::vector<account> load_accounts() = 0;

  /// The largest ledger entry id so far, 0 if none.
  virtual int64_t max_ledger_id() = 0;

  /// The decided charge of an order, if Billing already processed it.
  virtual std::optional<order_processed> find_charge(order_id id) = 0;

  /// The ledger of one account, oldest first.
  virtual std::vector<ledger_entry> ledger(user_id user) = 0;

  /// Applies the changes atomically.
  virtual void commit(const billing_changes& changes) = 0;
};

// -- Orders -------------------------------------------------------------------

/// A status transition of an existing order.
struct order_update {
  order_id id = 0;
  order_status status = order_status::pending;
  unix_ms at = 0;
};

struct orders_changes {
  /// Users learned from USER_CREATED.
  std::vector<user_id> known_users;
  /// New orders (status pending).
  std::vector<order> created;
  /// Transitions pending -> paid | rejected. An update of an order that is no
  /// longer pending changes nothing.
  std::vector<order_update> updated;

  bool empty() const noexcept {
    return known_users.empty() && created.empty() && updated.empty();
  }
};

class orders_repository {
public:
  virtual ~orders_repository();

  /// Every user Orders has learned of, ascending.
  virtual std::vector<user_id> load_known_users() = 0;

  /// Every order still pending, ordered by id.
  virtual std::vector<order> load_pending() = 0;

  /// The largest order id so far, 0 if none.
  virtual order_id max_order_id() = 0;

  /// One order by id.
  virtual std::optional<order> find_order(order_id id) = 0;

  /// Applies the changes atomically. Known users already known are ignored.
  virtual void commit(const orders_changes& changes) = 0;
};

// -- Notifications ------------------------------------------------------------

struct notifications_changes {
  /// Addresses learned from USER_CREATED (id, email, name); upserted.
  std::vector<user> recipients;
  /// Messages to store. A message for an order that already has one is
  /// ignored: there is at most one notification per order.
  std::vector<notification> sent;

  bool empty() const noexcept {
    return recipients.empty() && sent.empty();
  }
};

class notifications_repository {
public:
  virtual ~notifications_repository();

  /// Every known recipient, ordered by user id.
  virtual std::vector<user> load_recipients() = 0;

  /// The largest notification id so far, 0 if none.
  virtual notification_id max_notification_id() = 0;

  /// Messages matching the filter, newest first (by id), at most
  /// filter.limit of them.
  virtual std::vector<notification> list(const notification_filter& filter) = 0;

  /// Applies the changes atomically.
  virtual void commit(const notifications_changes& changes) = 0;
};

// -- factories ----------------------------------------------------------------

/// Opens a repository (a new connection for PostgreSQL). A service calls its
/// factory each time it (re)starts, so a restart also reconnects.
template <class Repository>
using repository_factory = std::function<std::unique_ptr<Repository>()>;

/// The repositories of all four services.
struct repository_factories {
  repository_factory<users_repository> users;
  repository_factory<billing_repository> billing;
  repository_factory<orders_repository> orders;
  repository_factory<notifications_repository> notifications;
};

} // namespace shop
