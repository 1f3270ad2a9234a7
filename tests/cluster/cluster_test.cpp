// The same binary as a cluster: five (then six) processes on 127.0.0.1, one
// per service and one or two HTTP fronts, on the shared test PostgreSQL. The
// flow of the first issue through every front; then kill -9 of the billing
// node while orders are pending, of the notifications node under load, and
// of an HTTP front under load; each restarted on its ports. At the end the
// database audit and the client cross-checks of the fault suite: every
// order decided once, balances equal to the ledger, one notification per
// order, nothing lost, nothing doubled. The clients are users: each
// registers with a password, logs in at a front and sends its requests with
// its token, which every front accepts (they share the token key).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <string>

#include "cluster/cluster_support.hpp"

using namespace shop;
using namespace shop::test;
using namespace std::chrono_literals;

namespace {

/// A client of one front that records, like the fault suite's load, what
/// it was told; every command carries an Idempotency-Key and is retried.
/// Its users register with a password and log in; each user's requests
/// carry that user's token.
class recording_client {
public:
  recording_client(uint16_t port, std::string tag)
    : port_(port), tag_(std::move(tag)) {
  }

  client_view view;
  retry_stats stats;

  /// POSTs with a key of its own and `bearer` (empty: none), retried.
  call_outcome post(const std::string& path, const json& body,
                    const std::string& bearer) {
    auto key = tag_ + "-" + std::to_string(++n_);
    return post_with_retries("127.0.0.1", port_, path, body.dump(), key, bearer,
                             stats, std::chrono::seconds(60));
  }

  /// Registers `email` and logs in as that user.
  int64_t register_user(const std::string& email) {
    auto password = "password of " + email;
    auto out = post("/register",
                    json{{"email", email},
                         {"name", "N " + email},
                         {"password", password}},
                    "");
    BOOST_TEST_REQUIRE(out.status == 201, out.body);
    auto id = json::parse(out.body).value("userId", int64_t{0});
    view.users.emplace(id, email);
    ++view.keyed_successes;
    auto login
      = post_with_retries("127.0.0.1", port_, "/login",
                          json{{"email", email}, {"password", password}}.dump(),
                          "", "", stats, std::chrono::seconds(60));
    BOOST_TEST_REQUIRE(login.status == 200, login.body);
    auto body = json::parse(login.body);
    BOOST_TEST(body.value("userId", int64_t{0}) == id, login.body);
    BOOST_TEST(body.value("tokenType", "") == "Bearer", login.body);
    tokens_[id] = body.value("token", "");
    BOOST_TEST_REQUIRE(!tokens_[id].empty(), login.body);
    return id;
  }

  /// The token `user` logged in with.
  const std::string& token(int64_t user) const {
    return tokens_.at(user);
  }

  json deposit(int64_t user, int64_t cents) {
    auto sum = money::from_cents(cents);
    auto out = post("/deposit", json{{"userId", user}, {"sum", to_string(sum)}},
                    token(user));
    BOOST_TEST_REQUIRE(out.status == 200, out.body);
    record(view, op_kind::deposit, user, sum, 0, 0, out);
    return json::parse(out.body);
  }

