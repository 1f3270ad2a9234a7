#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/balance_view.hpp"
#include "actors/topics.hpp"
#include "actors/worker.hpp"

namespace shop {

/// What a Billing worker needs from the outside world.
struct billing_deps {
  repository_factory<billing_repository> repository;
  /// Receive ORDER_PROCESSED, by subscriber name.
  std::vector<std::pair<std::string, order_processed_subscriber>> subscribers;
  /// Asked whether a user exists when Billing has no account for it yet.
  users_actor users;
  worker_settings settings;
  /// The read model this worker keeps (services::balances); null: none.
  std::shared_ptr<balance_view> view;
};

struct billing_state : publisher_state<order_processed, billing_repository,
                                       billing_changes, billing_deps> {
  /// Every account's balance: the authoritative copy once committed.
  std::unordered_map<user_id, money> balances;
  int64_t next_ledger_id = 1;
  /// Every order up to this id is decided (see max_decided_order).
  order_id decided_through = 0;
  /// The accounts the open batch changes, for the read model.
  std::vector<user_id> touched;

  static inline const char* name = "billing";
};

using billing_worker = billing_worker_actor::stateful_pointer<billing_state>;

/// The Billing service: accounts, deposits, payments and order charges. A
/// user's operations apply one at a time in arrival order (the actor's
/// mailbox); a balance never goes negative; every movement is a ledger entry;
/// each order is decided once and its ORDER_PROCESSED leaves through the
/// outbox in the same transaction as the charge.
billing_worker_actor::behavior_type billing_service(billing_worker self,
                                                    billing_deps deps);

/// Spawns a Billing worker (its service_table entry).
caf::actor spawn_billing_worker(caf::actor_system& sys,
                                const service_context& ctx);

} // namespace shop
