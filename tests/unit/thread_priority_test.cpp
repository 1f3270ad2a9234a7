// worker_priority (actors/thread_priority.hpp): the threads the actor
// system starts run the configured number of steps below the thread that
// made the system, which keeps its own.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "actors/thread_priority.hpp"

namespace {

/// The nice value of the calling thread.
int my_nice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

/// An actor that answers with the nice value of the thread it runs on.
caf::behavior reports_nice() {
  return {[](caf::get_atom) { return my_nice(); }};
}

int nice_of(caf::actor_system& sys, caf::actor actor) {
  caf::scoped_actor self{sys};
  int result = -100;
  self->request(actor, caf::infinite, caf::get_atom_v)
    .receive([&](int x) { result = x; },
             [&](caf::error& err) {
               BOOST_FAIL("no answer: " << sys.render(err));
             });
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(thread_priority)

BOOST_AUTO_TEST_CASE(the_actor_systems_threads_run_below_the_caller) {
  auto before = my_nice();
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  auto expected = std::min(before + 7, 19);
  shop::lower_worker_priority(cfg, 7);
  caf::actor_system sys{cfg};
  // A scheduled actor (CAF's workers) and a detached one (its own thread,
  // as the services' workers and password hashers run).
  BOOST_TEST(nice_of(sys, sys.spawn(reports_nice)) == expected);
  BOOST_TEST(nice_of(sys, sys.spawn<caf::detached>(reports_nice)) == expected);
  // The caller's thread (the HTTP front's, in main) keeps its priority.
  BOOST_TEST(my_nice() == before);
}

BOOST_AUTO_TEST_CASE(zero_leaves_the_threads_as_they_are) {
  auto before = my_nice();
  caf::actor_system_config cfg;
  shop::lower_worker_priority(cfg, 0);
  caf::actor_system sys{cfg};
  BOOST_TEST(nice_of(sys, sys.spawn<caf::detached>(reports_nice)) == before);
}

BOOST_AUTO_TEST_SUITE_END()
