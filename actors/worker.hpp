#pragma once

// What every service worker shares: the state members, the first steps of
// loading, the start of a publisher's relay and the lookup of a user at the
// Users service. Each service adds its own state and handlers on top
// (actors/users.hpp, billing.hpp, orders.hpp, notifications.hpp).

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/idempotency.hpp"
#include "actors/interfaces.hpp"
#include "actors/load.hpp"
#include "actors/outbox.hpp"
#include "actors/settings.hpp"
#include "actors/unit_of_work.hpp"
#include "storage/repositories.hpp"

namespace shop {

struct service_context; // actors/system.hpp

/// The state of every worker: its repository, the open batch, the inbox
/// marks of the topics it consumes and what it needs from outside (`Deps`,
/// with at least `repository` and `settings`).
template <class Repository, class Changes, class Deps>
struct worker_state {
  std::unique_ptr<Repository> repo;
  unit_of_work<Changes> uow;
  /// Topic -> last event seq applied.
  std::map<std::string, int64_t> inbox;
  /// Redelivered events ignored since start.
  uint64_t duplicates = 0;
  Deps deps;
};

/// A worker that takes commands with Idempotency-Keys and publishes `Event`
/// through its outbox (Deps also has `subscribers`).
template <class Event, class Repository, class Changes, class Deps>
struct publisher_state : worker_state<Repository, Changes, Deps> {
  outbox_relay<Event> relay;
  idempotency_state keys;
};

/// The first step of every load: opens the repository and reads the
/// reliability state (inbox marks; a publisher's outbox goes to
/// start_relay).
template <class Self>
reliability_snapshot open_storage(Self* self) {
  auto& st = self->state;
  st.repo = st.deps.repository();
  // A publisher's relay holds that many of its events in memory at most;
  // it reads the others when their turn comes.
  auto snap = st.repo->load_reliability(
    st.deps.settings.admission.max_events_in_memory);
  st.inbox = snap.inbox;
  return snap;
}

/// Sets up a publisher's relay and its key retention from its deps, reloads
/// the outbox from `snap` and resumes delivering what the previous worker
/// left unacknowledged (at once: waiting for the next new event could strand
/// them forever).
template <class Self>
void start_relay(Self* self, const char* topic,
                 const reliability_snapshot& snap) {
  auto& st = self->state;
  st.keys.retention = st.deps.settings.idempotency_retention;
  auto& relay = st.relay;
  relay.topic = topic;
  relay.window = st.deps.settings.relay_window;
  relay.timeout = st.deps.settings.peer_timeout;
  relay.feed = st.deps.settings.feed;
  relay.feed_audience = st.deps.settings.feed_audience;
  relay.max_backlog = st.deps.settings.admission.max_backlog;
  relay.memory_limit
    = std::max<size_t>(st.deps.settings.admission.max_events_in_memory, 1);
  if (auto& load = st.deps.settings.load)
    relay.load = load->of(st.name);
  for (auto& [name, handle] : st.deps.subscribers)
    relay.add_subscriber(name, handle);
  relay.bind_metrics(st.name);
  relay.restore(snap);
  // What a commit made deliverable goes out after it, in one delivery per
  // subscriber.
  st.uow.after_waiters([self] { self->state.relay.pump(self); });
  relay.pump(self);
}

/// Asks Users (never its tables) whether `id` exists, for a worker whose
/// deps have `users`: runs `found(const user&)` on the answer, or
/// `failed(caf::error)` with user_not_found ("no user with this id") or
/// service_unavailable ("users service did not answer"). `await` holds back
/// every other message meanwhile, so a user's operations still apply in
/// arrival order.
template <class Self, class Found, class Failed>
void with_known_user(Self* self, user_id id, Found found, Failed failed) {
  auto& st = self->state;
  self->request(st.deps.users, st.deps.settings.peer_timeout, atom::get_v, id)
    .await([found](const user& u) mutable { found(u); },
           [failed](caf::error& err) mutable {
             failed(
               err == errc::user_not_found
                 ? caf::make_error(errc::user_not_found, "no user with this id")
                 : caf::make_error(errc::service_unavailable,
                                   "users service did not answer"));
           });
}

} // namespace shop
