// Every shape of redelivery, for every consumer of every topic: the same
// event under the same seq, the same event under a new seq (a publisher that
// lost its prune mark), an event before its predecessor, duplicates after
// the consumer restarted, and all of these mixed in one delivery. Each must be
// acknowledged (or, for a gap, refused) and applied exactly once, without the
// consumer ever restarting.
//
// The test is the publisher: the services' own traffic on the topic under
// test is held (fixture `holding`) or never happens, so the consumer's inbox
// mark is the test's to move.

#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// A consumer of one topic: how to make its two distinct events under any
/// seq, what its committed effects look like, and what they must be once
/// both events applied.
template <class Handle, class Event>
struct stream {
  Handle consumer;
  /// Event `which` (1 or 2) of the topic, sent under `seq`.
  std::function<Event(int64_t seq, int which)> event;
  /// The consumer's effects, as text (compared, and printed on failure).
  std::function<std::string()> observe;
  /// What `observe` must return once both events applied, each once.
  std::string applied_both;
};

std::string describe(const std::vector<ledger_entry>& xs) {
  std::string out;
  for (auto& x : xs)
    out += fmt::format("[#{} {} {} order {} -> {}]", x.id, to_string(x.amount),
                       to_string(x.kind), x.order, to_string(x.balance_after));
  return out;
}

std::string describe(const std::vector<notification>& xs) {
  std::string out;
  for (auto& x : xs)
    out += fmt::format("[#{} order {} to {}: {}]", x.id, x.order, x.email,
                       x.subject);
  return out;
}

std::string describe(const std::vector<user>& xs) {
  std::string out;
  for (auto& x : xs)
    out += fmt::format("[{} {} {}]", x.id, x.email, x.name);
  return out;
}

/// Walks a consumer through every shape of redelivery.
template <class Handle, class Event>
void check_every_shape(fixture& f, const stream<Handle, Event>& s) {
  auto acked = [&](int64_t seq, int which) {
    auto err = f.deliver(s.consumer, s.event(seq, which));
    BOOST_TEST(!err, "event " << which << " #" << seq
                              << " not acknowledged: " << f.sys.render(err));
  };
  auto worker = f.worker_of(s.consumer);
  auto before = s.observe();
  // Out of order: #2 before #1 is refused (the relay resends in order) and
  // changes nothing.
  auto gap = f.deliver(s.consumer, s.event(2, 2));
  BOOST_TEST(is(gap, errc::out_of_order), f.sys.render(gap));
  BOOST_TEST(s.observe() == before);
  acked(1, 1);
  auto once = s.observe();
  BOOST_TEST(once != before);
  // The same event under the same seq: the inbox drops it.
  acked(1, 1);
  BOOST_TEST(s.observe() == once);
  // The same event under a new seq: only the service's own logic can tell.
  acked(2, 1);
  BOOST_TEST(s.observe() == once);
  // The stream goes on after the repeat.
  acked(3, 2);
  BOOST_TEST(s.observe() == s.applied_both);
  BOOST_TEST(f.worker_of(s.consumer).id() == worker.id(),
             "the consumer restarted");
  // After a restart, from what storage kept: every shape again.
  f.crash(s.consumer);
  auto restarted = f.worker_of(s.consumer);
  BOOST_TEST(s.observe() == s.applied_both);
  acked(3, 2);
  acked(4, 2);
  acked(5, 1);
  auto late_gap = f.deliver(s.consumer, s.event(7, 1));
  BOOST_TEST(is(late_gap, errc::out_of_order), f.sys.render(late_gap));
  BOOST_TEST(s.observe() == s.applied_both);
  // Several events in one delivery, as a relay sends them. Duplicates and
  // repeats mixed: acknowledged, nothing changes.
  auto mixed
    = f.deliver(s.consumer, event_batch<Event>{s.event(5, 1), s.event(6, 2),
                                               s.event(7, 1)});
  BOOST_TEST(!mixed, f.sys.render(mixed));
  BOOST_TEST(s.observe() == s.applied_both);
  // A hole inside a delivery stops it there; what came before it applied,
  // so the next event is the one after it.
  auto holed
    = f.deliver(s.consumer, event_batch<Event>{s.event(8, 2), s.event(10, 1)});
  BOOST_TEST(is(holed, errc::out_of_order), f.sys.render(holed));
  acked(9, 1);
  // A delivery larger than any relay sends is refused whole.
  event_batch<Event> huge;
  for (int64_t seq = 10; seq <= 10 + static_cast<int64_t>(max_event_batch);
       ++seq)
    huge.push_back(s.event(seq, 2));
  auto too_many = f.deliver(s.consumer, huge);
  BOOST_TEST(is(too_many, errc::invalid_argument), f.sys.render(too_many));
  acked(10, 2);
  BOOST_TEST(s.observe() == s.applied_both);
  BOOST_TEST(f.worker_of(s.consumer).id() == restarted.id(),
             "the consumer restarted");
}

