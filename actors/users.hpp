#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/topics.hpp"
#include "actors/worker.hpp"

namespace shop {

/// What a Users worker needs from the outside world.
struct users_deps {
  repository_factory<users_repository> repository;
  /// Receive USER_CREATED, by subscriber name.
  std::vector<std::pair<std::string, user_created_subscriber>> subscribers;
  worker_settings settings;
};

struct users_state
  : publisher_state<user_created, users_repository, users_changes, users_deps> {
  std::unordered_map<user_id, user> by_id;
  /// Lower-cased email -> user: emails are unique case-insensitively.
  std::unordered_map<std::string, user_id> by_email;
  user_id next_id = 1;

  static inline const char* name = "users";
};

using users_worker = users_worker_actor::stateful_pointer<users_state>;

/// The Users service: registers users (unique emails), answers user info from
/// memory and publishes USER_CREATED through its outbox.
users_worker_actor::behavior_type users_service(users_worker self,
                                                users_deps deps);

/// Spawns a Users worker (its service_table entry).
caf::actor spawn_users_worker(caf::actor_system& sys,
                              const service_context& ctx);

} // namespace shop
