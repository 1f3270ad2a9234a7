#pragma once

// The long-lived actors through which the HTTP front asks the services: one
// per I/O thread, so a request costs a message to an actor that exists
// already instead of spawning one (ask(), http/handler.hpp). Each bridge
// sends its thread's requests and runs the reply handlers; a bridge never
// blocks, and no bridge serves two threads' requests at once.

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

namespace shop::http {

/// What a bridge runs for one request: sends it from the bridge and sets
/// the reply handlers there.
struct bridge_job {
  std::function<void(caf::event_based_actor*)> run;
};

/// The bridges of one server run. Hidden actors (see ask()); they stop when
/// the pool is destroyed, after the server drained its requests.
class bridge_pool {
public:
  /// Spawns `count` bridges (at least one).
  bridge_pool(caf::actor_system& sys, size_t count);

  bridge_pool(const bridge_pool&) = delete;
  bridge_pool& operator=(const bridge_pool&) = delete;

  ~bridge_pool();

  /// The calling thread's bridge: threads take bridges in turn on their
  /// first request, so with one thread per bridge each has its own.
  const caf::actor& for_this_thread() const noexcept;

private:
  std::vector<caf::actor> bridges_;
};

} // namespace shop::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shop::http::bridge_job)
