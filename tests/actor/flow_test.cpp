// The event flow through all four services, on the deterministic scheduler.

#include <map>
#include <string>
#include <utility>
#include <vector>

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

namespace {

/// Deliveries and events that passed, by "topic/subscriber".
struct tally {
  std::map<std::string, std::pair<size_t, size_t>> by_stream;
};

template <class Event>
caf::result<void>
count_and_pass(caf::event_based_actor* self, tally& t, const std::string& key,
               const caf::actor& target, const event_batch<Event>& events) {
  auto& [deliveries, count] = t.by_stream[key];
  ++deliveries;
  count += events.size();
  auto rp = self->make_response_promise();
  self->request(target, caf::infinite, events)
    .then([rp]() mutable { rp.deliver(caf::unit); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Passes every delivery on to `target`, counting it.
caf::behavior counting(caf::event_based_actor* self, tally* t, std::string key,
                       caf::actor target) {
  return {
    [=](const event_batch<user_created>& xs) {
      return count_and_pass(self, *t, key, target, xs);
    },
    [=](const event_batch<order_created>& xs) {
      return count_and_pass(self, *t, key, target, xs);
    },
    [=](const event_batch<order_processed>& xs) {
      return count_and_pass(self, *t, key, target, xs);
    },
  };
}

/// All services, every delivery counted.
struct counted : fixture {
  static inline tally deliveries;

  static service_options options() {
    deliveries = tally{};
    auto opts = test_options();
    opts.wrap_subscriber = [](caf::actor_system& sys, const std::string& topic,
                              const std::string& subscriber,
                              caf::actor target) {
      return sys.spawn(counting, &deliveries, topic + "/" + subscriber,
                       std::move(target));
    };
    return opts;
  }

  counted() : fixture(options()) {
  }

  /// "deliveries/events" of a stream so far.
  std::string passed(const std::string& stream) {
    auto [requests, events] = deliveries.by_stream[stream];
    return std::to_string(requests) + "/" + std::to_string(events);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(delivery)

// What one commit makes deliverable reaches each subscriber in one request:
// eight orders placed together commit in one batch of Orders, so Billing
// gets their ORDER_CREATED in one delivery, decides them in one batch, and
// Orders and Notifications each get the eight outcomes in one delivery.
BOOST_FIXTURE_TEST_CASE(a_commit_is_delivered_at_once, counted) {
  auto id = register_ok("many@example.com", "Many");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(100)}));
  BOOST_TEST(passed("order_created/billing") == "0/0");
  constexpr size_t n = 8;
  std::vector<decltype(self->request(svc.orders, caf::infinite,
                                     create_order{}))>
    replies;
  for (size_t i = 0; i < n; ++i)
    replies.push_back(
      self->request(svc.orders, caf::infinite, create_order{id, 3, 1}));
  sched.run();
  for (auto& reply : replies)
    reply.receive([](const order&) {},
                  [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
  // Item 3 costs 25: four are paid, four rejected.
  std::map<order_status, size_t> outcomes;
  for (order_id o = 1; o <= static_cast<order_id>(n); ++o)
    ++outcomes[order_of(o).status];
  BOOST_TEST(outcomes[order_status::paid] == 4u);
  BOOST_TEST(outcomes[order_status::rejected] == 4u);
  BOOST_TEST(balance_of(id).cents() == 0);
  BOOST_TEST(messages().size() == n);
  BOOST_TEST(passed("order_created/billing") == "1/8");
  BOOST_TEST(passed("order_processed/orders") == "1/8");
  BOOST_TEST(passed("order_processed/notifications") == "1/8");
}

BOOST_AUTO_TEST_SUITE_END()
