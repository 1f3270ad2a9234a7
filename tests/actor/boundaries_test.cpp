// Every comparison that decides money, at its boundary: exactly enough and
// one cent short, exactly the maximum and one cent over, quantity 1 and more
// on both outcomes. "Nothing moves" means the balance, the ledger and the
// published outcome all say so.

#include <string>
#include <vector>

#include "actors/orders.hpp"
#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

namespace {

money cents(money::rep n) {
  return money::from_cents(n);
}

constexpr auto max = money::max_cents;

/// The demo catalog plus two items priced at a quarter of the maximum sum,
/// exactly (9) and one cent above (10): four of 9 cost exactly the maximum.
service_options big_catalog() {
  auto opts = fixture::test_options();
  opts.catalog.push_back({9, "Quarter", cents(max / 4)});
  opts.catalog.push_back({10, "Quarter+", cents(max / 4 + 1)});
  return opts;
}

struct money_fixture : fixture {
  money_fixture() : fixture(big_catalog()) {
  }

  /// A new user holding `funds` (nothing deposited for zero).
  user_id user_with(money funds) {
    auto id = register_ok("u" + std::to_string(++users_) + "@example.com", "U");
    if (funds.is_positive()) {
      auto acc = ask<account>(svc.billing, deposit{id, funds});
      BOOST_REQUIRE_MESSAGE(acc, why(acc));
      BOOST_REQUIRE(acc->balance == funds);
    }
    return id;
  }

  caf::expected<payment_outcome> pay(user_id id, money sum) {
    return ask<payment_outcome>(svc.billing, payment{id, sum});
  }

  /// Places an order and returns it as Orders has it once decided.
  order place(user_id id, item_id item, int32_t quantity) {
    auto o = ask<order>(svc.orders, create_order{id, item, quantity});
    BOOST_REQUIRE_MESSAGE(o, why(o));
    return order_of(o->id);
  }

  /// The one message about `o`.
  notification message_of(const order& o) {
    auto xs = messages(notification_filter{0, o.id, 10});
    BOOST_REQUIRE_EQUAL(xs.size(), 1u);
    return xs.front();
  }

  /// Checks an order was paid: charged once, exactly its sum.
  void check_paid(user_id id, const order& o, money before) {
    BOOST_TEST(o.status == order_status::paid);
    BOOST_TEST(balance_of(id).cents() == before.cents() - o.sum.cents());
    auto ledger = ledger_of(id);
    BOOST_REQUIRE(!ledger.empty());
    auto& last = ledger.back();
    BOOST_TEST(last.kind == ledger_kind::order_charge);
    BOOST_TEST(last.order == o.id);
    BOOST_TEST(last.amount == -o.sum);
    BOOST_TEST(message_of(o).subject.find("is paid") != std::string::npos);
  }

  /// Checks an order was rejected and nothing moved.
  void check_rejected(user_id id, const order& o, money before,
                      size_t ledger_size) {
    BOOST_TEST(o.status == order_status::rejected);
    BOOST_TEST(balance_of(id) == before);
    BOOST_TEST(ledger_of(id).size() == ledger_size);
    BOOST_TEST(message_of(o).subject.find("rejected") != std::string::npos);
  }

  int users_ = 0;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(money_boundaries, money_fixture)

// -- payments -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(payment_of_exactly_the_balance_is_paid) {
  auto id = user_with(units(10));
  auto r = pay(id, units(10));
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->result == payment_result::paid);
  BOOST_TEST(r->balance.cents() == 0);
  BOOST_TEST(balance_of(id).cents() == 0);
  auto ledger = ledger_of(id);
  BOOST_REQUIRE_EQUAL(ledger.size(), 2u);
  BOOST_TEST(ledger[1].amount == -units(10));
  BOOST_TEST(ledger[1].balance_after.cents() == 0);
}

BOOST_AUTO_TEST_CASE(payment_one_cent_over_the_balance_moves_nothing) {
  auto id = user_with(units(10));
  auto r = pay(id, cents(1001));
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->result == payment_result::not_enough_money);
  BOOST_TEST(r->balance == units(10));
  BOOST_TEST(balance_of(id) == units(10));
  BOOST_TEST(ledger_of(id).size() == 1u);
  // One cent less than the balance is paid and leaves exactly one cent.
  r = pay(id, cents(999));
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->result == payment_result::paid);
  BOOST_TEST(balance_of(id).cents() == 1);
}

BOOST_AUTO_TEST_CASE(payment_from_an_empty_account_moves_nothing) {
  auto id = user_with(money{});
  auto r = pay(id, cents(1));
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->result == payment_result::not_enough_money);
  BOOST_TEST(balance_of(id).cents() == 0);
  BOOST_TEST(ledger_of(id).empty());
}

BOOST_AUTO_TEST_CASE(
  payment_and_deposit_sums_must_be_positive_and_at_most_max) {
  auto id = user_with(cents(max));
  for (auto sum : {money::rep{0}, money::rep{-1}, -max, max + 1}) {
    auto d = ask<account>(svc.billing, deposit{id, cents(sum)});
    BOOST_REQUIRE(!d);
    BOOST_TEST(is(d.error(), errc::invalid_argument), sum << ": " << why(d));
    auto p = pay(id, cents(sum));
    BOOST_REQUIRE(!p);
    BOOST_TEST(is(p.error(), errc::invalid_argument), sum << ": " << why(p));
  }
  BOOST_TEST(balance_of(id).cents() == max);
  BOOST_TEST(ledger_of(id).size() == 1u);
  // The largest sum is a valid payment: all of it.
  auto r = pay(id, cents(max));
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->result == payment_result::paid);
  BOOST_TEST(balance_of(id).cents() == 0);
}

