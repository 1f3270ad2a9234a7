#pragma once

// The live event stream (GET /events): one hidden actor per client that
// writes every event the node's feed passes on as Server-Sent Events, into
// an event_sink (http/exchange.hpp); and the registry of a server's live
// streams, which a stop ends.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include "http/exchange.hpp"

namespace shop::http {

/// A place among a server's streams (event_streams::reserve), held from
/// before a stream opens until it ends; releasing it frees the place.
using stream_slot = std::shared_ptr<void>;

/// The live streams of one server run. Thread-safe.
class event_streams {
public:
  /// Takes one of `max` places for a stream about to open, or returns null
  /// when all are taken (streams that opened or are opening).
  stream_slot reserve(size_t max);

  /// How many places are taken.
  size_t reserved() const;

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
  size_t reserved_ = 0;
  bool stopped_ = false;
};

/// Spawns the stream of one client, registered in `streams` until it ends:
/// it writes `event: <TYPE>` and `data: <JSON>` for every event it receives
/// (user_created, order_created, order_processed), and `: keep-alive` once
/// per `keepalive` in which it wrote nothing else; it ends when a write
/// fails (the client went away) or on an exit message; then it finishes the
/// sink and releases `slot`. The caller joins it to the node's feed.
caf::actor spawn_event_stream(caf::actor_system& sys,
                              std::shared_ptr<event_sink> sink,
                              event_streams& streams, stream_slot slot,
                              std::chrono::milliseconds keepalive);

} // namespace shop::http
