#pragma once

// The tables every service schema has for exactly-once delivery
// (storage/sql/reliability.sql), in memory, and the code shared by the four
// in-memory repositories. Internal to storage/memory; mirrors
// storage/pg/reliability.cpp, constraints included.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "storage/repositories.hpp"

namespace shop::memory {

struct reliability_tables {
  /// <schema>.outbox by seq.
  std::map<int64_t, outbox_record> outbox;
  /// <schema>.outbox_head: the largest seq ever written, pruned or not.
  int64_t max_outbox_seq = 0;
  /// <schema>.outbox_cursors: subscriber -> acknowledged seq.
  std::map<std::string, int64_t> cursors;
  /// <schema>.inbox: topic -> applied seq.
  std::map<std::string, int64_t> inbox;
  /// <schema>.idempotency_keys by (scope, key).
  std::map<std::pair<std::string, std::string>, idempotency_record> idempotency;
};

/// Throws the storage_error PostgreSQL would raise for `changes`, taking
/// into account that deletions (purge, prune) apply before insertions.
void check(const reliability_tables& t, const reliability_changes& changes);

/// Applies checked `changes`: deletions first, then insertions and upserts.
void apply(reliability_tables& t, const reliability_changes& changes);

/// What load_reliability returns (at most `max_events` events).
reliability_snapshot snapshot(const reliability_tables& t, size_t max_events);

/// What load_outbox returns: up to `limit` events with seq > after_seq.
std::vector<outbox_record> events_after(const reliability_tables& t,
                                        int64_t after_seq, size_t limit);

std::optional<idempotency_record> find_idempotency(const reliability_tables& t,
                                                   const std::string& scope,
                                                   const std::string& key);

} // namespace shop::memory
