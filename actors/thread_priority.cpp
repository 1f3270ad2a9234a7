#include "actors/thread_priority.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.hpp"

namespace shop {

void worker_priority::init(caf::actor_system&) {
  // Nothing to prepare: each thread sets its own priority when it starts.
}

void worker_priority::thread_started() {
  if (nice_ == 0)
    return;
  // PRIO_PROCESS with a thread id sets that thread's nice value only (Linux,
  // setpriority(2)); glibc has no wrapper for gettid before 2.30.
  auto tid = static_cast<id_t>(syscall(SYS_gettid));
  if (setpriority(PRIO_PROCESS, tid, nice_) != 0) {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true))
      log::warning("main",
                   "cannot lower the actor threads' priority to "
                   "nice {}: {}",
                   nice_, std::strerror(errno));
  }
}

void worker_priority::thread_terminates() {
  // The thread ends; its priority ends with it.
}

void lower_worker_priority(caf::actor_system_config& cfg, int nice) {
  cfg.add_thread_hook<worker_priority>(nice);
}

} // namespace shop
