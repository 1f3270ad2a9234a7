#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <atomic>
#include <memory>

#include <caf/actor.hpp>
#include <caf/timespan.hpp>

namespace shop {

class node_load; // actors/load.hpp

/// Deliberate bugs, for tests that prove the simulation catches them. Never
/// set outside tests.
struct fault_injection {
  /// Consumers apply every delivery, duplicates included, and Billing no
  /// longer checks whether an order was already charged.
  bool skip_dedup = false;
  /// Consumers acknowledge an event before its effect is committed.
  bool ack_before_commit = false;
};

/// libsodium's argon2id cost levels (crypto_pwhash_OPSLIMIT_* and
/// MEMLIMIT_*). `minimum` exists for tests and benchmarks only; actorshop
/// warns at start when it is configured.
enum class hash_cost : uint8_t { minimum, interactive, moderate, sensitive };

/// Parses "minimum", "interactive", "moderate" or "sensitive".
inline bool parse_hash_cost(const std::string& text, hash_cost& x) noexcept {
  static constexpr std::pair<const char*, hash_cost> names[] = {
    {"minimum", hash_cost::minimum},
    {"interactive", hash_cost::interactive},
    {"moderate", hash_cost::moderate},
    {"sensitive", hash_cost::sensitive},
  };
  for (auto& [name, value] : names)
    if (text == name) {
      x = value;
      return true;
    }
  return false;
}

/// Where Users hashes and checks passwords: a small pool of threads of its
/// own (never the HTTP I/O threads, CAF's scheduler or a service worker),
/// with a bounded queue: beyond `queue` waiting jobs, overloaded.
struct password_settings {
  hash_cost cost = hash_cost::interactive;
  size_t threads = 1;
  size_t queue = 64;
};

/// Bounds of the work a service takes (docs/reliability.md, "Overload").
struct admission_settings {
  /// Outbox events a publisher may have outstanding (committed or staged,
  /// not acknowledged by every subscriber) before it refuses new work that
  /// would publish more; it accepts again once the backlog is down to half.
  size_t max_backlog = 4096;
  /// Messages that may wait in a worker's mailbox before it refuses new
  /// commands (register, deposit, payment, createOrder).
  size_t max_mailbox = 4096;
  /// Unacknowledged events a publisher's relay holds in memory; the others
  /// stay in storage and are read back in pages (actors/outbox.hpp).
  size_t max_events_in_memory = 8192;
};

/// Settings every service worker shares.
struct worker_settings {
  caf::timespan peer_timeout = std::chrono::seconds(5);
  /// Events in flight per subscriber.
  size_t relay_window = 256;
  admission_settings admission;
  /// Where each worker tells the node about its load (actors/load.hpp);
  /// null: nobody listens.
  std::shared_ptr<node_load> load;
  std::chrono::milliseconds idempotency_retention = std::chrono::hours(24);
  fault_injection faults;
  /// Users only: password hashing.
  password_settings passwords;
  /// The node's live event feed (actors/feed.hpp): committed events are
  /// announced there too, best effort; none in tests.
  caf::actor feed;
  /// Its number of listeners (actors/feed.hpp): nothing is sent without.
  std::shared_ptr<std::atomic<size_t>> feed_audience;
};

} // namespace shop
