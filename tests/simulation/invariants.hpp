#pragma once

// The promises checked after every scenario, from committed storage and
// through the services' own APIs, against what the clients were told:
//   liveness       every operation got a definitive answer
//   answers        the expected successes and refusals; a double submit got
//                  the same answer twice; a reused key was refused
//   users          every registration a client saw exists, no other
//   logins         a successful login names the user who registered that
//                  email (any letter case), with that password; a login for
//                  an email no registration succeeded for is refused with
//                  invalid_credentials (the certain outcomes, such as the
//                  client's own login and a wrong password, are [answers])
//   ledger         every balance is the sum of its ledger, step by step,
//                  and never negative
//   deposits       every deposit a client saw succeed is in the ledger
//                  exactly once (with the balance the client was told), no
//                  other deposit is
//   payments       likewise for paid payments; a refused one left no entry
//   orders         every order a client saw exists, none other; each is paid
//                  or rejected; one charge entry equal to its sum if paid,
//                  none if rejected
//   notifications  exactly one per order, matching its outcome
//   boundaries     a payment or order of exactly the balance is paid and
//                  leaves zero, one cent more is refused (the edge client)
//   conservation   sum of balances = deposits - payments - paid orders
//   delivery       every event acknowledged by every subscriber and applied
//                  by it: no outbox backlog, cursors and inbox marks at the
//                  publisher's last seq
//   api            the services answer what storage holds

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include "storage/memory/memory_repositories.hpp"
#include "world.hpp"

namespace shop::sim {

/// Collects the outcome of every check.
struct verdict {
  std::vector<std::string> violations;
  uint64_t checks = 0;

  /// Counts a check; records "[invariant] message()" if it failed. The
  /// message is only built for failures.
  template <class Message>
  bool expect(bool ok, const char* invariant, Message&& message) {
    ++checks;
    if (!ok)
      violations.push_back(std::string{"["} + invariant + "] " + message());
    return ok;
  }
};

/// Plain repositories on the committed data (no audit, no faults).
struct store_view {
  explicit store_view(const std::shared_ptr<memory_store>& store);

  std::unique_ptr<users_repository> users;
  std::unique_ptr<billing_repository> billing;
  std::unique_ptr<orders_repository> orders;
  std::unique_ptr<notifications_repository> notifications;

  /// The committed reliability tables of the service called `name`.
  reliability_snapshot reliability(const std::string& name);
};

/// Asks the services synchronously once the system is quiet: sends the
/// request and runs the scheduler until the answer is there.
class api {
public:
  api(caf::actor_system& sys, caf::scheduler::test_coordinator& sched)
    : sys_(sys), sched_(sched), self_(sys) {
  }

  template <class R, class Handle, class... Ts>
  std::optional<caf::expected<R>> ask(const Handle& dest, Ts&&... xs) {
    auto handle = self_->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    for (size_t i = 0; i < 10'000 && sched_.has_job(); ++i)
      sched_.run_once();
    if (self_->mailbox().empty())
      return std::nullopt;
    std::optional<caf::expected<R>> result;
    handle.receive([&](R& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  std::string render(const caf::error& err) {
    return sys_.render(err);
  }

private:
  caf::actor_system& sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;
};

/// Checks every invariant; `w` holds what the clients were told.
void check_invariants(const world& w, store_view& db, api& services,
                      verdict& out);

/// A hash of the committed state, without wall-clock timestamps.
uint64_t digest(store_view& db);

} // namespace shop::sim
