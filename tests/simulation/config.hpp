#pragma once

#include <caf/actor_system_config.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace shop::sim {

/// Deterministic runs: CAF's testing scheduler (no threads, a fake clock)
/// and our message types.
struct sim_config : caf::actor_system_config {
  sim_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
    register_types(*this);
  }
};

} // namespace shop::sim
