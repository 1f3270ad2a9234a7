// The event flow through all four services, on the deterministic scheduler.

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

BOOST_FIXTURE_TEST_SUITE(flow, fixture)

BOOST_AUTO_TEST_CASE(user_created_opens_account_with_zero_balance) {
  auto id = register_ok("alice@example.com", "Alice");
  BOOST_TEST(id > 0);
  BOOST_TEST(balance_of(id).cents() == 0);
  auto u = ask<user>(svc.users, atom::get_v, id);
  BOOST_REQUIRE(u);
  BOOST_TEST(u->name == "Alice");
  BOOST_TEST(u->email == "alice@example.com");
}

BOOST_AUTO_TEST_CASE(the_whole_order_flow) {
  auto id = register_ok("bob@example.com", "Bob");
  auto acc = ask<account>(svc.billing, deposit{id, units(500)});
  BOOST_REQUIRE(acc);
  BOOST_TEST(acc->balance == units(500));
  // Item 2 costs 300: paid.
  auto o1 = ask<order>(svc.orders, create_order{id, 2, 1});
  BOOST_REQUIRE(o1);
  BOOST_TEST(o1->sum == units(300));
  BOOST_TEST(order_of(o1->id).status == order_status::paid);
  BOOST_TEST(balance_of(id) == units(200));
  auto sent = messages();
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(sent[0].order == o1->id);
  BOOST_TEST(sent[0].email == "bob@example.com");
  BOOST_TEST(sent[0].subject.find("paid") != std::string::npos);
  // Item 1 costs 1500: rejected, nothing charged.
  auto o2 = ask<order>(svc.orders, create_order{id, 1, 1});
  BOOST_REQUIRE(o2);
  BOOST_TEST(order_of(o2->id).status == order_status::rejected);
  BOOST_TEST(balance_of(id) == units(200));
  sent = messages();
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);
  BOOST_TEST(sent[0].order == o2->id); // newest first
  BOOST_TEST(sent[0].body.find("not enough") != std::string::npos);
  // The ledger explains the balance: +500, -300.
  auto ledger = ledger_of(id);
  BOOST_REQUIRE_EQUAL(ledger.size(), 2u);
  BOOST_TEST(ledger[0].amount == units(500));
  BOOST_TEST(ledger[1].amount == -units(300));
  BOOST_TEST(ledger[1].order == o1->id);
  BOOST_TEST(ledger[1].balance_after == units(200));
}

BOOST_AUTO_TEST_CASE(quantity_multiplies_the_price) {
  auto id = register_ok("q@example.com", "Q");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(100)}));
  auto o = ask<order>(svc.orders, create_order{id, 3, 4});
  BOOST_REQUIRE(o);
  BOOST_TEST(o->sum == units(100));
  BOOST_TEST(order_of(o->id).status == order_status::paid);
  BOOST_TEST(balance_of(id).cents() == 0);
}

BOOST_AUTO_TEST_CASE(notification_filters) {
  auto a = register_ok("a@example.com", "A");
  auto b = register_ok("b@example.com", "B");
  auto oa = ask<order>(svc.orders, create_order{a, 3, 1});
  auto ob = ask<order>(svc.orders, create_order{b, 3, 1});
  BOOST_REQUIRE(oa && ob);
  BOOST_TEST(messages().size() == 2u);
  auto only_b = messages(notification_filter{b, 0, 100});
  BOOST_REQUIRE_EQUAL(only_b.size(), 1u);
  BOOST_TEST(only_b[0].order == ob->id);
  auto only_oa = messages(notification_filter{0, oa->id, 100});
  BOOST_REQUIRE_EQUAL(only_oa.size(), 1u);
  BOOST_TEST(only_oa[0].user == a);
  BOOST_TEST(messages(notification_filter{0, 0, 1}).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
