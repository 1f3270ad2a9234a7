#pragma once

// Deterministic in-memory repositories with the semantics of the PostgreSQL
// ones (storage/pg), constraints included: both pass the same contract tests
// (tests/support/storage_contract.hpp). Used by actor-level and simulation
// tests instead of a database.

#include <cstdint>
#include <memory>
#include <mutex>

#include "storage/errors.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// The committed data of all four services: the in-memory "database". It
/// outlives the repositories that view it, so a service restarted by its
/// supervisor (a new factory call) finds what it committed before.
/// Thread-safe.
class memory_store {
public:
  memory_store();
  ~memory_store();

  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  // -- fault injection --------------------------------------------------------

  /// Makes the next `n` non-empty commits, of any service, throw
  /// storage_error(`k`) without changing anything.
  void fail_next_commits(int n, storage_error::kind k
                                = storage_error::kind::connection_lost);

  /// While true, every call (factories included) throws
  /// storage_error(connection_lost), like a database that is down.
  void set_unavailable(bool value);

  // -- observation --------------------------------------------------------------

  /// How many non-empty commits succeeded so far, over all services.
  int64_t commits() const;

  /// The tables; defined in memory_repositories.cpp.
  struct tables;

  /// Runs `f` on the tables under the store's lock, after applying the fault
  /// injection rules (`is_commit` selects which ones). For the repositories.
  template <class F>
  auto with_tables(bool is_commit, F&& f) {
    std::lock_guard<std::mutex> guard{mtx_};
    check_faults(is_commit);
    return f(*tables_);
  }

  /// Counts a successful commit; called under the lock by with_tables users.
  void count_commit() noexcept {
    ++commits_;
  }

  /// Throws like with_tables when the store is unavailable (for factories).
  void check_available() const;

private:
  void check_faults(bool is_commit);

  mutable std::mutex mtx_;
  std::unique_ptr<tables> tables_;
  int pending_failures_ = 0;
  storage_error::kind failure_kind_ = storage_error::kind::connection_lost;
  bool unavailable_ = false;
  int64_t commits_ = 0;
};

/// Factories whose every call returns a fresh repository viewing `store`.
repository_factories
make_memory_repositories(std::shared_ptr<memory_store> store);

} // namespace shop
