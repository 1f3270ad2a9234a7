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

/// Spawns client `index` that walks the money boundaries on an account of
/// its own (no other client touches it): it deposits exactly the price of an
/// order and places it (paid, balance zero), deposits one cent less and
/// places it again (rejected, nothing moves), then pays exactly the balance
/// and one cent more. Each order is awaited until decided, so every outcome
/// is certain and checked ([boundaries]).
caf::actor spawn_edge_client(caf::actor_system& sys, world& w, int index);

/// Attempts per request before a client gives up (a liveness failure).
constexpr int max_attempts = 40;

} // namespace shop::sim
