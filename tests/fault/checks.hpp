#pragma once

// The end of every fault test: wait until the system is idle, audit the
// database (storage/pg/audit.hpp), and compare what the clients were told
// with what the database holds and what the API answers.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "domain/types.hpp"
#include "fault/load.hpp"
#include "fault/retrying_client.hpp"
#include "storage/pg/audit.hpp"

namespace shop::test {

/// What a fault test reports at the end.
struct figures {
  size_t runs = 1;
  size_t kills = 0;
  size_t users = 0;
  size_t orders = 0;
  size_t deposits = 0;
  size_t payments = 0;
  size_t requests = 0;
  size_t retries = 0;
  size_t connection_errors = 0;
  size_t unavailable = 0;
  size_t audit_checks = 0;
  size_t audit_passed = 0;
  size_t cross_checks = 0;
  size_t cross_passed = 0;
};

inline std::ostream& operator<<(std::ostream& os, const figures& f) {
  return os << "runs " << f.runs << ", kills " << f.kills << ", users "
            << f.users << ", orders " << f.orders << ", deposits " << f.deposits
            << ", paid payments " << f.payments << ", requests " << f.requests
            << " (retried " << f.retries << ": " << f.connection_errors
            << " connection errors, " << f.unavailable
            << " 503s), invariant checks passed: audit " << f.audit_passed
            << "/" << f.audit_checks << ", client cross-checks "
            << f.cross_passed << "/" << f.cross_checks;
}

/// Waits (bounded) until nothing is in flight: no pending order, every
/// order decided and notified, every outbox drained. Then runs the full
/// audit and checks it.
inline pg::audit_report
quiesce_and_audit(const std::string& conninfo, figures& f,
                  std::chrono::seconds limit = std::chrono::seconds(60)) {
  pg::audit_report last;
  bool idle = eventually(
    [&] {
      last = pg::audit_database(conninfo, {false});
      const auto& c = last.counts;
      return c.orders_pending == 0 && c.outbox_backlog == 0
             && c.decisions == c.orders && c.notifications == c.orders;
    },
    limit);
  BOOST_TEST(idle, "the system did not quiesce within " << limit.count()
                                                        << " s:\n"
                                                        << pg::to_string(last));
  auto report = pg::audit_database(conninfo, {true});
  BOOST_TEST(report.ok(), pg::to_string(report));
  f.audit_checks += report.checks.size();
  f.audit_passed += report.passed();
  return report;
}

/// Records one cross-check between clients, database and API.
inline void cross(figures& f, bool ok) {
  ++f.cross_checks;
  if (ok)
    ++f.cross_passed;
}

/// What the clients were told, in the terms the database uses.
struct client_view {
  /// Registered users: id -> email.
  std::map<int64_t, std::string> users;
  /// Per user id: the deposits that succeeded, in cents.
  std::map<int64_t, std::vector<int64_t>> deposits;
  /// Per user id: the payments that were paid, in cents.
  std::map<int64_t, std::vector<int64_t>> payments;
  /// Orders created: id -> what the client asked for (id, user, item and
  /// quantity set).
  std::map<int64_t, order> orders;
  /// Requests sent with an Idempotency-Key that succeeded.
  size_t keyed_successes = 0;
  /// Unexpected answers and give-ups.
  std::vector<std::string> problems;
  /// Retry counters of the clients.
  size_t requests = 0;
  size_t sent = 0;
  size_t connection_errors = 0;
  size_t unavailable = 0;
};

/// Adds one definitive answer to a keyed deposit, payment or createOrder
/// to `view`.
inline void record(client_view& view, op_kind kind, int64_t user, money sum,
                   int64_t item, int quantity, const call_outcome& out) {
  if (out.gave_up)
    return;
  if (kind == op_kind::deposit && out.status == 200) {
    view.deposits[user].push_back(sum.cents());
    ++view.keyed_successes;
  } else if (kind == op_kind::payment && out.status == 200) {
    if (json::parse(out.body).value("result", "") == "paid")
      view.payments[user].push_back(sum.cents());
    ++view.keyed_successes;
  } else if (kind == op_kind::order && out.status == 201) {
    order o;
    o.id = json::parse(out.body).value("orderId", int64_t{0});
    o.user = user;
    o.item = item;
    o.quantity = quantity;
    view.orders.emplace(o.id, o);
    ++view.keyed_successes;
  }
}

/// What the clients of a load run were told.
inline client_view view_of(const workload& w, const load_driver& d) {
  client_view view;
  view.problems = d.problems();
  for (size_t u = 0; u < w.users.size(); ++u)
    if (d.user_ids[u] != 0) {
      view.users.emplace(d.user_ids[u], w.users[u].email);
      ++view.keyed_successes;
    }
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const auto& op = w.ops[i];
    record(view, op.kind, d.user_ids[op.user], op.sum, op.item, op.quantity,
           d.results[i]);
  }
  view.requests = w.requests();
  view.sent = d.stats.requests.load();
  view.connection_errors = d.stats.connection_errors.load();
  view.unavailable = d.stats.unavailable.load();
  return view;
}

/// Compares what the clients were told with the database and the API:
/// - every registration a client saw succeed is one user, and there are no
///   others;
/// - every deposit (payment) a client saw succeed (paid) is in the ledger
///   exactly once, and no other deposit (payment) is;
/// - every order a client saw created exists as the client asked, and there
///   are no others;
/// - the API reports each balance as the ledger sums it, each order's status
///   as stored, and exactly one message per order;
/// - one Idempotency-Key is stored per keyed request that succeeded.
/// GET through the API for a cross-check: a 503 (a service restarting, a
/// request timing out on a starved machine) says nothing about the data,
/// so it is retried for a while; any other answer is returned as it is.
inline http_response read_through_api(http_client& api,
                                      const std::string& target) {
  auto resp = api.get(target);
  eventually([&] {
    if (resp.status != 503)
      return true;
    resp = api.get(target);
    return resp.status != 503;
  });
  return resp;
}

