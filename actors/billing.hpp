#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/users.hpp"

namespace shop {

/// What a Billing worker needs from the outside world.
struct billing_deps {
  repository_factory<billing_repository> repository;
  /// Receive ORDER_PROCESSED, by subscriber name.
  std::vector<std::pair<std::string, order_processed_subscriber>> subscribers;
  /// Asked whether a user exists when Billing has no account for it yet.
  users_actor users;
  worker_settings settings;
};

struct billing_state {
  std::unique_ptr<billing_repository> repo;
  unit_of_work<billing_changes> uow;
  outbox_relay<order_processed> relay;
  idempotency_state keys;
  /// Topic -> last event seq applied.
  std::map<std::string, int64_t> inbox;
  /// Redelivered events ignored since start.
  uint64_t duplicates = 0;
  /// Every account's balance: the authoritative copy once committed.
  std::unordered_map<user_id, money> balances;
  int64_t next_ledger_id = 1;
  /// Every order up to this id is decided (see max_decided_order).
  order_id decided_through = 0;
  billing_deps deps;

  static inline const char* name = "billing";
};

using billing_worker = billing_actor::stateful_pointer<billing_state>;

/// The Billing service: accounts, deposits, payments and order charges. A
/// user's operations apply one at a time in arrival order (the actor's
/// mailbox); a balance never goes negative; every movement is a ledger entry;
/// each order is decided once and its ORDER_PROCESSED leaves through the
/// outbox in the same transaction as the charge.
billing_actor::behavior_type billing_service(billing_worker self,
                                             billing_deps deps);

} // namespace shop
