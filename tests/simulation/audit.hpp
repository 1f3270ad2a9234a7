#pragma once

// Auditing repositories: decorators around the in-memory ones that watch
// every call a service makes to storage.
//
// They always count the storage failures the simulation injects (a failed
// commit, a database outage), so the driver can tell a worker death it
// caused from one the service caused itself.
//
// With `check_effects`, they also catch what storage constraints would
// otherwise hide. A storage that refuses a second charge of an order, or
// silently keeps one notification per order, turns a consumer that applies
// an event twice into a mere restart or into nothing visible at all; the
// audit reports the attempt itself:
//   - an event's effect staged twice (a charge of an order already charged,
//     a transition of an order that is no longer pending, a second message
//     for an order, an inbox mark that does not advance);
//   - a commit refused for any reason but the injected faults (a constraint
//     violation means a service tried to write something wrong).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/repositories.hpp"

namespace shop::sim {

struct audit_log {
  /// Report effects applied twice and refused commits.
  bool check_effects = true;
  /// Violations found, one line each.
  std::vector<std::string> findings;
  /// Commits that failed with connection_lost (injected by the driver).
  uint64_t failed_commits = 0;
  /// Other calls (factories included) that failed with connection_lost:
  /// the store was down.
  uint64_t failed_calls = 0;
};

/// Wraps every repository the factories make.
repository_factories audited(repository_factories inner,
                             std::shared_ptr<audit_log> log);

} // namespace shop::sim
