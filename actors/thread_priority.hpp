#pragma once

// The scheduling priority of the threads the actor system starts (its
// scheduler's workers, the services' detached workers and password hashers,
// the middleman): below the HTTP front's I/O threads, which CAF does not
// start. On a machine whose cores are all busy (PostgreSQL, the services'
// commits, a load client), a refusal or a balance read then waits for no
// commit: the kernel runs the front's cheap, latency-bound work first, and
// the services keep a share of the CPU against anything else that runs
// (docs/performance.md, "Overload"; docs/deploy.md).

#include <caf/actor_system_config.hpp>
#include <caf/thread_hook.hpp>

namespace shop {

/// Lowers every thread CAF starts by `nice` steps (0..19; 0 leaves them as
/// they are) from the nice value it starts at (its creator's), at most to
/// 19. Linux applies nice per thread; lowering a thread's priority needs no
/// privilege. A failure is logged once and changes nothing else.
class worker_priority : public caf::thread_hook {
public:
  explicit worker_priority(int nice) noexcept : nice_(nice) {
  }

  void init(caf::actor_system&) override;
  void thread_started() override;
  void thread_terminates() override;

private:
  int nice_;
};

/// Installs worker_priority on `cfg` (before its actor system is made).
void lower_worker_priority(caf::actor_system_config& cfg, int nice);

} // namespace shop
