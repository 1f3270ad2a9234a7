#pragma once

// The live event feed of a node: every event a local service commits is
// also announced here (best effort, after the commit; the exactly-once
// delivery to subscribers goes through the outbox, not this), and the feed
// passes it on to whoever joined: the HTTP front's Server-Sent Events
// streams behind the web console. Joiners are monitored and dropped when
// they end. It keeps nothing: a joiner sees what happens from then on.

#include <atomic>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>

namespace shop {

/// How many listeners a feed has, readable from any thread: publishers
/// skip the message while nobody listens.
using feed_audience = std::shared_ptr<std::atomic<size_t>>;

struct feed_state {
  std::vector<caf::actor> listeners;
  feed_audience audience;

  static inline const char* name = "feed";
};

/// `(atom::join, caf::actor)` adds a listener; user_created, order_created
/// and order_processed go to every listener.
caf::behavior event_feed(caf::stateful_actor<feed_state>* self,
                         feed_audience audience);

} // namespace shop
