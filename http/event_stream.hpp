#pragma once

// The live event stream (GET /events): one hidden actor per client that
// writes every event the node's feed passes on as Server-Sent Events, into
// an event_sink (http/exchange.hpp); and the registry of a server's live
// streams, which a stop ends.

#include <memory>
#include <mutex>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include "http/exchange.hpp"

namespace shop::http {

/// The live streams of one server run. Thread-safe.
class event_streams {
public:
  /// Registers a stream; ends it at once if stop_all() ran already (a stop
  /// that began on another I/O thread while the stream started).
  void add(const caf::actor& stream);

  /// Unregisters a stream (when it ends).
  void remove(const caf::actor_addr& stream);

  /// Ends every live stream, and every stream added from now on: their
  /// connections would never drain.
  void stop_all();

  /// How many streams are live.
  size_t size() const;

private:
  mutable std::mutex mtx_;
  std::vector<caf::actor> streams_;
  bool stopped_ = false;
};

/// Spawns the stream of one client, registered in `streams` until it ends:
/// it writes `event: <TYPE>` and `data: <JSON>` for every event it receives
/// (user_created, order_created, order_processed), and ends when a write
/// fails (the client went away) or on an exit message; then it finishes the
/// sink. The caller joins it to the node's feed.
caf::actor spawn_event_stream(caf::actor_system& sys,
                              std::shared_ptr<event_sink> sink,
                              event_streams& streams);

} // namespace shop::http
