// Duplicates, reordering, crashes and restarts: nothing doubled, nothing lost.

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

BOOST_FIXTURE_TEST_SUITE(resilience, fixture)

BOOST_AUTO_TEST_CASE(duplicate_order_created_charges_once) {
  auto id = register_ok("dup@example.com", "Dup");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(1000)}));
  auto o = ask<order>(svc.orders, create_order{id, 2, 1});
  BOOST_REQUIRE(o);
  BOOST_TEST(balance_of(id) == units(700));
  // Deliver the same ORDER_CREATED twice more, as a retrying relay would.
  order_created again{o->id, id, 2, 1, o->sum};
  for (int i = 0; i < 2; ++i) {
    self->send(svc.billing, again);
    sched.run();
  }
  BOOST_TEST(balance_of(id) == units(700));
  BOOST_TEST(ledger_of(id).size() == 2u);
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(late_or_duplicate_order_processed_is_ignored) {
  auto id = register_ok("late@example.com", "Late");
  auto o = ask<order>(svc.orders, create_order{id, 3, 1}); // rejected: 0 balance
  BOOST_REQUIRE(o);
  BOOST_TEST(order_of(o->id).status == order_status::rejected);
  // A contradicting, late ORDER_PROCESSED must not flip the final state.
  self->send(svc.orders, order_processed{o->id, id, o->sum, payment_result::paid});
  self->send(svc.notifications,
             order_processed{o->id, id, o->sum, payment_result::paid});
  sched.run();
  BOOST_TEST(order_of(o->id).status == order_status::rejected);
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(order_created_before_user_created_opens_account) {
  // Billing has never heard of user 77: the account opens on first touch and
  // the order is decided (rejected: a new account holds nothing).
  self->send(svc.billing, order_created{500, 77, 3, 1, units(25)});
  sched.run();
  BOOST_TEST(balance_of(77).cents() == 0);
  auto ledger = ledger_of(77);
  BOOST_TEST(ledger.empty());
}

BOOST_AUTO_TEST_CASE(failed_commit_restarts_service_without_losing_data) {
  auto id = register_ok("crash@example.com", "Crash");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(50)}));
  store->fail_next_commits(1);
  auto failed = ask<account>(svc.billing, deposit{id, units(20)});
  BOOST_REQUIRE(!failed);
  BOOST_TEST(is(failed.error(), errc::service_unavailable));
  // While the worker is down the supervisor answers at once.
  settle();
  // The restarted worker reloaded the committed balance: 50, not 70.
  BOOST_TEST(balance_of(id) == units(50));
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(20)}));
  BOOST_TEST(balance_of(id) == units(70));
  BOOST_TEST(ledger_of(id).size() == 2u);
}

BOOST_AUTO_TEST_CASE(requests_fail_fast_while_storage_is_down) {
  auto id = register_ok("down@example.com", "Down");
  store->set_unavailable(true);
  store->fail_next_commits(1);
  auto failed = ask<account>(svc.billing, deposit{id, units(20)});
  BOOST_REQUIRE(!failed);
  // The worker keeps failing to start; clients get an error, not silence.
  sched.run();
  sched.trigger_timeouts();
  sched.run();
  auto during = ask<account>(svc.billing, atom::balance_v, id);
  BOOST_REQUIRE(!during);
  BOOST_TEST(is(during.error(), errc::service_unavailable));
  store->set_unavailable(false);
  settle();
  BOOST_TEST(balance_of(id).cents() == 0);
}

BOOST_AUTO_TEST_CASE(state_survives_a_full_restart) {
  auto id = register_ok("persist@example.com", "Persist");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(500)}));
  auto o = ask<order>(svc.orders, create_order{id, 2, 1});
  BOOST_REQUIRE(o);
  stop_services(svc);
  sched.run();
  // A second system on the same committed store.
  service_options opts;
  opts.detached = false;
  opts.catalog = demo_catalog();
  svc = spawn_services(sys, make_memory_repositories(store), opts);
  sched.run();
  BOOST_TEST(balance_of(id) == units(200));
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(messages().size() == 1u);
  auto dup = ask<user>(svc.users, register_user{"PERSIST@example.com", "P"});
  BOOST_REQUIRE(!dup);
  BOOST_TEST(is(dup.error(), errc::email_taken));
  auto next = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE(next);
  BOOST_TEST(next->id == o->id + 1);
}

BOOST_AUTO_TEST_SUITE_END()
