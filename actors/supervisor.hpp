#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "common/metrics.hpp"

namespace shop {

class service_load;

/// Spawns a service worker. Called on start and after every failure.
using worker_factory = std::function<caf::actor(caf::actor_system&)>;

struct supervisor_state {
  /// The current worker; invalid while (re)starting.
  caf::actor worker;
  /// What the supervised service is called, for logs and errors.
  std::string service;
  worker_factory factory;
  /// When the current worker started (actor clock, so deterministic tests
  /// control it), to tell a crash loop from a rare crash.
  caf::actor_clock::time_point started;
  /// Delay before the next restart; grows while the worker keeps failing.
  caf::timespan backoff{0};
  /// How many times the worker has been restarted.
  size_t restarts = 0;
  /// Messages routed to the service (actorshop_actor_messages_total) and
  /// its restarts (actorshop_service_restarts_total); set at spawn.
  metrics::counter* messages = nullptr;
  metrics::counter* restarts_total = nullptr;
  /// When a failed readiness ping was last logged: anyone may ask GET
  /// /ready, so its failures are logged at most once per 10 s.
  std::optional<caf::actor_clock::time_point> last_not_ready_log;
  /// What the worker says of its load (actors/load.hpp), for GET /ready;
  /// may be null.
  service_load* load = nullptr;

  static inline const char* name = "supervisor";
};

/// The stable address of a service. Forwards every message to the current
/// worker (keeping sender and request id, so the worker answers the client
/// directly) and respawns the worker whenever it dies, with exponential
/// backoff when it keeps dying. While no worker runs, requests fail fast with
/// errc::service_unavailable instead of hanging. The worker starts on
/// `atom::start`, so that all services can be wired before any runs.
caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self,
                         std::string service, worker_factory factory,
                         service_load* load = nullptr);

} // namespace shop
