#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/idempotency.hpp"
#include "actors/interfaces.hpp"
#include "actors/outbox.hpp"
#include "actors/settings.hpp"
#include "actors/unit_of_work.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// What a Users worker needs from the outside world.
struct users_deps {
  repository_factory<users_repository> repository;
  /// Receive USER_CREATED, by subscriber name.
  std::vector<std::pair<std::string, user_created_subscriber>> subscribers;
  worker_settings settings;
};

struct users_state {
  std::unique_ptr<users_repository> repo;
  unit_of_work<users_changes> uow;
  outbox_relay<user_created> relay;
  idempotency_state keys;
  std::unordered_map<user_id, user> by_id;
  /// Lower-cased email -> user: emails are unique case-insensitively.
  std::unordered_map<std::string, user_id> by_email;
  user_id next_id = 1;
  users_deps deps;

  static inline const char* name = "users";
};

using users_worker = users_actor::stateful_pointer<users_state>;

/// The Users service: registers users (unique emails), answers user info from
/// memory and publishes USER_CREATED through its outbox.
users_actor::behavior_type users_service(users_worker self, users_deps deps);

/// Topic names, as stored in outboxes and inbox marks.
constexpr const char* user_created_topic = "user_created";
constexpr const char* order_created_topic = "order_created";
constexpr const char* order_processed_topic = "order_processed";

/// Sets up a publisher's relay from its deps, reloads it from storage and
/// resumes delivering what the previous worker left unacknowledged (at once:
/// waiting for the next new event could strand them forever).
template <class Self>
void start_relay(Self* self, const char* topic,
                 const reliability_snapshot& snap) {
  auto& st = self->state;
  auto& relay = st.relay;
  relay.topic = topic;
  relay.window = st.deps.settings.relay_window;
  relay.timeout = st.deps.settings.peer_timeout;
  relay.feed = st.deps.settings.feed;
  relay.feed_audience = st.deps.settings.feed_audience;
  for (auto& [name, handle] : st.deps.subscribers)
    relay.add_subscriber(name, handle);
  relay.restore(snap);
  relay.bind_metrics(st.name);
  relay.pump(self);
}

} // namespace shop
