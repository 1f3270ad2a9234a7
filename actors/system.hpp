#pragma once

// Spawns the services of the service table (actors/service_table.hpp), each
// behind a supervisor, and wires their event subscriptions from the topics
// the table lists:
//   Users  --USER_CREATED-->    Billing, Orders, Notifications
//   Orders --ORDER_CREATED-->   Billing
//   Billing--ORDER_PROCESSED--> Orders, Notifications

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/placement.hpp"
#include "actors/settings.hpp"
#include "storage/repositories.hpp"

namespace shop {

class balance_view;
class node_load;

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
  /// The bounds of admission control (actors/load.hpp).
  admission_settings admission;
  /// How long Idempotency-Keys are remembered.
  std::chrono::milliseconds idempotency_retention = std::chrono::hours(24);
  /// Deliberate bugs for tests (see fault_injection); all off by default.
  fault_injection faults;
  /// Users' password hashing pool and cost.
  password_settings passwords;
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
  /// Billing's read model (actors/balance_view.hpp) when Billing runs on
  /// this node, else null: the HTTP front reads balances there without
  /// asking Billing.
  std::shared_ptr<balance_view> balances;
  /// Whether each service of this node sheds load (actors/load.hpp): the
  /// HTTP front refuses new work for one that does without asking it.
  std::shared_ptr<node_load> load;

  /// The service handles (supervisors and proxies), in table order.
  std::vector<caf::actor> supervisors() const;
};

/// What a worker's spawn function (service_entry::spawn) gets. Complete, with
/// every service handle, before any worker starts.
struct service_context {
  services svc;
  service_options opts;
  worker_settings settings;
  repository_factories repos;

  /// The subscribers of `topic`: every service whose table entry consumes
  /// it, by name and in table order, through opts.wrap_subscriber if set.
  std::vector<std::pair<std::string, caf::actor>>
  subscribers(caf::actor_system& sys, const char* topic) const;

  template <class Subscriber>
  std::vector<std::pair<std::string, Subscriber>>
  subscribers_as(caf::actor_system& sys, const char* topic) const {
    std::vector<std::pair<std::string, Subscriber>> result;
    for (auto& [name, hdl] : subscribers(sys, topic))
      result.emplace_back(name, caf::actor_cast<Subscriber>(hdl));
    return result;
  }

  /// Spawns a worker, detached (own thread, for blocking storage calls) or
  /// scheduled (for deterministic tests), as opts.detached says.
  template <class F, class Deps>
  caf::actor spawn(caf::actor_system& sys, F fun, Deps deps) const {
    if (opts.detached)
      return caf::actor_cast<caf::actor>(
        sys.spawn<caf::detached>(fun, std::move(deps)));
    return caf::actor_cast<caf::actor>(sys.spawn(fun, std::move(deps)));
  }
};

/// Spawns and wires the services: supervisors for those `opts.place` runs
/// here, proxies for the others, and the node directory.
services spawn_services(caf::actor_system& sys, repository_factories repos,
                        service_options opts);

/// Asks every service to commit what it has pending and stop. Returns at once;
/// use actor_system::await_all_actors_done() to wait.
void stop_services(const services& svc);

} // namespace shop
