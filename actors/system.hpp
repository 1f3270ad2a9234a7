#pragma once

// Spawns the four services, each behind a supervisor, and wires their event
// subscriptions:
//   Users  --USER_CREATED-->    Billing, Orders, Notifications
//   Orders --ORDER_CREATED-->   Billing
//   Billing--ORDER_PROCESSED--> Orders, Notifications

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/placement.hpp"
#include "actors/settings.hpp"
#include "storage/repositories.hpp"

namespace shop {

struct service_options {
  /// Run each service worker on its own thread (production: libpq calls
  /// block). Deterministic tests turn this off so CAF's test scheduler
  /// drives every actor.
  bool detached = true;
  /// The catalog Orders sells.
  std::vector<item> catalog;
  /// How long a service waits for a subscriber to acknowledge an event, or
  /// for another service to answer, before it gives up (and, for events,
  /// resends later).
  caf::timespan peer_timeout = std::chrono::seconds(5);
  /// Unacknowledged events a publisher keeps in flight per subscriber.
  size_t relay_window = 256;
  /// How long Idempotency-Keys are remembered.
  std::chrono::milliseconds idempotency_retention = std::chrono::hours(24);
  /// Deliberate bugs for tests (see fault_injection); all off by default.
  fault_injection faults;
  /// Which services run here and where the others are; default: all here.
  placement place;
  /// Test hook: replaces the handle through which `publisher` delivers
  /// `topic` events to `subscriber` (simulations put a proxy there that
  /// delays, duplicates, reorders or drops deliveries). Empty: direct.
  std::function<caf::actor(caf::actor_system& sys, const std::string& topic,
                           const std::string& subscriber, caf::actor target)>
    wrap_subscriber;
};

/// Handles of the services. Each handle is the service's supervisor when
/// the service runs on this node, else a proxy for the node that runs it
/// (actors/remote.hpp); either stays the same across restarts of what is
/// behind it.
struct services {
  users_actor users;
  billing_actor billing;
  orders_actor orders;
  notifications_actor notifications;
  /// The node directory (actors/remote.hpp): publish it on the node port;
  /// the HTTP front asks it for the cluster's state.
  caf::actor directory;
  /// The node's live event feed (actors/feed.hpp): the events of the
  /// services this node runs, as they commit.
  caf::actor feed;

  /// The four service handles (supervisors and proxies).
  std::vector<caf::actor> supervisors() const;
};

/// Spawns and wires the services: supervisors for those `opts.place` runs
/// here, proxies for the others, and the node directory.
services spawn_services(caf::actor_system& sys, repository_factories repos,
                        service_options opts);

/// Asks every service to commit what it has pending and stop. Returns at once;
/// use actor_system::await_all_actors_done() to wait.
void stop_services(const services& svc);

} // namespace shop
