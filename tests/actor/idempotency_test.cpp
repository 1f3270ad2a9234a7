// Idempotency-Keys: one effect per key, the original reply for retries, and
// a refusal for a different request under a used key.

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

BOOST_FIXTURE_TEST_SUITE(idempotency, fixture)

BOOST_AUTO_TEST_CASE(a_retried_deposit_lands_once) {
  auto id = register_ok("k@example.com", "K");
  auto first = ask<account>(svc.billing, deposit{id, units(100), "key-1"});
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(5)}));
  auto retry = ask<account>(svc.billing, deposit{id, units(100), "key-1"});
  BOOST_REQUIRE(retry);
  // The original reply (balance 100), not the current balance (105).
  BOOST_TEST(retry->balance == units(100));
  BOOST_TEST(balance_of(id) == units(105));
  BOOST_TEST(ledger_of(id).size() == 2u);
}

BOOST_AUTO_TEST_CASE(racing_requests_with_one_key_have_one_effect) {
  auto id = register_ok("race@example.com", "Race");
  // All three are in the mailbox before Billing runs: one batch.
  std::vector<decltype(self->request(svc.billing, caf::infinite, deposit{}))>
    handles;
  for (int i = 0; i < 3; ++i)
    handles.push_back(
      self->request(svc.billing, caf::infinite, deposit{id, units(7), "same"}));
  sched.run();
  for (auto& h : handles)
    h.receive([&](account& acc) { BOOST_TEST(acc.balance == units(7)); },
              [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
  BOOST_TEST(balance_of(id) == units(7));
  BOOST_TEST(ledger_of(id).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_key_reused_for_another_request_is_refused) {
  auto id = register_ok("reuse@example.com", "Reuse");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(10), "k"}));
  auto other = ask<account>(svc.billing, deposit{id, units(11), "k"});
  BOOST_REQUIRE(!other);
  BOOST_TEST(is(other.error(), errc::idempotency_key_reused));
  // Keys are scoped per endpoint: a payment may use the same key.
  auto pay = ask<payment_outcome>(svc.billing, payment{id, units(1), "k"});
  BOOST_REQUIRE(pay);
  BOOST_TEST(balance_of(id) == units(9));
}

BOOST_AUTO_TEST_CASE(register_and_create_order_replay_their_reply) {
  auto a = ask<user>(svc.users, registration("r@example.com", "R", "reg-1"));
  auto b = ask<user>(svc.users, registration("r@example.com", "R", "reg-1"));
  BOOST_REQUIRE(a && b);
  BOOST_TEST(a->id == b->id); // not email_taken: the same registration
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{a->id, units(50)}));
  auto o1 = ask<order>(svc.orders, create_order{a->id, 3, 1, "ord-1"});
  auto o2 = ask<order>(svc.orders, create_order{a->id, 3, 1, "ord-1"});
  BOOST_REQUIRE(o1 && o2);
  BOOST_TEST(o1->id == o2->id);
  BOOST_TEST(o2->status == order_status::pending); // the original reply
  BOOST_TEST(balance_of(a->id) == units(25));      // charged once
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(keys_survive_a_restart) {
  auto id = register_ok("keep@example.com", "Keep");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(3), "keep"}));
  stop_services(svc);
  sched.run();
  svc = spawn_services(sys, make_memory_repositories(store), test_options());
  sched.run();
  auto retry = ask<account>(svc.billing, deposit{id, units(3), "keep"});
  BOOST_REQUIRE(retry);
  BOOST_TEST(balance_of(id) == units(3));
}

BOOST_AUTO_TEST_CASE(a_refused_request_stores_no_key) {
  auto id = register_ok("none@example.com", "None");
  auto bad = ask<account>(svc.billing, deposit{id + 5, units(3), "x"});
  BOOST_REQUIRE(!bad);
  // The failure did not consume the key: another request may use it.
  auto good = ask<account>(svc.billing, deposit{id, units(3), "x"});
  BOOST_REQUIRE_MESSAGE(good, why(good));
  BOOST_TEST(balance_of(id) == units(3));
}

BOOST_AUTO_TEST_SUITE_END()
