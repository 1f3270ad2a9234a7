#pragma once

#include <chrono>
#include <cstddef>

#include <atomic>
#include <memory>

#include <caf/actor.hpp>
#include <caf/timespan.hpp>

namespace shop {

/// Deliberate bugs, for tests that prove the simulation catches them. Never
/// set outside tests.
struct fault_injection {
  /// Consumers apply every delivery, duplicates included, and Billing no
  /// longer checks whether an order was already charged.
  bool skip_dedup = false;
  /// Consumers acknowledge an event before its effect is committed.
  bool ack_before_commit = false;
};

/// Settings every service worker shares.
struct worker_settings {
  caf::timespan peer_timeout = std::chrono::seconds(5);
  /// Events in flight per subscriber.
  size_t relay_window = 256;
  std::chrono::milliseconds idempotency_retention = std::chrono::hours(24);
  fault_injection faults;
  /// The node's live event feed (actors/feed.hpp): committed events are
  /// announced there too, best effort; none in tests.
  caf::actor feed;
  /// Its number of listeners (actors/feed.hpp): nothing is sent without.
  std::shared_ptr<std::atomic<size_t>> feed_audience;
};

} // namespace shop
