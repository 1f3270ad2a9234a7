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
    add_message_types<caf::id_block::shop>();
    add_error_category(caf::atom("shop"), [](uint8_t code, caf::atom_value,
                                             const caf::message& ctx) {
      return render_shop_error(code, ctx);
    });
  }
};

} // namespace shop::sim
