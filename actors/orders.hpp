#pragma once

#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/unit_of_work.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// What an Orders worker needs from the outside world.
struct orders_deps {
  repository_factory<orders_repository> repository;
  /// The items for sale.
  std::vector<item> catalog;
  /// Receive ORDER_CREATED.
  std::vector<order_created_subscriber> subscribers;
  caf::timespan peer_timeout;
};

/// Largest quantity of one item in one order.
constexpr int32_t max_quantity = 1000;

struct orders_state {
  std::unique_ptr<orders_repository> repo;
  unit_of_work<orders_changes> uow;
  /// The catalog by item id (sorted, for listing).
  std::map<item_id, item> catalog;
  /// Users learned from USER_CREATED: orders are only taken for them.
  std::unordered_set<user_id> known_users;
  /// Orders waiting for ORDER_PROCESSED. Final orders live only in storage,
  /// so memory stays bounded by the number of orders in flight.
  std::unordered_map<order_id, order> pending;
  order_id next_id = 1;
  orders_deps deps;

  static inline const char* name = "orders";
};

using orders_worker = orders_actor::stateful_pointer<orders_state>;

/// The Orders service: takes orders for known users and catalog items,
/// publishes ORDER_CREATED after each order commits, and moves an order to
/// paid or rejected exactly once when ORDER_PROCESSED arrives.
orders_actor::behavior_type orders_service(orders_worker self,
                                           orders_deps deps);

} // namespace shop
