// Every service refuses bad commands with a typed error and changes nothing.

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

BOOST_FIXTURE_TEST_SUITE(errors, fixture)

BOOST_AUTO_TEST_CASE(duplicate_email_is_case_insensitive) {
  register_ok("Carol@Example.com", "Carol");
  auto again = ask<user>(svc.users, registration("carol@example.COM", "C"));
  BOOST_REQUIRE(!again);
  BOOST_TEST(is(again.error(), errc::email_taken));
  BOOST_TEST(store->commits() > 0);
  auto next = register_ok("dave@example.com", "Dave");
  BOOST_TEST(next == 2); // the refused registration used no id
}

BOOST_AUTO_TEST_CASE(unknown_user_and_account) {
  auto u = ask<user>(svc.users, atom::get_v, user_id{42});
  BOOST_REQUIRE(!u);
  BOOST_TEST(is(u.error(), errc::user_not_found));
  auto acc = ask<account>(svc.billing, atom::balance_v, user_id{42});
  BOOST_REQUIRE(!acc);
  BOOST_TEST(is(acc.error(), errc::account_not_found));
  auto dep = ask<account>(svc.billing, deposit{42, units(5)});
  BOOST_REQUIRE(!dep);
  BOOST_TEST(is(dep.error(), errc::account_not_found));
}

BOOST_AUTO_TEST_CASE(payment_without_cover_changes_nothing) {
  auto id = register_ok("e@example.com", "E");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(10)}));
  auto p = ask<payment_outcome>(svc.billing, payment{id, units(11)});
  BOOST_REQUIRE(p);
  BOOST_TEST(p->result == payment_result::not_enough_money);
  BOOST_TEST(p->balance == units(10));
  p = ask<payment_outcome>(svc.billing, payment{id, units(10)});
  BOOST_REQUIRE(p);
  BOOST_TEST(p->result == payment_result::paid);
  BOOST_TEST(p->balance.cents() == 0);
  BOOST_TEST(ledger_of(id).size() == 2u);
}

BOOST_AUTO_TEST_CASE(non_positive_and_oversized_sums) {
  auto id = register_ok("f@example.com", "F");
  for (auto sum :
       {money{}, -units(1), money::from_cents(money::max_cents + 1)}) {
    auto dep = ask<account>(svc.billing, deposit{id, sum});
    BOOST_REQUIRE(!dep);
    BOOST_TEST(is(dep.error(), errc::invalid_argument));
    auto pay = ask<payment_outcome>(svc.billing, payment{id, sum});
    BOOST_REQUIRE(!pay);
    BOOST_TEST(is(pay.error(), errc::invalid_argument));
  }
  // Two deposits of the maximum would overflow the balance limit.
  auto max = money::from_cents(money::max_cents);
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, max}));
  auto over = ask<account>(svc.billing, deposit{id, units(1)});
  BOOST_REQUIRE(!over);
  BOOST_TEST(is(over.error(), errc::amount_too_large));
  BOOST_TEST(balance_of(id) == max);
}

BOOST_AUTO_TEST_CASE(orders_for_unknown_users_items_or_bad_quantities) {
  auto id = register_ok("g@example.com", "G");
  auto o = ask<order>(svc.orders, create_order{id + 1, 1, 1});
  BOOST_REQUIRE(!o);
  BOOST_TEST(is(o.error(), errc::user_not_found));
  o = ask<order>(svc.orders, create_order{id, 99, 1});
  BOOST_REQUIRE(!o);
  BOOST_TEST(is(o.error(), errc::item_not_found));
  for (int32_t q : {0, -1, 1001}) {
    o = ask<order>(svc.orders, create_order{id, 1, q});
    BOOST_REQUIRE(!o);
    BOOST_TEST(is(o.error(), errc::invalid_argument));
  }
  auto missing = ask<order>(svc.orders, atom::get_v, order_id{1});
  BOOST_REQUIRE(!missing);
  BOOST_TEST(is(missing.error(), errc::order_not_found));
  BOOST_TEST(messages().empty());
}

BOOST_AUTO_TEST_CASE(create_account_is_idempotent_and_checks_the_user) {
  auto id = register_ok("h@example.com", "H");
  auto opened = open_account(id);
  BOOST_REQUIRE(opened);
  BOOST_TEST(opened->second == false); // USER_CREATED opened it already
  auto unknown = open_account(id + 7);
  BOOST_REQUIRE(!unknown);
  BOOST_TEST(is(unknown.error(), errc::user_not_found));
  auto acc = ask<account>(svc.billing, atom::balance_v, id + 7);
  BOOST_TEST(!acc);
}

BOOST_AUTO_TEST_SUITE_END()
