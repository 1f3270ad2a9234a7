// Duplicates, reordering, crashes and restarts: nothing doubled, nothing lost.

#include <optional>
#include <set>
#include <string>

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

BOOST_FIXTURE_TEST_SUITE(resilience, fixture)

BOOST_AUTO_TEST_CASE(redelivered_order_created_charges_once) {
  auto id = register_ok("dup@example.com", "Dup");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(1000)}));
  auto o = ask<order>(svc.orders, create_order{id, 2, 1});
  BOOST_REQUIRE(o);
  BOOST_TEST(balance_of(id) == units(700));
  // Deliver ORDER_CREATED #1 twice more, as a retrying relay would: both are
  // acknowledged, neither changes anything.
  event_batch<order_created> again{{1, o->id, id, 2, 1, o->sum}};
  for (int i = 0; i < 2; ++i) {
    auto ack = self->request(svc.billing, caf::infinite, again);
    sched.run();
    BOOST_REQUIRE(!self->mailbox().empty());
    bool acked = false;
    ack.receive([&] { acked = true; },
                [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
    BOOST_TEST(acked);
  }
  BOOST_TEST(balance_of(id) == units(700));
  BOOST_TEST(ledger_of(id).size() == 2u);
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_event_beyond_the_next_is_refused) {
  auto id = register_ok("gap@example.com", "Gap");
  // Billing applied USER_CREATED #1; #3 cannot come before #2.
  auto ack = self->request(svc.billing, caf::infinite,
                           event_batch<user_created>{
                             {3, id + 2, "x@example.com", "X"}});
  sched.run();
  BOOST_REQUIRE(!self->mailbox().empty());
  std::optional<caf::error> refused;
  ack.receive([] {}, [&](caf::error& err) { refused = err; });
  BOOST_REQUIRE(refused);
  BOOST_TEST(is(*refused, errc::out_of_order));
  auto acc = ask<account>(svc.billing, atom::balance_v, id + 2);
  BOOST_TEST(!acc); // not applied, and Users does not know the user either
}

BOOST_AUTO_TEST_CASE(late_or_duplicate_order_processed_is_ignored) {
  auto id = register_ok("late@example.com", "Late");
  auto o
    = ask<order>(svc.orders, create_order{id, 3, 1}); // rejected: 0 balance
  BOOST_REQUIRE(o);
  BOOST_TEST(order_of(o->id).status == order_status::rejected);
  // A contradicting redelivery of ORDER_PROCESSED #1 must not flip the final
  // state, nor send a second message.
  order_processed late{1, o->id, id, o->sum, payment_result::paid};
  self->send(svc.orders, event_batch<order_processed>{late});
  self->send(svc.notifications, event_batch<order_processed>{late});
  sched.run();
  BOOST_TEST(order_of(o->id).status == order_status::rejected);
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(order_created_before_user_created_opens_account) {
  // Billing has never heard of user 77: the account opens on first touch and
  // the order is decided (rejected: a new account holds nothing).
  self->send(svc.billing,
             event_batch<order_created>{{1, 500, 77, 3, 1, units(25)}});
  sched.run();
  auto acc = ask<account>(svc.billing, atom::balance_v, user_id{77});
  BOOST_REQUIRE(acc);
  BOOST_TEST(acc->balance.cents() == 0);
  BOOST_TEST(ledger_of(77).empty());
}

BOOST_FIXTURE_TEST_CASE(serving_a_user_before_user_created_arrives,
                        held_user_events) {
  // No service learns of the user through USER_CREATED: Billing and Orders
  // must still serve it by asking Users, and Notifications find the address.
  auto id = register_ok("fast@example.com", "Fast");
  auto acc = ask<account>(svc.billing, deposit{id, units(40)});
  BOOST_REQUIRE_MESSAGE(acc, why(acc));
  BOOST_TEST(acc->balance == units(40));
  auto o = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE_MESSAGE(o, why(o));
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(balance_of(id) == units(15));
  auto sent = messages();
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(sent[0].email == "fast@example.com");
  // Strangers are still refused.
  auto stranger = ask<account>(svc.billing, deposit{id + 1, units(1)});
  BOOST_REQUIRE(!stranger);
  BOOST_TEST(is(stranger.error(), errc::account_not_found));
}

BOOST_FIXTURE_TEST_CASE(one_delivery_for_two_users_nobody_announced,
                        held_user_events) {
  // Two orders placed together commit in one batch of Orders, so their
  // outcomes reach Notifications in one delivery, for two users it has no
  // address of: it asks Users for each, in turn, and sends both messages.
  auto ann = register_ok("ann@example.com", "Ann");
  auto bob = register_ok("bob@example.com", "Bob");
  auto first
    = self->request(svc.orders, caf::infinite, create_order{ann, 3, 1});
  auto second
    = self->request(svc.orders, caf::infinite, create_order{bob, 3, 1});
  sched.run();
  for (auto* reply : {&first, &second})
    reply->receive([](const order&) {},
                   [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
  auto sent = messages();
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);
  std::set<std::string> to;
  for (auto& n : sent)
    to.insert(n.email);
  BOOST_TEST(
    (to == std::set<std::string>{"ann@example.com", "bob@example.com"}));
}

BOOST_AUTO_TEST_CASE(failed_commit_restarts_service_without_losing_data) {
  auto id = register_ok("crash@example.com", "Crash");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(50)}));
  store->fail_next_commits(1);
  auto failed = ask<account>(svc.billing, deposit{id, units(20)});
  BOOST_REQUIRE(!failed);
  BOOST_TEST(is(failed.error(), errc::storage_failure));
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
  opts.passwords.cost = hash_cost::minimum;
  svc = spawn_services(sys, make_memory_repositories(store), opts);
  sched.run();
  BOOST_TEST(balance_of(id) == units(200));
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(messages().size() == 1u);
  auto dup = ask<user>(svc.users, registration("PERSIST@example.com", "P"));
  BOOST_REQUIRE(!dup);
  BOOST_TEST(is(dup.error(), errc::email_taken));
  auto next = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE(next);
  BOOST_TEST(next->id == o->id + 1);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// USER_CREATED to Notifications disappears while the first Users worker
/// lives; its successors deliver normally.
struct lost_until_restart : fixture {
  static service_options options() {
    auto opts = test_options();
    auto spawned = std::make_shared<int>(0);
    opts.wrap_subscriber
      = [spawned](caf::actor_system& sys, const std::string& topic,
                  const std::string& subscriber, caf::actor target) {
          if (topic == "user_created" && subscriber == "notifications"
              && (*spawned)++ == 0)
            return sys.spawn(black_hole);
          return target;
        };
    return opts;
  }

  lost_until_restart() : fixture(options()) {
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_restarted_publisher_redelivers_what_was_not_acked,
                        lost_until_restart) {
  register_ok("one@example.com", "One");
  register_ok("two@example.com", "Two");
  auto repos = make_memory_repositories(store);
  BOOST_TEST(
    repos.notifications()->load_reliability().inbox.count("user_created")
    == 0u);
  // Kill the Users worker; its successor reloads the outbox.
  caf::actor worker;
  auto h = self->request(caf::actor_cast<caf::actor>(svc.users), caf::infinite,
                         atom::worker_v);
  sched.run();
  h.receive([&](caf::actor& x) { worker = x; },
            [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
  BOOST_REQUIRE(worker);
  caf::anon_send_exit(worker, caf::exit_reason::kill);
  settle();
  auto marks = repos.notifications()->load_reliability().inbox;
  BOOST_TEST(marks["user_created"] == 2);
  // Billing and Orders saw each event once; the redelivery was deduplicated.
  BOOST_TEST(repos.billing()->load_reliability().inbox["user_created"] == 2);
  BOOST_TEST(repos.users()->load_reliability().outbox.empty()); // all pruned
}
