// Billing's read model (actors/balance_view.hpp): it shows what Billing
// committed, no more and no sooner than the reply that tells a client.

#include <vector>

#include "actors/balance_view.hpp"
#include "actors/unit_of_work.hpp"
#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// A batch with nothing in it: unit_of_work only asks whether it is empty.
struct no_changes {
  bool empty() const noexcept {
    return true;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(the_commit_hook_runs_before_every_waiter) {
  unit_of_work<no_changes> uow;
  std::vector<int> order;
  uow.on_committed([&] { order.push_back(0); });
  uow.then([&] { order.push_back(1); }, nullptr);
  uow.then([&] { order.push_back(2); }, nullptr);
  uow.committed();
  BOOST_TEST(order == (std::vector<int>{0, 1, 2}));
  // A failed batch is not committed: the hook stays silent.
  uow.then([&] { order.push_back(3); }, [&](const caf::error&) {});
  uow.failed(caf::make_error(errc::storage_failure));
  BOOST_TEST(order.size() == 3u);
}

BOOST_FIXTURE_TEST_SUITE(read_model, fixture)

BOOST_AUTO_TEST_CASE(the_read_model_holds_committed_balances_only) {
  BOOST_REQUIRE(svc.balances);
  auto& view = *svc.balances;
  auto id = register_ok("model@example.com", "Model");
  settle();
  // USER_CREATED opened the account.
  BOOST_TEST((view.find(id) == money{}));
  BOOST_TEST(!view.find(id + 1));
  auto acc = ask<account>(svc.billing, deposit{id, units(50)});
  BOOST_REQUIRE(acc);
  BOOST_TEST((view.find(id) == acc->balance));
  BOOST_TEST((view.find(id) == units(50)));
  // A deposit whose commit fails never shows, not even for a moment: the
  // restarted worker republishes what storage holds.
  store->fail_next_commits(1);
  BOOST_REQUIRE(!ask<account>(svc.billing, deposit{id, units(20)}));
  BOOST_TEST((view.find(id) == units(50)));
  settle();
  BOOST_TEST((view.find(id) == units(50)));
  BOOST_REQUIRE(ask<payment_outcome>(svc.billing, payment{id, units(5)}));
  BOOST_TEST((view.find(id) == units(45)));
  // An order charge (ORDER_CREATED -> Billing) shows once decided.
  auto o = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE(o);
  settle();
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST((view.find(id) == units(20)));
  BOOST_TEST((view.find(id) == balance_of(id)));
}

BOOST_AUTO_TEST_CASE(a_restarted_billing_republishes_every_balance) {
  auto id = register_ok("again@example.com", "Again");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(7)}));
  crash(svc.billing);
  BOOST_TEST((svc.balances->find(id) == units(7)));
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(1)}));
  BOOST_TEST((svc.balances->find(id) == units(8)));
}

BOOST_AUTO_TEST_SUITE_END()
