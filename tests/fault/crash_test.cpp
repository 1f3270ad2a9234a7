// Crash test: clients drive load over HTTP (hundreds of users, thousands of
// deposits and orders, every request with an Idempotency-Key and retried
// with it, as a real client does) while the server is killed with SIGKILL at
// random moments and restarted on the same database. Once the load is done
// (one more kill right after it) and the system idle, the database and the
// API must show exactly what the clients were told: nothing lost, nothing
// doubled, money conserved.
//
// ACTORSHOP_FAULT_SEED repeats a workload and its kill points;
// ACTORSHOP_FAULT_USERS and ACTORSHOP_FAULT_KILLS make it bigger.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "fault/fault_support.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// What the services reported unfinished when they (re)started.
struct unfinished {
  size_t events = 0;
  size_t pending_orders = 0;
};

/// Waits until the four services logged "ready" and adds up what they
/// reloaded: "N events to deliver", "N pending orders".
unfinished wait_for_ready_lines(actorshop_process& proc) {
  std::string log;
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos;
         pos = text.find(what, pos + 1))
      ++n;
    return n;
  };
  bool ready = eventually([&] {
    log = proc.log();
    return count(log, "] ready: ") >= 4;
  });
  BOOST_TEST(ready, "the services did not all log 'ready'; log:\n" << log);
  unfinished u;
  static const std::regex events{R"((\d+) events to deliver)"};
  static const std::regex pending{R"((\d+) pending orders)"};
  for (std::sregex_iterator i{log.begin(), log.end(), events}, end; i != end;
       ++i)
    u.events += std::stoul((*i)[1]);
  for (std::sregex_iterator i{log.begin(), log.end(), pending}, end; i != end;
       ++i)
    u.pending_orders += std::stoul((*i)[1]);
  return u;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_crash)

BOOST_FIXTURE_TEST_CASE(kill_9_under_load_loses_and_doubles_nothing,
                        server_fixture) {
  auto seed = fault_seed();
  std::cout << "crash test: seed " << seed << std::endl;
  BOOST_TEST_MESSAGE("seed " << seed);
  workload_size size;
  size.users = env_number("ACTORSHOP_FAULT_USERS", 300);
  auto kills = env_number("ACTORSHOP_FAULT_KILLS", 5);
  auto w = make_workload(seed, "crash" + std::to_string(seed), size);
  // Kill points: random shares of the requests answered, in (5%, 95%), so
  // that every kill lands in the middle of the load.
  std::mt19937_64 rng{seed ^ 0x9e3779b97f4a7c15ULL};
  std::vector<size_t> kill_at;
  for (size_t i = 0; i < kills; ++i)
    kill_at.push_back(w.requests() * (5 + rng() % 90) / 100);
  std::sort(kill_at.begin(), kill_at.end());

  figures f;
  size_t reloaded_events = 0;
  size_t reloaded_pending = 0;
  // Starts again on the same database and port, and counts what the
  // services found unfinished: committed events no subscriber had
  // acknowledged yet, and orders still pending.
  auto restart = [&] {
    start(); // waits until /health answers
    ++f.runs;
    auto found = wait_for_ready_lines(*proc);
    reloaded_events += found.events;
    reloaded_pending += found.pending_orders;
    std::cout << "crash test: restarted; the services reloaded " << found.events
              << " unacknowledged events and " << found.pending_orders
              << " pending orders" << std::endl;
  };
  load_driver load{w, "127.0.0.1", port, 8, seed};
  load.start();
  for (auto at : kill_at) {
    // At least 1% of the load between two kills, so each lands under load
    // and not in the start-up of the previous run.
    auto target = std::max(at, load.done() + w.requests() / 100);
    bool reached = eventually([&] { return load.done() >= target; },
                              std::chrono::seconds(120));
    BOOST_TEST_REQUIRE(reached, "load stalled at " << load.done() << " of "
                                                   << load.total()
                                                   << " requests; log:\n"
                                                   << proc->log());
    auto rc = proc->stop(SIGKILL);
    BOOST_TEST(rc == 128 + SIGKILL);
    ++f.kills;
    std::cout << "crash test: kill -9 #" << f.kills << " after " << load.done()
              << " of " << load.total() << " requests" << std::endl;
    restart();
  }
  load.join();
  // One more kill right after the last answer, while events are still on
  // their way: the restarted services must finish delivering them with no
  // request to nudge them.
  proc->stop(SIGKILL);
  ++f.kills;
  std::cout << "crash test: kill -9 #" << f.kills << " right after the load"
            << std::endl;
  restart();
  auto report = quiesce_and_audit(db.conninfo(), f);
  cross_check(db.conninfo(), view_of(w, load), client, f, report);
  std::cout << "crash test figures: " << f << "; after the restarts the "
            << "services reloaded " << reloaded_events
            << " unacknowledged events and " << reloaded_pending
            << " pending orders\n  " << pg::to_string(report) << std::endl;
  BOOST_TEST(f.kills == kills + 1);
  // The load really crossed the kills: clients had to retry.
  BOOST_TEST(f.retries > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