  json create_order(int64_t user, int64_t item) {
    auto out = post("/createOrder",
                    json{{"userId", user}, {"itemId", item}, {"quantity", 1}},
                    token(user));
    BOOST_TEST_REQUIRE(out.status == 201, out.body);
    record(view, op_kind::order, user, money{}, item, 1, out);
    return json::parse(out.body);
  }

private:
  uint16_t port_;
  std::string tag_;
  size_t n_ = 0;
  std::map<int64_t, std::string> tokens_;
};

/// GET `target` on the front at `port` with `bearer` (a user's token).
json get(uint16_t port, const std::string& target, const std::string& bearer) {
  http_client client{"127.0.0.1", port, 10s};
  client.bearer = bearer;
  auto resp = client.get(target);
  BOOST_TEST(resp.status == 200,
             target << ": " << resp.status << " " << resp.body);
  return json::parse(resp.body);
}

/// Polls GET /getOrder until the order leaves "pending".
json settled(uint16_t port, int64_t order, const std::string& bearer) {
  json last;
  bool done = eventually([&] {
    last = get(port, "/getOrder?orderId=" + std::to_string(order), bearer);
    return last.value("status", "pending") != "pending";
  });
  BOOST_TEST_REQUIRE(done, "order " << order << " still " << last.dump());
  return last;
}

/// The first issue's walk-through: register, deposit, an order that is
/// paid, one that is rejected, their notifications. Writes go through
/// `client`'s front, reads through front `r`: with two fronts, each serves
/// what the other wrote, and accepts the token the other issued.
void issue_2_flow(recording_client& client, uint16_t r,
                  const std::string& email) {
  auto alice = client.register_user(email);
  auto id = std::to_string(alice);
  auto& token = client.token(alice);
  BOOST_TEST(client.deposit(alice, 50000)["balance"] == 500);
  auto paid = client.create_order(alice, 2); // Headphones, 300
  BOOST_TEST(paid["status"] == "pending");
  BOOST_TEST(settled(r, paid["orderId"], token)["status"] == "paid");
  BOOST_TEST(get(r, "/myBalance?userId=" + id, token)["balance"] == 200);
  auto rejected = client.create_order(alice, 1); // Laptop, 1500
  BOOST_TEST(settled(r, rejected["orderId"], token)["status"] == "rejected");
  BOOST_TEST(get(r, "/myBalance?userId=" + id, token)["balance"] == 200);
  json msgs;
  bool both = eventually([&] {
    msgs = get(r, "/getAllSentMessages?userId=" + id, token);
    return msgs.size() >= 2;
  });
  BOOST_TEST_REQUIRE(both, msgs.dump());
  BOOST_TEST(msgs.size() == 2u);
  BOOST_TEST(msgs[0]["orderId"] == rejected["orderId"]);
  BOOST_TEST(msgs[1]["orderId"] == paid["orderId"]);
}

/// The audit's counts, for polling on progress.
pg::audit_counts counts(const std::string& conninfo) {
  return pg::audit_database(conninfo, {false}).counts;
}

/// A small seeded load, so the suite stays quick.
workload small_load(uint64_t seed, const std::string& tag) {
  workload_size size;
  size.users = env_number("ACTORSHOP_CLUSTER_USERS", 40);
  size.deposits_per_user = 4;
  size.orders_per_user = 4;
  size.payments_per_user = 1;
  return make_workload(seed, tag, size);
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_suite)

BOOST_AUTO_TEST_CASE(five_nodes_survive_a_billing_node_kill) {
  auto seed = fault_seed();
  std::cout << "cluster test: seed " << seed << std::endl;
  cluster c{1};
  auto front = c.front_port(0);
  recording_client client{front, "flow1-" + std::to_string(seed)};
  issue_2_flow(client, front, "alice-" + std::to_string(seed) + "@example.com");
  // Every node's view: the front runs nothing, all four are remote.
  auto view = c.cluster_view(0);
  BOOST_TEST(view["services"].empty(), view.dump());
  BOOST_TEST(view["cluster"].size() == 4u, view.dump());
  // A load from 4 client threads runs through everything below.
  auto w = small_load(seed, "load1-" + std::to_string(seed));
  load_driver load{w, "127.0.0.1", front, 4, seed};
  load.start();
  eventually([&] { return load.done() >= w.requests() / 4; }, 60s);
  auto bob = client.register_user("bob-" + std::to_string(seed) + "@x.org");
  auto& bob_token = client.token(bob);
  client.deposit(bob, 100000);
  c.kill_service("billing");
  std::cout << "cluster test: kill -9 of the billing node after " << load.done()
            << " of " << load.total() << " requests" << std::endl;
  BOOST_TEST(eventually([&] { return c.reports(0, "billing", false); }),
             "the front still reports billing reachable");
  // Billing is down: its requests fail fast with 503, never hang.
  {
    http_client api{"127.0.0.1", front, 10s};
    api.bearer = bob_token;
    auto t0 = std::chrono::steady_clock::now();
    auto resp = api.get("/myBalance?userId=" + std::to_string(bob));
    auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(resp.status == 503, resp.body);
    BOOST_TEST((took < 5s),
               "a 503 took "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(took)
                      .count()
                 << " ms");
  }
  // Orders accepted while Billing is down stay pending: their ORDER_CREATED
  // waits in Orders' outbox.
  std::vector<int64_t> pending;
  for (int i = 0; i < 5; ++i)
    pending.push_back(client.create_order(bob, 3)["orderId"]);
  for (auto id : pending)
    BOOST_TEST(
      get(front, "/getOrder?orderId=" + std::to_string(id), bob_token)["status"]
      == "pending");
  c.start_service("billing");
  c.wait_until_all_reachable(0);
  for (auto id : pending)
    BOOST_TEST(settled(front, id, bob_token)["status"] == "paid");
  load.join();
  figures f;
  f.kills = 1;
  auto report = quiesce_and_audit(c.db.conninfo(), f);
  // The cross-check reads every user's data: the operator's.
  http_client api{"127.0.0.1", front, 10s};
  api.bearer = test_credentials::get().operator_token();
  cross_check(c.db.conninfo(), merge(view_of(w, load), client.view), api, f,
              report);
  // Bob: 1000 deposited, five Books of 25 paid once each.
  BOOST_TEST(
    get(front, "/myBalance?userId=" + std::to_string(bob), bob_token)["balance"]
    == 875);
  std::cout << "cluster test (billing kill): " << f << "\n  "
            << pg::to_string(report) << std::endl;
  if (!report.ok())
    BOOST_TEST_MESSAGE(c.logs());
}

BOOST_AUTO_TEST_CASE(two_fronts_survive_node_kills_and_a_rolling_restart) {
  auto seed = fault_seed() + 1;
  std::cout << "cluster test: seed " << seed << std::endl;
  cluster c{2};
  auto tag = std::to_string(seed);
  // The flow through both fronts, each reading what the other wrote.
  recording_client c0{c.front_port(0), "flow0-" + tag};
  recording_client c1{c.front_port(1), "flow1-" + tag};
  issue_2_flow(c0, c.front_port(1), "ann-" + tag + "@example.com");
  issue_2_flow(c1, c.front_port(0), "ben-" + tag + "@example.com");
  // One load per front.
  auto w0 = small_load(seed, "front0-" + tag);
  auto w1 = small_load(seed + 7, "front1-" + tag);
  load_driver l0{w0, "127.0.0.1", c.front_port(0), 3, seed};
  load_driver l1{w1, "127.0.0.1", c.front_port(1), 3, seed + 7};
  l0.start();
  l1.start();
  eventually([&] { return l0.done() + l1.done() >= w0.requests() / 4; }, 60s);
  // Notifications down: orders are still decided, their notifications wait
  // in Billing's outbox.
  c.kill_service("notifications");
  std::cout << "cluster test: kill -9 of the notifications node after "
            << l0.done() + l1.done() << " of " << l0.total() + l1.total()
            << " requests" << std::endl;
  auto before = counts(c.db.conninfo());
  bool waiting = eventually(
    [&] {
      auto now = counts(c.db.conninfo());
      return now.decisions - now.notifications
             > before.decisions - before.notifications;
    },
    60s);
  BOOST_TEST(waiting, "no order was decided while notifications was down");
  c.start_service("notifications");
  // A rolling restart of the orders node under load, right after a peer came
  // back (its middleman may still be connecting: a stop must be bounded all
  // the same): a clean stop (pending batches committed, exit code 0), then
  // the same configuration again. Its clients get 503s meanwhile and retry.
  auto t0 = std::chrono::steady_clock::now();
  c.stop_service("orders");
  auto stop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count();
  std::cout << "cluster test: orders node stopped (SIGTERM) in " << stop_ms
            << " ms after " << l0.done() + l1.done() << " of "
            << l0.total() + l1.total() << " requests" << std::endl;
  c.start_service("orders");
  // An HTTP front dies under load; its clients retry until it is back.
  auto mid = l0.done();
  eventually([&] { return l0.done() > mid + 10; }, 60s);
  c.kill_front(0);
  std::cout << "cluster test: kill -9 of front 0 after " << l0.done() << " of "
            << l0.total() << " of its requests" << std::endl;
  c.start_front(0);
  c.wait_until_all_reachable(0);
  l0.join();
  l1.join();
  figures f;
  f.kills = 2;
  f.runs = 2; // the orders node was rolled
  auto report = quiesce_and_audit(c.db.conninfo(), f);
  http_client api{"127.0.0.1", c.front_port(1), 10s};
  api.bearer = test_credentials::get().operator_token();
  auto view
    = merge(merge(view_of(w0, l0), view_of(w1, l1)), merge(c0.view, c1.view));
  cross_check(c.db.conninfo(), view, api, f, report);
  std::cout << "cluster test (notifications kill, orders roll, front kill): "
            << f << "\n  " << pg::to_string(report) << std::endl;
  if (!report.ok())
    BOOST_TEST_MESSAGE(c.logs());
}

// A database per service: Billing on a node of its own with its own
// database, the rest (and HTTP) on another node with the shared one. Both on
// loopback with --node-tls=off, which only such nodes may use.
BOOST_AUTO_TEST_CASE(billing_on_its_own_database) {
  test_database shared;
  test_database billing_db;
  auto users_port = free_port();
  auto billing_port = free_port();
  auto http_port = free_port();
  auto peers = "billing=127.0.0.1:" + std::to_string(billing_port)
               + ",users=127.0.0.1:" + std::to_string(users_port)
               + ",orders=127.0.0.1:" + std::to_string(users_port)
               + ",notifications=127.0.0.1:" + std::to_string(users_port);
  actorshop_process billing{shared.conninfo(),
                            free_port(),
                            {"--services=billing", "--http=off",
                             "--billing-db-url=" + billing_db.conninfo(),
                             "--node-port=" + std::to_string(billing_port),
                             "--peers=" + peers, "--node-tls=off"}};
  actorshop_process rest{shared.conninfo(),
                         http_port,
                         {"--services=users,orders,notifications",
                          "--node-port=" + std::to_string(users_port),
                          "--peers=" + peers, "--node-tls=off"}};
  rest.wait_until_healthy();
  recording_client client{http_port, "own-db"};
  issue_2_flow(client, http_port, "own-db@example.com");
  // The ledger is in Billing's database, and Billing's schema nowhere else.
  auto ledger = pg::audit_ledger(billing_db.conninfo());
  BOOST_TEST(ledger.size() == 2u); // the deposit and the paid order
  BOOST_CHECK_THROW(pg::audit_ledger(shared.conninfo()), std::exception);
  BOOST_TEST(pg::audit_orders(shared.conninfo()).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
