#include "actors/thread_priority.hpp"

#include <algorithm>
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
  // PRIO_PROCESS with a thread id reads and sets that thread's nice value
  // only (Linux, setpriority(2)); glibc has no wrapper for gettid before
  // 2.30. A new thread starts at its creator's value, the process' (or
  // what the caller started it at): the offset is added to it, so that the
  // services stay below the front whatever the process was started at.
  auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  auto current = getpriority(PRIO_PROCESS, tid);
  if (current == -1 && errno != 0)
    current = 0;
  auto target = std::min(current + nice_, 19);
  if (target == current)
    return;
  if (setpriority(PRIO_PROCESS, tid, target) != 0) {
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
