// The deterministic simulation: many seeded scenarios of clients, chaos and
// crashes against all four services, each judged by the invariants
// (invariants.hpp). Options (environment):
//   ACTORSHOP_SIM_SCENARIOS=N   run N scenarios (default 1000)
//   ACTORSHOP_SIM_FIRST_SEED=S  the first seed (default 1)
//   ACTORSHOP_SIM_SEED=S        run exactly seed S (a replay)
//   ACTORSHOP_SIM_VERBOSE=1     print the run step by step
//   ACTORSHOP_SIM_FAULTS=skip_dedup,ack_before_commit   inject service bugs
//   ACTORSHOP_SIM_AUDIT=0       judge by end-state invariants only
//   ACTORSHOP_SIM_KEEP_GOING=1  run every scenario even after failures and
//                               print how many seeds caught a problem (the
//                               detection rate scripts/mutation.sh reports)

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include "driver.hpp"

using namespace shop;
using namespace shop::sim;

namespace {

std::string env(const char* name, const std::string& fallback = "") {
  auto* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string{value} : fallback;
}

uint64_t env_number(const char* name, uint64_t fallback) {
  auto text = env(name);
  return text.empty() ? fallback : std::stoull(text);
}

/// Options from the environment (faults, audit, verbosity).
scenario_options env_options() {
  scenario_options opts;
  auto faults = env("ACTORSHOP_SIM_FAULTS");
  opts.faults.skip_dedup = faults.find("skip_dedup") != std::string::npos;
  opts.faults.ack_before_commit = faults.find("ack_before_commit")
                                  != std::string::npos;
  opts.audit = env("ACTORSHOP_SIM_AUDIT", "1") != "0";
  opts.verbose = env("ACTORSHOP_SIM_VERBOSE", "0") != "0";
  return opts;
}

std::string summary(const scenario_stats& s, double seconds) {
  return "simulation: " + std::to_string(s.scenarios) + " scenarios, "
         + std::to_string(s.operations) + " operations ("
         + std::to_string(s.logins) + " logins, " + std::to_string(s.attempts)
         + " attempts), " + std::to_string(s.kills + s.failed_commits)
         + " crashes injected (" + std::to_string(s.kills) + " kills, "
         + std::to_string(s.failed_commits) + " failed commits), "
         + std::to_string(s.outages) + " storage outages, "
         + std::to_string(s.restarts) + " worker restarts, "
         + std::to_string(s.duplicates) + " duplicates delivered, "
         + std::to_string(s.delayed) + " delayed, "
         + std::to_string(s.republished) + " repeated under a new seq, "
         + std::to_string(s.dropped + s.acks_dropped) + " deliveries or acks "
         + "dropped, " + std::to_string(s.checks) + " invariant checks passed, "
         + std::to_string(seconds) + " s";
}

} // namespace

BOOST_AUTO_TEST_CASE(seeded_scenarios) {
  auto opts = env_options();
  auto single = env("ACTORSHOP_SIM_SEED");
  auto first = single.empty() ? env_number("ACTORSHOP_SIM_FIRST_SEED", 1)
                              : std::stoull(single);
  auto count = single.empty() ? env_number("ACTORSHOP_SIM_SCENARIOS", 1000) : 1;
  auto keep_going = env("ACTORSHOP_SIM_KEEP_GOING", "0") != "0";
  scenario_stats total;
  size_t failures = 0;
  auto started = std::chrono::steady_clock::now();
  for (auto seed = first; seed < first + count; ++seed) {
    opts.seed = seed;
    auto res = run_scenario(opts);
    total += res.stats;
    if (!res.ok()) {
      // A broken build fails every seed: a few reports say enough.
      if (++failures <= 5)
        BOOST_ERROR(res.report());
      if (failures == 5 && !keep_going)
        break;
    }
  }
  std::chrono::duration<double> took
    = std::chrono::steady_clock::now() - started;
  std::cout << summary(total, took.count()) << std::endl;
  if (keep_going)
    std::cout << "simulation: caught in " << failures << " of " << count
              << " seeds" << std::endl;
  BOOST_TEST(total.checks > 0u);
}

// A replay is exact: the same seed schedules the same actors in the same
// order, injects the same faults, tells clients the same things and ends in
// the same state.
BOOST_AUTO_TEST_CASE(same_seed_same_run) {
  for (uint64_t seed : {7u, 4242u}) {
    scenario_options opts;
    opts.seed = seed;
    auto a = run_scenario(opts);
    auto b = run_scenario(opts);
    BOOST_TEST(a.trace == b.trace);
    BOOST_TEST(a.stats.steps == b.stats.steps);
    BOOST_TEST(a.stats.operations == b.stats.operations);
    BOOST_TEST(a.stats.deliveries == b.stats.deliveries);
    BOOST_TEST(a.stats.checks == b.stats.checks);
    BOOST_TEST(a.violations == b.violations);
    BOOST_TEST(a.stats.steps > 0u);
  }
  scenario_options x;
  x.seed = 7;
  scenario_options y;
  y.seed = 8;
  BOOST_TEST(run_scenario(x).trace != run_scenario(y).trace);
}
