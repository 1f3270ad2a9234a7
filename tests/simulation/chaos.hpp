#pragma once

// The unreliable network between a publisher's relay and a subscriber. The
// simulation puts one chaos proxy between every publisher and every
// subscriber (service_options::wrap_subscriber). Driven by the scenario's
// dice, a proxy passes each delivery (a relay's batch of consecutive
// events), or delays it (released later, so deliveries overtake each
// other), duplicates it (the copy possibly late), drops it, or passes it and
// drops the acknowledgement; the last two make the relay time out and
// resend. It may also play a publisher that lost its prune mark: before a
// new event it inserts an earlier one again under the next seq, so the
// subscriber sees that event twice under two seqs (and every later seq shifted
// by one). Only the service's own logic can tell such a repeat from a new
// event. Every acknowledgement that passes is audited: an ack promises that the
// subscriber committed the event's effect.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "world.hpp"

namespace shop::sim {

/// How often each misfortune happens, per delivery.
struct chaos_settings {
  double delay = 0;
  double duplicate = 0;
  double drop = 0;
  double drop_ack = 0;
  /// Per new event: send an earlier event again under a new seq first.
  double republish = 0;
  /// Delays are uniform in [1 ms, max_delay].
  caf::timespan max_delay = std::chrono::milliseconds(40);

  /// Draws the settings of one scenario: some calm, most rough.
  static chaos_settings draw(dice& rng);
};

/// One publisher's stream to one subscriber, as the subscriber sees it. The
/// numbering outlives the proxies (a restarted publisher gets a new one), so
/// it stays consistent with the subscriber's committed inbox mark.
struct renumbered_stream {
  using any_event = std::variant<user_created, order_created, order_processed>;
  /// Publisher seq -> subscriber seq, fixed when the event is first seen.
  std::map<int64_t, int64_t> seq_of;
  /// The subscriber seq of the next event or repeat.
  int64_t next = 1;
  /// Every event seen, in publisher order: what a repeat may repeat.
  std::vector<any_event> seen;
  /// Inserted repeats the subscriber did not acknowledge yet, by their seq:
  /// part of every later delivery until acknowledged.
  std::map<int64_t, any_event> repeats;
};

/// Shared by all proxies of a scenario.
struct chaos_control {
  explicit chaos_control(world& w) : w(w) {
  }

  world& w;
  chaos_settings settings;
  /// Off once every client finished: the network heals so the system can
  /// quiesce.
  bool active = true;
  /// Checks an acknowledgement (topic, subscriber, seq); returns a finding
  /// (empty: fine).
  std::function<std::string(const std::string&, const std::string&, int64_t)>
    audit_ack;
  /// Findings of the ack audit.
  std::vector<std::string> findings;
  /// Every proxy spawned (workers respawn theirs on restart), for shutdown.
  std::vector<caf::actor> proxies;
  /// Set on shutdown: no more proxies, deliveries go straight through.
  bool closed = false;
  /// By "topic/subscriber".
  std::map<std::string, renumbered_stream> streams;
};

/// Spawns a proxy that carries `topic` events to `target` on behalf of the
/// publisher; `subscriber` names the target (as in the relay's cursors).
caf::actor spawn_chaos_proxy(caf::actor_system& sys, chaos_control& ctl,
                             const std::string& topic,
                             const std::string& subscriber, caf::actor target);

} // namespace shop::sim