// -- deposits -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(deposits_reach_exactly_the_maximum_balance) {
  auto id = user_with(cents(max - 1));
  auto acc = ask<account>(svc.billing, deposit{id, cents(1)});
  BOOST_REQUIRE_MESSAGE(acc, why(acc));
  BOOST_TEST(acc->balance.cents() == max);
  // One cent over: refused, nothing moves.
  auto over = ask<account>(svc.billing, deposit{id, cents(1)});
  BOOST_REQUIRE(!over);
  BOOST_TEST(is(over.error(), errc::amount_too_large), why(over));
  BOOST_TEST(balance_of(id).cents() == max);
  BOOST_TEST(ledger_of(id).size() == 2u);
}

BOOST_AUTO_TEST_CASE(
  a_deposit_one_cent_over_the_maximum_balance_moves_nothing) {
  auto id = user_with(units(1));
  auto over = ask<account>(svc.billing, deposit{id, cents(max)});
  BOOST_REQUIRE(!over);
  BOOST_TEST(is(over.error(), errc::amount_too_large), why(over));
  BOOST_TEST(balance_of(id) == units(1));
  BOOST_TEST(ledger_of(id).size() == 1u);
  auto fits = ask<account>(svc.billing, deposit{id, cents(max - 100)});
  BOOST_REQUIRE_MESSAGE(fits, why(fits));
  BOOST_TEST(fits->balance.cents() == max);
}

// -- order charges ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_order_of_exactly_the_balance_is_paid) {
  auto id = user_with(units(25));
  auto o = place(id, 3, 1);
  BOOST_TEST(o.sum == units(25));
  check_paid(id, o, units(25));
  BOOST_TEST(balance_of(id).cents() == 0);
}

BOOST_AUTO_TEST_CASE(an_order_one_cent_over_the_balance_is_rejected) {
  auto id = user_with(cents(2499));
  auto o = place(id, 3, 1);
  check_rejected(id, o, cents(2499), 1);
}

BOOST_AUTO_TEST_CASE(several_of_an_item_cost_quantity_times_the_price) {
  // Paid: exactly the balance for three books.
  auto rich = user_with(units(75));
  auto paid = place(rich, 3, 3);
  BOOST_TEST(paid.quantity == 3);
  BOOST_TEST(paid.sum == units(75));
  check_paid(rich, paid, units(75));
  BOOST_TEST(balance_of(rich).cents() == 0);
  // Rejected: one cent short of three books, though enough for two.
  auto poor = user_with(cents(7499));
  auto rejected = place(poor, 3, 3);
  BOOST_TEST(rejected.sum == units(75));
  check_rejected(poor, rejected, cents(7499), 1);
  BOOST_TEST(message_of(rejected).body.find("75") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_order_on_an_empty_account_is_rejected) {
  auto id = user_with(money{});
  auto o = place(id, 3, 2);
  check_rejected(id, o, money{}, 0);
}

BOOST_AUTO_TEST_CASE(orders_charge_the_remaining_balance_to_zero) {
  // Two orders in a row, the second costing exactly what the first left.
  auto id = user_with(units(325));
  auto first = place(id, 2, 1);
  check_paid(id, first, units(325));
  auto second = place(id, 3, 1);
  check_paid(id, second, units(25));
  auto third = place(id, 3, 1);
  check_rejected(id, third, money{}, 3);
}

BOOST_AUTO_TEST_CASE(order_quantities_are_one_to_a_thousand) {
  auto id = user_with(money{});
  for (auto quantity : {0, -1, max_quantity + 1}) {
    auto o = ask<order>(svc.orders, create_order{id, 3, quantity});
    BOOST_REQUIRE(!o);
    BOOST_TEST(is(o.error(), errc::invalid_argument), quantity);
  }
  BOOST_TEST(messages().empty());
  auto most = place(id, 3, max_quantity);
  BOOST_TEST(most.sum == units(25 * max_quantity));
  auto one = place(id, 3, 1);
  BOOST_TEST(one.id == most.id + 1); // the refused ones took no id
}

BOOST_AUTO_TEST_CASE(an_order_sum_of_exactly_the_maximum_is_charged) {
  auto id = user_with(cents(max));
  auto o = place(id, 9, 4);
  BOOST_TEST(o.sum.cents() == max);
  check_paid(id, o, cents(max));
  BOOST_TEST(balance_of(id).cents() == 0);
}

BOOST_AUTO_TEST_CASE(an_order_sum_one_cent_over_the_maximum_is_refused) {
  auto id = user_with(cents(max));
  auto over = ask<order>(svc.orders, create_order{id, 10, 4});
  BOOST_REQUIRE(!over);
  BOOST_TEST(is(over.error(), errc::amount_too_large), why(over));
  auto three = place(id, 10, 3); // three still fit
  BOOST_TEST(three.sum.cents() == 3 * (max / 4 + 1));
  BOOST_TEST(three.id == 1); // the refused one took no id
  check_paid(id, three, cents(max));
  BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
