#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/unit_of_work.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// What a Users worker needs from the outside world.
struct users_deps {
  repository_factory<users_repository> repository;
  /// Receive USER_CREATED.
  std::vector<user_created_subscriber> subscribers;
  caf::timespan peer_timeout;
};

struct users_state {
  std::unique_ptr<users_repository> repo;
  unit_of_work<users_changes> uow;
  std::unordered_map<user_id, user> by_id;
  /// Lower-cased email -> user: emails are unique case-insensitively.
  std::unordered_map<std::string, user_id> by_email;
  user_id next_id = 1;
  users_deps deps;

  static inline const char* name = "users";
};

using users_worker = users_actor::stateful_pointer<users_state>;

/// The Users service: registers users (unique emails), answers user info from
/// memory and publishes USER_CREATED after each registration commits.
users_actor::behavior_type users_service(users_worker self, users_deps deps);

/// Lower-cases ASCII letters: the key under which an email must be unique.
std::string email_key(const std::string& email);

} // namespace shop
