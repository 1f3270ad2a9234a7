#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/passwords.hpp"
#include "actors/topics.hpp"
#include "actors/worker.hpp"

namespace shop {

/// What a Users worker needs from the outside world.
struct users_deps {
  repository_factory<users_repository> repository;
  /// Receive USER_CREATED, by subscriber name.
  std::vector<std::pair<std::string, user_created_subscriber>> subscribers;
  worker_settings settings;
  /// Spawn the password hashers detached, a thread each (production), or
  /// scheduled (deterministic tests): as service_options::detached says.
  bool detached = true;
};

/// A user's password as Users keeps it: apart from the `user` record, which
/// travels in replies and USER_CREATED and must never carry the hash.
struct stored_password {
  /// The argon2id string; empty: no password (an account from before
  /// passwords existed).
  std::string hash;
  /// set_password jobs accepted for this user, and the newest of them whose
  /// hash is `hash`: an older job that finishes later changes nothing.
  uint64_t requested = 0;
  uint64_t applied = 0;
};

struct users_state
  : publisher_state<user_created, users_repository, users_changes, users_deps> {
  std::unordered_map<user_id, user> by_id;
  /// Lower-cased email -> user: emails are unique case-insensitively.
  std::unordered_map<std::string, user_id> by_email;
  user_id next_id = 1;
  /// Passwords by user; a user without an entry (or with an empty hash)
  /// has none.
  std::unordered_map<user_id, stored_password> passwords;
  /// Where passwords are hashed and checked, never on this worker.
  password_pool pool;

  static inline const char* name = "users";
};

using users_worker = users_worker_actor::stateful_pointer<users_state>;

/// The Users service: registers users (unique emails), answers user info from
/// memory, checks and sets passwords on its password pool and publishes
/// USER_CREATED through its outbox.
users_worker_actor::behavior_type users_service(users_worker self,
                                                users_deps deps);

/// Spawns a Users worker (its service_table entry).
caf::actor spawn_users_worker(caf::actor_system& sys,
                              const service_context& ctx);

} // namespace shop