/// USER_CREATED for users 501 and 502, whom Users never heard of.
user_created new_user(int64_t seq, int which) {
  auto id = user_id{500 + which};
  return user_created{seq, id, fmt::format("u{}@example.com", id),
                      fmt::format("U{}", id)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(redelivery)

BOOST_FIXTURE_TEST_CASE(billing_order_created, fixture) {
  auto id = register_ok("charge@example.com", "Charge");
  BOOST_REQUIRE(ask<account>(svc.billing, deposit{id, units(1000)}));
  // Orders never publishes here: no order goes through it. Order 1 fits the
  // balance, order 2 does not.
  stream<billing_actor, order_created> s;
  s.consumer = svc.billing;
  s.event = [id](int64_t seq, int which) {
    return which == 1 ? order_created{seq, 1, id, 2, 1, units(300)}
                      : order_created{seq, 2, id, 1, 1, units(1500)};
  };
  s.observe = [&, id] {
    return fmt::format("balance {} ledger {} messages {}",
                       to_string(balance_of(id)), describe(ledger_of(id)),
                       describe(messages()));
  };
  s.applied_both = "balance 700 ledger [#1 1000 deposit order 0 -> 1000]"
                   "[#2 -300 order_charge order 1 -> 700] messages "
                   "[#2 order 2 to charge@example.com: Order #2 was rejected: "
                   "not enough money][#1 order 1 to charge@example.com: Order "
                   "#1 is paid]";
  check_every_shape(*this, s);
}

BOOST_FIXTURE_TEST_CASE(billing_user_created, held_user_events) {
  auto repos = make_memory_repositories(store);
  stream<billing_actor, user_created> s;
  s.consumer = svc.billing;
  s.event = new_user;
  s.observe = [repos] {
    std::string out;
    for (auto& acc : repos.billing()->load_accounts())
      out += fmt::format("[{} {}]", acc.user, to_string(acc.balance));
    return out;
  };
  s.applied_both = "[501 0][502 0]";
  check_every_shape(*this, s);
}

BOOST_FIXTURE_TEST_CASE(orders_order_processed, held_order_outcomes) {
  auto id = register_ok("outcome@example.com", "Outcome");
  auto paid = ask<order>(svc.orders, create_order{id, 3, 1});
  auto rejected = ask<order>(svc.orders, create_order{id, 2, 2});
  BOOST_REQUIRE(paid && rejected);
  stream<orders_actor, order_processed> s;
  s.consumer = svc.orders;
  s.event = [&](int64_t seq, int which) {
    return which == 1 ? order_processed{seq, paid->id, id, paid->sum,
                                        payment_result::paid}
                      : order_processed{seq, rejected->id, id, rejected->sum,
                                        payment_result::not_enough_money};
  };
  s.observe = [&] {
    return fmt::format("{} {}", to_string(order_of(paid->id).status),
                       to_string(order_of(rejected->id).status));
  };
  s.applied_both = "paid rejected";
  check_every_shape(*this, s);
}

BOOST_FIXTURE_TEST_CASE(orders_user_created, held_user_events) {
  auto repos = make_memory_repositories(store);
  stream<orders_actor, user_created> s;
  s.consumer = svc.orders;
  s.event = new_user;
  s.observe = [repos] {
    std::string out;
    for (auto user : repos.orders()->load_known_users())
      out += fmt::format("[{}]", user);
    return out;
  };
  s.applied_both = "[501][502]";
  check_every_shape(*this, s);
}

BOOST_FIXTURE_TEST_CASE(notifications_order_processed, held_order_outcomes) {
  auto id = register_ok("mail@example.com", "Mail");
  stream<notifications_actor, order_processed> s;
  s.consumer = svc.notifications;
  s.event = [id](int64_t seq, int which) {
    return which == 1
             ? order_processed{seq, 1, id, units(25), payment_result::paid}
             : order_processed{seq, 2, id, units(600),
                               payment_result::not_enough_money};
  };
  s.observe = [&] { return describe(messages()); };
  // Message ids without a gap: a repeat must not even draw an id.
  s.applied_both = "[#2 order 2 to mail@example.com: Order #2 was rejected: "
                   "not enough money][#1 order 1 to mail@example.com: Order "
                   "#1 is paid]";
  check_every_shape(*this, s);
}

BOOST_FIXTURE_TEST_CASE(notifications_user_created, held_user_events) {
  auto repos = make_memory_repositories(store);
  stream<notifications_actor, user_created> s;
  s.consumer = svc.notifications;
  s.event = new_user;
  s.observe
    = [repos] { return describe(repos.notifications()->load_recipients()); };
  s.applied_both = "[501 u501@example.com U501][502 u502@example.com U502]";
  check_every_shape(*this, s);
}

BOOST_AUTO_TEST_CASE(a_repeated_order_is_not_decided_again_after_restart) {
  // The repeat of an order already decided, under a new seq, reaching a
  // Billing that restarted in between: decided once, acknowledged, and the
  // outcome is not published a second time.
  fixture f;
  auto id = f.register_ok("again@example.com", "Again");
  BOOST_REQUIRE(f.ask<account>(f.svc.billing, deposit{id, units(25)}));
  auto o = f.ask<order>(f.svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE(o);
  BOOST_TEST(f.order_of(o->id).status == order_status::paid);
  f.crash(f.svc.billing);
  auto worker = f.worker_of(f.svc.billing);
  // Orders published ORDER_CREATED #1; the repeat comes as #2.
  auto err
    = f.deliver(f.svc.billing, order_created{2, o->id, id, 3, 1, o->sum});
  BOOST_TEST(!err, f.sys.render(err));
  BOOST_TEST(f.balance_of(id).cents() == 0);
  BOOST_TEST(f.ledger_of(id).size() == 2u);
  BOOST_TEST(f.messages().size() == 1u);
  BOOST_TEST(f.worker_of(f.svc.billing).id() == worker.id());
}

BOOST_AUTO_TEST_SUITE_END()
