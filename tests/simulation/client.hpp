#pragma once

// A simulated client: an actor on the test coordinator that runs a script of
// operations (registrations, deposits, payments, orders; some for unknown
// users or items, some too expensive) one after another, like a user of the
// HTTP API. Each operation carries an Idempotency-Key; a transient error
// (service_unavailable, a timeout) is retried with the SAME key after a
// backoff, until a definitive answer or the attempt limit. Some operations
// are sent twice at once under one key (a racing double submit), some reuse
// an earlier key with another body. Everything lands in the world's journal.

#include <cstddef>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "world.hpp"

namespace shop::sim {

/// Spawns client `index`, which runs `ops` operations and then quits.
caf::actor spawn_client(caf::actor_system& sys, world& w, int index,
                        size_t ops);

/// Attempts per request before a client gives up (a liveness failure).
constexpr int max_attempts = 40;

} // namespace shop::sim
