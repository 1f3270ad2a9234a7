// The invariant checker can fail: a small consistent state (one user, one
// deposit, one paid order, every event delivered) passes, and each way of
// breaking it is reported under the invariant that promises otherwise.

#include <functional>
#include <string>

#include <boost/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/codec.hpp"
#include "actors/notifications.hpp"
#include "actors/system.hpp"
#include "actors/topics.hpp"
#include "actors/users.hpp"
#include "common/log.hpp"
#include "config.hpp"
#include "invariants.hpp"

using namespace shop;
using namespace shop::sim;

namespace {

money cents(int64_t n) {
  return money::from_cents(n);
}

/// Ways to break the consistent state.
struct tweaks {
  bool phantom_deposit = false;
  bool lost_deposit = false;
  bool pending_order = false;
  bool wrong_balance_after = false;
  bool two_answers = false;
  /// Acknowledged by the consumer but never applied (the symptom of an
  /// ack before commit).
  bool lost_after_ack = false;
  bool no_notification = false;
  bool charged_but_rejected = false;
};

template <class Event>
outbox_record outbox(const char* topic, Event e) {
  return outbox_record{e.seq, topic, encode(e), 0};
}

op_record answered(size_t id, op_kind kind, std::string answer) {
  op_record op;
  op.id = id;
  op.kind = kind;
  op.key = "k" + std::to_string(id);
  op.lanes.resize(1);
  op.lanes[0].attempts = 1;
  op.lanes[0].done = true;
  op.lanes[0].answer = std::move(answer);
  return op;
}

/// Writes the state (with `t` applied) to storage and the clients' view to
/// the journal, starts the services on it and runs the checker.
verdict check(const tweaks& t) {
  log::set_level(log::level::off);
  auto store = std::make_shared<memory_store>();
  auto repos = make_memory_repositories(store);
  world w{1};
  user u{1, "a@sim.test", "A"};
  order o{1, 1, 3, 1, cents(2500), order_status::paid, 0, 0};
  if (t.pending_order)
    o.status = order_status::pending;
  if (t.charged_but_rejected)
    o.status = order_status::rejected;
  // The clients' view.
  auto reg = answered(0, op_kind::register_user, render(u));
  reg.registered = u;
  reg.reg.email = u.email;
  reg.reg.name = u.name;
  reg.reg.password = "correct horse";
  reg.reg.idempotency_key = reg.key;
  w.journal.push_back(reg);
  auto dep = answered(1, op_kind::deposit, "account");
  dep.dep = deposit{1, cents(10001), dep.key};
  dep.deposited = account{1, cents(10001)};
  w.journal.push_back(dep);
  auto ord = answered(2, op_kind::order, "order");
  ord.ord = create_order{1, 3, 1, ord.key};
  ord.placed = order{1, 1, 3, 1, cents(2500), order_status::pending, 0, 0};
  w.journal.push_back(ord);
  if (t.lost_deposit) {
    auto lost = answered(3, op_kind::deposit, "account");
    lost.dep = deposit{1, cents(20003), lost.key};
    lost.deposited = account{1, cents(30004)};
    w.journal.push_back(lost);
  }
  if (t.two_answers) {
    w.journal[1].lanes.push_back(w.journal[1].lanes[0]);
    w.journal[1].lanes[1].answer = "something else";
  }
  // Storage, as the services would have committed it.
  users_changes uc;
  uc.created.push_back(u);
  uc.reliable.outbox.push_back(
    outbox(user_created_topic, user_created{1, u.id, u.email, u.name}));
  repos.users()->commit(uc);
  billing_changes bc;
  bc.opened.push_back(account{1, money{}});
  bc.entries.push_back(
    ledger_entry{1, 1, cents(10001), ledger_kind::deposit, 0, cents(10001), 0});
  auto balance = 10001;
  auto paid = o.status != order_status::rejected || t.charged_but_rejected;
  if (paid) {
    balance -= 2500;
    bc.entries.push_back(ledger_entry{2, 1, cents(-2500),
                                      ledger_kind::order_charge, 1,
                                      cents(balance), 0});
  }
  if (t.phantom_deposit) {
    balance += 777;
    bc.entries.push_back(ledger_entry{3, 1, cents(777), ledger_kind::deposit, 0,
                                      cents(balance), 0});
  }
  if (t.wrong_balance_after)
    bc.entries.back().balance_after = cents(balance + 1);
  order_processed done{1, 1, 1, cents(2500),
                       o.status == order_status::rejected
                         ? payment_result::not_enough_money
                         : payment_result::paid};
  if (!t.pending_order)
    bc.charges.push_back(done);
  bc.reliable.inbox = {{user_created_topic, 1}, {order_created_topic, 1}};
  if (!t.pending_order)
    bc.reliable.outbox.push_back(outbox(order_processed_topic, done));
  repos.billing()->commit(bc);
  orders_changes oc;
  oc.known_users.push_back(1);
  oc.created.push_back(o);
  oc.reliable.inbox = {{user_created_topic, 1},
                       {order_processed_topic, t.pending_order ? 0 : 1}};
  oc.reliable.outbox.push_back(
    outbox(order_created_topic, order_created{1, 1, 1, 3, 1, cents(2500)}));
  repos.orders()->commit(oc);
  notifications_changes nc;
  nc.recipients.push_back(u);
  if (!t.no_notification && !t.pending_order) {
    notification n = compose_notification(u, done);
    n.id = 1;
    nc.sent.push_back(n);
  }
  nc.reliable.inbox = {{user_created_topic, t.lost_after_ack ? 0 : 1},
                       {order_processed_topic, t.pending_order ? 0 : 1}};
  repos.notifications()->commit(nc);
  // Every event acknowledged and pruned.
  users_changes ack_users;
  ack_users.reliable.cursors
    = {{"billing", 1}, {"orders", 1}, {"notifications", 1}};
  ack_users.reliable.prune_outbox_through = 1;
  repos.users()->commit(ack_users);
  orders_changes ack_orders;
  ack_orders.reliable.cursors = {{"billing", 1}};
  ack_orders.reliable.prune_outbox_through = 1;
  repos.orders()->commit(ack_orders);
  if (!t.pending_order) {
    billing_changes ack_billing;
    ack_billing.reliable.cursors = {{"orders", 1}, {"notifications", 1}};
    ack_billing.reliable.prune_outbox_through = 1;
    repos.billing()->commit(ack_billing);
  }
  // The services start on that storage; the checker asks them too. Their
  // relays never get to run: the checker only reads.
  sim_config cfg;
  caf::actor_system sys{cfg};
  auto& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  service_options so;
  so.detached = false;
  so.catalog = sim_catalog();
  so.passwords.cost = hash_cost::minimum;
  w.svc = spawn_services(sys, repos, so);
  w.own_user = {1};
  sched.run();
  store_view db{store};
  verdict v;
  {
    api services{sys, sched};
    check_invariants(w, db, services, v);
  }
  stop_services(w.svc);
  sched.run();
  while (sched.has_pending_timeout()) {
    sched.trigger_timeouts();
    sched.run();
  }
  return v;
}

/// True if some violation is reported under `invariant`.
bool reports(const verdict& v, const std::string& invariant) {
  for (auto& x : v.violations)
    if (x.rfind("[" + invariant + "]", 0) == 0)
      return true;
  return false;
}

std::string all(const verdict& v) {
  std::string out;
  for (auto& x : v.violations)
    out += "\n  " + x;
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(invariant_checker)

BOOST_AUTO_TEST_CASE(a_consistent_state_passes) {
  auto v = check({});
  BOOST_TEST(v.violations.empty(), "unexpected violations:" << all(v));
  BOOST_TEST(v.checks > 20u);
}

BOOST_AUTO_TEST_CASE(each_break_is_reported) {
  struct expectation {
    const char* name;
    std::function<void(tweaks&)> apply;
    const char* invariant;
  };
  std::vector<expectation> cases{
    {"a deposit no client sent", [](tweaks& t) { t.phantom_deposit = true; },
     "money"},
    {"a deposit a client saw succeed is missing",
     [](tweaks& t) { t.lost_deposit = true; }, "money"},
    {"an order left pending", [](tweaks& t) { t.pending_order = true; },
     "orders"},
    {"a ledger entry with a wrong running balance",
     [](tweaks& t) { t.wrong_balance_after = true; }, "ledger"},
    {"one key, two answers", [](tweaks& t) { t.two_answers = true; },
     "idempotency"},
    {"an event acknowledged but not applied",
     [](tweaks& t) { t.lost_after_ack = true; }, "delivery"},
    {"an order without notification",
     [](tweaks& t) { t.no_notification = true; }, "notifications"},
    {"a rejected order that was charged",
     [](tweaks& t) { t.charged_but_rejected = true; }, "orders"},
    {"money out of thin air", [](tweaks& t) { t.phantom_deposit = true; },
     "conservation"},
  };
  for (auto& c : cases) {
    tweaks t;
    c.apply(t);
    auto v = check(t);
    BOOST_TEST(reports(v, c.invariant),
               c.name << ": expected [" << c.invariant << "], got:" << all(v));
  }
}

BOOST_AUTO_TEST_SUITE_END()
