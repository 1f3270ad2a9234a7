#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/topics.hpp"
#include "actors/worker.hpp"

namespace shop {

/// What a Notifications worker needs from the outside world.
struct notifications_deps {
  repository_factory<notifications_repository> repository;
  /// Asked for a recipient's address when ORDER_PROCESSED overtakes
  /// USER_CREATED.
  users_actor users;
  worker_settings settings;
};

struct notifications_state
  : worker_state<notifications_repository, notifications_changes,
                 notifications_deps> {
  /// Addresses learned from USER_CREATED (or asked from Users).
  std::unordered_map<user_id, user> recipients;
  notification_id next_id = 1;
  /// The largest order with a message. Billing decides orders in id order
  /// and publishes ORDER_PROCESSED in that order, so an event at or below
  /// this mark repeats an order already notified (a publisher resending
  /// under a new seq): it must not store a second message.
  order_id notified_through = 0;

  static inline const char* name = "notifications";
};

using notifications_worker
  = notifications_worker_actor::stateful_pointer<notifications_state>;

/// The Notifications service: "sends an email" (stores a message) for every
/// processed order, at most one per order, and lists what it sent.
notifications_worker_actor::behavior_type
notifications_service(notifications_worker self, notifications_deps deps);

/// Spawns a Notifications worker (its service_table entry).
caf::actor spawn_notifications_worker(caf::actor_system& sys,
                                      const service_context& ctx);

/// The email for an order outcome: subject and body.
notification compose_notification(const user& to, const order_processed& e);

} // namespace shop
