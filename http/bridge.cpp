#include "http/bridge.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace shop::http {

namespace {

caf::behavior bridge(caf::event_based_actor* self) {
  return {
    [self](bridge_job& job) { job.run(self); },
  };
}

/// Numbers the threads that ask, in the order of their first request.
size_t thread_number() noexcept {
  static std::atomic<size_t> next{0};
  thread_local size_t number = next.fetch_add(1, std::memory_order_relaxed);
  return number;
}

} // namespace

bridge_pool::bridge_pool(caf::actor_system& sys, size_t count) {
  bridges_.reserve(std::max<size_t>(count, 1));
  for (size_t i = 0; i < std::max<size_t>(count, 1); ++i)
    bridges_.push_back(sys.spawn<caf::hidden>(bridge));
}

bridge_pool::~bridge_pool() {
  for (auto& b : bridges_)
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

const caf::actor& bridge_pool::for_this_thread() const noexcept {
  return bridges_[thread_number() % bridges_.size()];
}

} // namespace shop::http
