#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/unit_of_work.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// What a Billing worker needs from the outside world.
struct billing_deps {
  repository_factory<billing_repository> repository;
  /// Receive ORDER_PROCESSED.
  std::vector<order_processed_subscriber> subscribers;
  /// Asked whether a user exists before an explicit createAccount.
  users_actor users;
  caf::timespan peer_timeout;
};

struct billing_state {
  std::unique_ptr<billing_repository> repo;
  unit_of_work<billing_changes> uow;
  /// Every account's balance: the authoritative copy once committed.
  std::unordered_map<user_id, money> balances;
  /// Charges decided in the open batch, so a duplicate ORDER_CREATED in the
  /// same batch finds them before they reach storage.
  std::unordered_map<order_id, order_processed> staged_charges;
  int64_t next_ledger_id = 1;
  billing_deps deps;

  static inline const char* name = "billing";
};

using billing_worker = billing_actor::stateful_pointer<billing_state>;

/// The Billing service: accounts, deposits, payments and order charges. A
/// balance never goes negative and every movement is a ledger entry; each
/// order is charged at most once, and ORDER_PROCESSED is published after the
/// decision commits.
billing_actor::behavior_type billing_service(billing_worker self,
                                             billing_deps deps);

} // namespace shop