/// Collects the first few mismatches of a cross-check, for its message.
struct mismatches {
  std::string text;
  size_t count = 0;

  void add(const std::string& what, const http_response& resp) {
    if (++count <= 5)
      text
        += "\n  " + what + ": " + std::to_string(resp.status) + " " + resp.body;
  }
};

inline void cross_check(const std::string& conninfo, client_view view,
                        http_client& api, figures& f,
                        const pg::audit_report& report) {
  BOOST_TEST(view.problems.empty(),
             view.problems.size()
               << " client problems, first: "
               << (view.problems.empty() ? "" : view.problems[0]));
  cross(f, view.problems.empty());
  // Users.
  auto users = pg::audit_users(conninfo);
  std::map<int64_t, std::string> stored_users;
  for (auto& u : users)
    stored_users.emplace(u.id, u.email);
  BOOST_TEST((stored_users == view.users),
             "users: " << stored_users.size() << " stored, clients saw "
                       << view.users.size() << " registered");
  cross(f, stored_users == view.users);
  // Ledger: deposits and payments per user, as sorted lists of amounts.
  std::map<int64_t, std::vector<int64_t>> stored_deposits, stored_payments;
  std::map<int64_t, int64_t> ledger_balance;
  for (auto& e : pg::audit_ledger(conninfo)) {
    ledger_balance[e.user] += e.amount.cents();
    if (e.kind == ledger_kind::deposit)
      stored_deposits[e.user].push_back(e.amount.cents());
    else if (e.kind == ledger_kind::payment)
      stored_payments[e.user].push_back(-e.amount.cents());
  }
  for (auto* m :
       {&stored_deposits, &stored_payments, &view.deposits, &view.payments})
    for (auto& entry : *m)
      std::sort(entry.second.begin(), entry.second.end());
  BOOST_TEST((stored_deposits == view.deposits),
             "the ledger's deposits differ from the ones clients saw succeed");
  cross(f, stored_deposits == view.deposits);
  BOOST_TEST((stored_payments == view.payments),
             "the ledger's payments differ from the ones clients saw paid");
  cross(f, stored_payments == view.payments);
  // Orders.
  auto orders = pg::audit_orders(conninfo);
  size_t orders_ok = 0;
  for (auto& o : orders) {
    auto i = view.orders.find(o.id);
    orders_ok += i != view.orders.end() && o.user == i->second.user
                 && o.item == i->second.item
                 && o.quantity == i->second.quantity;
  }
  BOOST_TEST(orders.size() == view.orders.size());
  cross(f, orders.size() == view.orders.size());
  BOOST_TEST(orders_ok == orders.size());
  cross(f, orders_ok == orders.size());
  BOOST_TEST(report.counts.idempotency_keys
             == static_cast<int64_t>(view.keyed_successes));
  cross(f, report.counts.idempotency_keys
             == static_cast<int64_t>(view.keyed_successes));
  // Through the API: balances, statuses, one message per order.
  size_t balances_ok = 0;
  mismatches wrong_balances;
  for (auto& [user, email] : view.users) {
    auto target = "/myBalance?userId=" + std::to_string(user);
    auto resp = read_through_api(api, target);
    bool ok = resp.status == 200
              && money_of(json::parse(resp.body)["balance"]).cents()
                   == ledger_balance[user];
    balances_ok += ok;
    if (!ok)
      wrong_balances.add(target + " (ledger "
                           + std::to_string(ledger_balance[user]) + ")",
                         resp);
  }
  BOOST_TEST(balances_ok == view.users.size(), wrong_balances.text);
  cross(f, balances_ok == view.users.size());
  size_t statuses_ok = 0;
  size_t messages_ok = 0;
  mismatches wrong_statuses;
  mismatches wrong_messages;
  for (auto& o : orders) {
    auto id = std::to_string(o.id);
    auto target = "/getOrder?orderId=" + id;
    auto resp = read_through_api(api, target);
    bool ok = resp.status == 200
              && json::parse(resp.body).value("status", "")
                   == to_string(o.status);
    statuses_ok += ok;
    if (!ok)
      wrong_statuses.add(target + " (stored " + to_string(o.status) + ")",
                         resp);
    target = "/getAllSentMessages?orderId=" + id;
    auto msgs = read_through_api(api, target);
    ok = msgs.status == 200 && json::parse(msgs.body).size() == 1;
    messages_ok += ok;
    if (!ok)
      wrong_messages.add(target, msgs);
  }
  BOOST_TEST(statuses_ok == orders.size(), wrong_statuses.text);
  cross(f, statuses_ok == orders.size());
  BOOST_TEST(messages_ok == orders.size(), wrong_messages.text);
  cross(f, messages_ok == orders.size());
  f.users = users.size();
  f.orders = orders.size();
  for (auto& entry : view.deposits)
    f.deposits += entry.second.size();
  for (auto& entry : view.payments)
    f.payments += entry.second.size();
  f.requests += view.requests;
  f.retries += view.sent - view.requests;
  f.connection_errors += view.connection_errors;
  f.unavailable += view.unavailable;
}

} // namespace shop::test
