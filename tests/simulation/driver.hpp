#pragma once

// Runs one simulated scenario from a seed: all four services on CAF's test
// coordinator with in-memory storage, chaos proxies on every event path,
// a few clients, random crashes and failed commits; then lets the system
// quiesce and checks the invariants. Same seed, same run, step for step.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/settings.hpp"
#include "world.hpp"

namespace shop::sim {

struct scenario_options {
  uint64_t seed = 1;
  /// Deliberate bugs in the services (for proving the harness catches them).
  fault_injection faults;
  /// Audit commits and acknowledgements while running (audit.hpp, chaos.hpp).
  /// Off, only the end-state invariants judge the run.
  bool audit = true;
  /// Print the run step by step to stderr (and the services' debug log).
  bool verbose = false;
};

struct scenario_result {
  uint64_t seed = 0;
  /// What ran (for the replay line).
  scenario_options options;
  bool quiesced = false;
  /// Each: "[invariant] what went wrong".
  std::vector<std::string> violations;
  scenario_stats stats;
  /// Hash of the schedule, the faults, every answer and the final state.
  uint64_t trace = 0;

  bool ok() const {
    return violations.empty();
  }

  /// The first violated invariant's name ("" when none).
  std::string first_invariant() const;

  /// A report for a failed run: seed, violations, figures, how to replay.
  std::string report() const;
};

scenario_result run_scenario(const scenario_options& opts);

} // namespace shop::sim
