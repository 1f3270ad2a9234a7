// The harness catches bugs: the services run with a deliberate bug
// (service_options::faults) and the simulation must report a violated
// invariant within a few seeds. Each bug is tried twice: with the audits
// (commits and acknowledgements watched as they happen) and with the
// end-state invariants alone, which is all a black-box check could see.
//
// What fires (see docs/reliability.md):
//   skip_dedup, audited       [applied-once]: a consumer re-applies a
//                             redelivered event (its inbox mark does not
//                             advance, a second message for an order, an
//                             order decided again).
//   skip_dedup, end state     Billing's second charge of an order violates
//                             the unique decision per order in storage: the
//                             commit fails, the worker restarts, the
//                             redelivery comes again: [restarts] beyond the
//                             injected faults, often a crash loop that never
//                             quiesces ([quiescence], orders left pending).
//                             Orders and Notifications are saved by natural
//                             keys (an order moves out of pending once,
//                             storage keeps one message per order): there a
//                             duplicate is invisible in the end state.
//   ack_before_commit, audited   [ack-after-commit]: an acknowledgement
//                             arrives while the effect is not committed.
//   ack_before_commit, end state an event acknowledged and then lost in a
//                             crash or a failed commit: the consumer's inbox
//                             mark stays behind ([delivery]) or the relay
//                             resends a gap forever ([quiescence]), orders
//                             stay pending ([orders], [notifications]).

#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include "driver.hpp"

using namespace shop;
using namespace shop::sim;

namespace {

struct detection {
  uint64_t scanned = 0;
  uint64_t caught = 0;
  /// First violated invariant -> scenarios.
  std::map<std::string, uint64_t> by_invariant;
  std::optional<scenario_result> first;

  std::string describe(const std::string& name) const {
    std::string out = name + ": caught in " + std::to_string(caught) + " of "
                      + std::to_string(scanned) + " seeds";
    if (first)
      out += ", first at seed " + std::to_string(first->seed) + " by "
             + first->violations.front();
    out += "; first invariant per caught seed:";
    for (auto& [inv, n] : by_invariant)
      out += " " + inv + " x" + std::to_string(n);
    return out;
  }
};

/// Runs `seeds` scenarios with the bug and tallies what caught it.
detection scan(fault_injection faults, bool audit, uint64_t seeds) {
  detection d;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    scenario_options opts;
    opts.seed = seed;
    opts.faults = faults;
    opts.audit = audit;
    auto res = run_scenario(opts);
    ++d.scanned;
    if (res.ok())
      continue;
    ++d.caught;
    ++d.by_invariant[res.first_invariant()];
    if (!d.first)
      d.first = std::move(res);
  }
  return d;
}

fault_injection skip_dedup() {
  fault_injection f;
  f.skip_dedup = true;
  return f;
}

fault_injection ack_before_commit() {
  fault_injection f;
  f.ack_before_commit = true;
  return f;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_detection)

BOOST_AUTO_TEST_CASE(skip_dedup_audited) {
  auto d = scan(skip_dedup(), true, 100);
  std::cout << d.describe("skip_dedup (audited)") << std::endl;
  BOOST_REQUIRE(d.first);
  BOOST_TEST(d.first->seed <= 10u);
  BOOST_TEST(d.by_invariant.count("applied-once") == 1u);
}

BOOST_AUTO_TEST_CASE(skip_dedup_end_state_only) {
  auto d = scan(skip_dedup(), false, 100);
  std::cout << d.describe("skip_dedup (end state only)") << std::endl;
  BOOST_REQUIRE(d.first);
  BOOST_TEST(d.first->seed <= 50u);
}

BOOST_AUTO_TEST_CASE(ack_before_commit_audited) {
  auto d = scan(ack_before_commit(), true, 100);
  std::cout << d.describe("ack_before_commit (audited)") << std::endl;
  BOOST_REQUIRE(d.first);
  BOOST_TEST(d.first->seed <= 10u);
  BOOST_TEST(d.by_invariant.count("ack-after-commit") == 1u);
}

BOOST_AUTO_TEST_CASE(ack_before_commit_end_state_only) {
  auto d = scan(ack_before_commit(), false, 100);
  std::cout << d.describe("ack_before_commit (end state only)") << std::endl;
  BOOST_REQUIRE(d.first);
  BOOST_TEST(d.first->seed <= 50u);
}

BOOST_AUTO_TEST_SUITE_END()
