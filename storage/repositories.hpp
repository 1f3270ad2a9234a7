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
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/types.hpp"

namespace shop {

// -- reliability: outbox, inbox, idempotency keys (every service) ------------
//
// Each service's schema has the same four tables for exactly-once delivery;
// the service-specific changes below embed `reliability_changes`, committed in
// the same transaction as the effect they belong to.

/// An event in a publisher's outbox. `payload` is the serialized event
/// (opaque to storage); `seq` numbers the publisher's events 1, 2, 3, ...
struct outbox_record {
  int64_t seq = 0;
  std::string topic;
  std::string payload;
  unix_ms at = 0;
  /// The id of the service's own record, committed in the same batch, whose
  /// creation this event announces (the order of an ORDER_CREATED, the
  /// decided order of an ORDER_PROCESSED); 0: none. Storage may keep the
  /// event in that record's row instead of an outbox row of its own
  /// (storage/pg: orders.events, billing.events); loading and pruning behave
  /// the same either way, except that a kept event may come back with its
  /// record's time as `at`.
  int64_t row = 0;
};

/// The stored outcome of a command sent with an Idempotency-Key. `scope` is
/// the endpoint ("register", "deposit", ...): keys are unique per scope.
/// `request` and `reply` are serialized (opaque to storage).
struct idempotency_record {
  std::string scope;
  std::string key;
  std::string request;
  std::string reply;
  unix_ms at = 0;
};

struct reliability_changes {
  /// New outbox events, ascending seq.
  std::vector<outbox_record> outbox;
  /// Subscriber name -> last seq it acknowledged (upserted; never lowered).
  std::map<std::string, int64_t> cursors;
  /// Deletes outbox events with prune_outbox_after < seq <=
  /// prune_outbox_through (through 0: none); every subscriber has
  /// acknowledged them. `after` is the previous prune point: nothing older
  /// is stored, and the bound keeps PostgreSQL's index scan from walking
  /// every deleted entry autovacuum has not removed yet.
  int64_t prune_outbox_after = 0;
  int64_t prune_outbox_through = 0;
  /// Topic -> last seq applied by this consumer (upserted).
  std::map<std::string, int64_t> inbox;
  /// New idempotency records; a (scope, key) that exists is a
  /// unique_violation.
  std::vector<idempotency_record> idempotency;
  /// Deletes idempotency records older than this (0: none).
  unix_ms purge_idempotency_before = 0;

  bool empty() const noexcept {
    return outbox.empty() && cursors.empty() && prune_outbox_through == 0
           && inbox.empty() && idempotency.empty()
           && purge_idempotency_before == 0;
  }
};

/// What a service reloads at start for exactly-once delivery.
struct reliability_snapshot {
  /// Outbox events not yet acknowledged by every subscriber, ascending seq:
  /// all events with seq > the smallest cursor (or all, without cursors).
  std::vector<outbox_record> outbox;
  /// The largest seq ever written to the outbox (0 if none), pruned or not.
  int64_t max_outbox_seq = 0;
  /// Subscriber name -> last acknowledged seq.
  std::map<std::string, int64_t> cursors;
  /// Topic -> last applied seq.
  std::map<std::string, int64_t> inbox;
};

/// The part every repository shares.
class reliable_repository {
public:
  virtual ~reliable_repository();

  /// The reliability state with every event not yet acknowledged by every
  /// subscriber.
  reliability_snapshot load_reliability() {
    return load_reliability(std::numeric_limits<size_t>::max());
  }

  /// The reliability state with at most the first `max_events` of those
  /// events: a relay keeps a bounded number in memory and reads the rest
  /// with load_outbox as it goes.
  virtual reliability_snapshot load_reliability(size_t max_events) = 0;

  /// Up to `limit` stored events with seq > `after_seq`, ascending seq.
  virtual std::vector<outbox_record>
  load_outbox(int64_t after_seq, size_t limit) = 0;

  /// The record stored for (scope, key), if any.
  virtual std::optional<idempotency_record>
  find_idempotency(const std::string& scope, const std::string& key) = 0;

  /// Checks that storage answers (GET /ready); throws storage_error when it
  /// does not.
  virtual void ping() = 0;
};

// -- Users --------------------------------------------------------------------

struct users_changes {
  std::vector<user> created;
  reliability_changes reliable;
  /// New password hashes (argon2id strings, opaque to storage) by user id:
  /// stored in the new row of a user in `created`, replacing the stored one
  /// of any other user, who must exist (else constraint_violation). A new
  /// user without an entry has no password (NULL).
  std::map<user_id, std::string> passwords;

  bool empty() const noexcept {
    return created.empty() && reliable.empty() && passwords.empty();
  }
};

class users_repository : public reliable_repository {
public:
  virtual ~users_repository();

  /// Every registered user, ordered by id.
  virtual std::vector<user> load_users() = 0;

  /// The password hash of every user that has one, by id; users without a
  /// password (registered before passwords existed) are absent.
  virtual std::map<user_id, std::string> load_password_hashes() = 0;

  /// Inserts the new users and stores the password hashes atomically.
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
  reliability_changes reliable;

  bool empty() const noexcept {
    return opened.empty() && entries.empty() && charges.empty()
           && reliable.empty();
  }
};

class billing_repository : public reliable_repository {
public:
  virtual ~billing_repository();

  /// Every account, ordered by user id.
  virtual std::vector<account> load_accounts() = 0;

  /// The largest ledger entry id so far, 0 if none.
  virtual int64_t max_ledger_id() = 0;

  /// The decided charge of an order, if Billing already processed it. The
  /// charge is not an event: its `seq` is not stored and comes back as 0 (the
  /// ORDER_PROCESSED event itself, with its seq, lives in the outbox).
  virtual std::optional<order_processed> find_charge(order_id id) = 0;

  /// The largest order id Billing decided, 0 if none. Orders numbers its
  /// orders in the order it publishes them, so every order up to this one
  /// is decided: Billing recognises a repeated order without a lookup.
  virtual order_id max_decided_order() = 0;

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
  reliability_changes reliable;

  bool empty() const noexcept {
    return known_users.empty() && created.empty() && updated.empty()
           && reliable.empty();
  }
};

class orders_repository : public reliable_repository {
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
  reliability_changes reliable;

  bool empty() const noexcept {
    return recipients.empty() && sent.empty() && reliable.empty();
  }
};

class notifications_repository : public reliable_repository {
public:
  virtual ~notifications_repository();

  /// Every known recipient, ordered by user id.
  virtual std::vector<user> load_recipients() = 0;

  /// The largest notification id so far, 0 if none.
  virtual notification_id max_notification_id() = 0;

  /// The largest order id that has a message, 0 if none.
  virtual order_id max_notified_order() = 0;

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
