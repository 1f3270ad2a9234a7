#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/topics.hpp"
#include "actors/worker.hpp"

namespace shop {

/// What an Orders worker needs from the outside world.
struct orders_deps {
  repository_factory<orders_repository> repository;
  /// The items for sale.
  std::vector<item> catalog;
  /// Receive ORDER_CREATED, by subscriber name.
  std::vector<std::pair<std::string, order_created_subscriber>> subscribers;
  /// Asked whether a user exists when USER_CREATED has not arrived yet.
  users_actor users;
  worker_settings settings;
};

struct orders_state : publisher_state<order_created, orders_repository,
                                      orders_changes, orders_deps> {
  /// The catalog by item id (sorted, for listing).
  std::map<item_id, item> catalog;
  /// Users learned from USER_CREATED: orders are only taken for them.
  std::unordered_set<user_id> known_users;
  /// Orders waiting for ORDER_PROCESSED. Final orders live only in storage,
  /// so memory stays bounded by the number of orders in flight.
  std::unordered_map<order_id, order> pending;
  order_id next_id = 1;

  static inline const char* name = "orders";
};

using orders_worker = orders_worker_actor::stateful_pointer<orders_state>;

/// The Orders service: takes orders for known users and catalog items,
/// publishes ORDER_CREATED through its outbox, and moves an order to paid or
/// rejected exactly once when ORDER_PROCESSED arrives.
orders_worker_actor::behavior_type orders_service(orders_worker self,
                                                  orders_deps deps);

/// Spawns an Orders worker (its service_table entry).
caf::actor spawn_orders_worker(caf::actor_system& sys,
                               const service_context& ctx);

} // namespace shop
