// Database outage: PostgreSQL is stopped in the middle of load (pg_ctl stop
// -m fast, which cuts every session) and started again. While it is down,
// requests that need it fail fast with 503 instead of hanging; once it is
// back, the same server process recovers by itself (no restart), and
// everything the clients were told succeeded is complete and consistent.
// Runs on a private cluster: stopping the shared one would break the other
// suites.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fault/fault_support.hpp"

using namespace shop;
using namespace shop::test;
using namespace std::chrono;

namespace {

/// One request sent while the database is down.
struct probe_result {
  std::string what;
  int status = 0;
  std::string error; // the "error" code of a JSON error body
  std::string body;
  milliseconds latency{0};
};

/// Sends one request and times it; a connection error counts as status 0.
probe_result timed(http_client& client, const std::string& what,
                   const std::function<http_response()>& send) {
  probe_result r;
  r.what = what;
  auto t0 = steady_clock::now();
  try {
    auto resp = send();
    r.status = resp.status;
    r.body = resp.body;
    auto body = json::parse(resp.body, nullptr, false);
    if (body.is_object() && body.contains("error"))
      r.error = body["error"].get<std::string>();
  } catch (const http_error&) {
    r.status = 0;
  }
  r.latency = duration_cast<milliseconds>(steady_clock::now() - t0);
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_outage)

BOOST_AUTO_TEST_CASE(requests_fail_fast_while_postgres_is_down_and_recover) {
  auto seed = fault_seed();
  std::cout << "outage test: seed " << seed << std::endl;
  private_cluster pg;
  auto port = free_port();
  auto proc = std::make_unique<actorshop_process>(pg.conninfo(), port);
  proc->wait_until_healthy();
  // The operator reads /ready and cross-checks through the API; the probes
  // are a user's requests, with the user's token, and registrations, which
  // need none.
  http_client admin{"127.0.0.1", port, seconds(10)};
  admin.bearer = test_credentials::get().operator_token();
  http_client anyone{"127.0.0.1", port, seconds(10)};
  http_client client{"127.0.0.1", port, seconds(10)};

  // A user for the probes, registered and logged in before the outage.
  auto reg = client.post("/register", json{{"email", "probe@example.com"},
                                           {"name", "Probe"},
                                           {"password", test_password}}
                                        .dump());
  BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
  auto probe_user = json::parse(reg.body)["userId"].get<int64_t>();
  auto login = client.post("/login", json{{"email", "probe@example.com"},
                                          {"password", test_password}}
                                       .dump());
  BOOST_TEST_REQUIRE(login.status == 200, login.body);
  auto probe_token = json::parse(login.body)["token"].get<std::string>();
  client.bearer = probe_token;

  workload_size size;
  size.users = 100;
  size.deposits_per_user = 6;
  size.orders_per_user = 6;
  size.payments_per_user = 1;
  auto w = make_workload(seed, "outage" + std::to_string(seed), size);
  load_driver load{w, "127.0.0.1", port, 6, seed};
  load.start();
  BOOST_TEST_REQUIRE(eventually([&] { return load.done() >= w.requests() / 4; },
                                seconds(120)),
                     "load stalled before the outage");

  // -- the outage ---------------------------------------------------------------
  pg.pause();
  auto down_at = steady_clock::now();
  std::vector<probe_result> writes;
  std::vector<probe_result> reads;
  std::vector<std::pair<std::string, std::string>> probe_deposits; // key, body
  for (int i = 0; i < 80; ++i) {
    auto key = "outage-probe-" + std::to_string(seed) + "-" + std::to_string(i);
    // Unique amounts: 1.00 + i cents.
    auto body = json{{"userId", probe_user},
                     {"sum", to_string(money::from_cents(100 + i))}}
                  .dump();
    probe_deposits.emplace_back(key, body);
    writes.push_back(timed(client, "deposit", [&] {
      return client.post_with_key("/deposit", body, key);
    }));
    writes.push_back(timed(client, "createOrder", [&] {
      return client
        .post_with_key("/createOrder",
                       json{{"userId", probe_user}, {"itemId", 6}}.dump(), key);
    }));
    writes.push_back(timed(anyone, "register", [&] {
      return anyone.post_with_key("/register",
                                  json{{"email", key + "@example.com"},
                                       {"name", "P"},
                                       {"password", test_password}}
                                    .dump(),
                                  key);
    }));
    reads.push_back(timed(client, "myBalance", [&] {
      return client.get("/myBalance?userId=" + std::to_string(probe_user));
    }));
    // Pace the probes so the outage spans the services' restart backoff
    // (it grows to 2 s); this is the probing rate, not a wait.
    std::this_thread::sleep_for(milliseconds(25));
  }
  auto outage = duration_cast<milliseconds>(steady_clock::now() - down_at);
  size_t slow = 0;
  size_t not_503 = 0;
  milliseconds worst{0};
  for (auto& r : writes) {
    worst = std::max(worst, r.latency);
    if (r.latency >= seconds(2))
      ++slow;
    if (r.status != 503) {
      ++not_503;
      BOOST_TEST_MESSAGE(r.what << " answered " << r.status
                                << " while PostgreSQL was down");
    }
  }
  for (auto& r : reads) {
    worst = std::max(worst, r.latency);
    if (r.latency >= seconds(2))
      ++slow;
    // Reads served from memory may succeed; nothing else is acceptable.
    BOOST_TEST((r.status == 200 || r.status == 503),
               r.what << " answered " << r.status);
  }
  BOOST_TEST(not_503 == 0u, not_503 << " of " << writes.size()
                                    << " writes did not answer 503");
  // A 503 is service_unavailable, whether a commit or read failed under the
  // request or the service restarts (which part failed is not the client's
  // business), and says nothing of the failure's internals.
  for (auto* xs : {&writes, &reads})
    for (auto& r : *xs) {
      if (r.status != 503)
        continue;
      BOOST_TEST(r.error == "service_unavailable", r.what << ": " << r.body);
      for (auto leak : {"SQL", "BEGIN", "[in:", "host=", "port", "connection",
                        "storage", pg.conninfo().c_str()})
        BOOST_TEST(r.body.find(leak) == std::string::npos,
                   r.what << " leaks '" << leak << "': " << r.body);
    }
  BOOST_TEST(slow == 0u, slow << " requests took 2 s or more; worst "
                              << worst.count() << " ms");
  BOOST_TEST(!proc->exited(), "actorshop died during the outage; log:\n"
                                << proc->log());
  // The readiness probe says so, with the reason for the operator.
  http_response ready;
  bool not_ready = eventually([&] {
    ready = admin.get("/ready");
    return ready.status == 503;
  });
  BOOST_TEST(not_ready, "GET /ready during the outage: " << ready.status << " "
                                                         << ready.body);
  if (not_ready) {
    auto body = json::parse(ready.body);
    BOOST_TEST(body["status"] == "not_ready");
    BOOST_TEST(!body["problems"].empty(), ready.body);
    // Anyone else gets the status only.
    auto open = anyone.get("/ready");
    BOOST_TEST(open.status == 503);
    BOOST_TEST(json::parse(open.body, nullptr, false)
                 == json({{"status", "not_ready"}, {"overloaded", false}}),
               open.body);
  }

  // -- recovery, without restarting the server ---------------------------------
  pg.resume();
  auto up_at = steady_clock::now();
  bool recovered = eventually(
    [&] {
      auto r = client.post_with_key("/deposit", probe_deposits[0].second,
                                    probe_deposits[0].first);
      return r.status == 200;
    },
    seconds(30));
  auto recovery = duration_cast<milliseconds>(steady_clock::now() - up_at);
  BOOST_TEST_REQUIRE(recovered, "no successful write within 30 s after "
                                "PostgreSQL came back; log:\n"
                                  << proc->log());
  bool ready_again = eventually([&] {
    ready = admin.get("/ready");
    return ready.status == 200;
  });
  BOOST_TEST(ready_again, "GET /ready after the outage: " << ready.status << " "
                                                          << ready.body);
  BOOST_TEST(!proc->exited());
  load.join();
  // Every probe was refused; a client retries each with its key, and each
  // then applies exactly once (a 503 may even hide a commit whose answer was
  // lost: the key makes the retry harmless). The cross-check below counts
  // them with the load's own requests.
  auto view = view_of(w, load);
  view.users.emplace(probe_user, "probe@example.com");
  retry_stats probe_stats;
  auto order_body = json{{"userId", probe_user}, {"itemId", 6}}.dump();
  for (size_t i = 0; i < probe_deposits.size(); ++i) {
    const auto& [key, body] = probe_deposits[i];
    auto dep = post_with_retries("127.0.0.1", port, "/deposit", body, key,
                                 probe_token, probe_stats);
    BOOST_TEST(dep.status == 200, key << ": " << dep.status << " " << dep.body);
    record(view, op_kind::deposit, probe_user,
           money::from_cents(100 + static_cast<int64_t>(i)), 0, 1, dep);
    auto ord = post_with_retries("127.0.0.1", port, "/createOrder", order_body,
                                 key, probe_token, probe_stats);
    BOOST_TEST(ord.status == 201, key << ": " << ord.status << " " << ord.body);
    record(view, op_kind::order, probe_user, money{}, 6, 1, ord);
    auto email = key + "@example.com";
    auto reg = post_with_retries("127.0.0.1", port, "/register",
                                 json{{"email", email},
                                      {"name", "P"},
                                      {"password", test_password}}
                                   .dump(),
                                 key, "", probe_stats);
    BOOST_TEST(reg.status == 201, key << ": " << reg.status << " " << reg.body);
    if (reg.status == 201) {
      view.users.emplace(json::parse(reg.body)["userId"].get<int64_t>(), email);
      ++view.keyed_successes;
    }
  }
  figures f;
  auto report = quiesce_and_audit(pg.conninfo(), f);
  cross_check(pg.conninfo(), std::move(view), admin, f, report);
  std::cout << "outage test: outage " << outage.count() << " ms, "
            << writes.size() << " writes answered 503 (worst latency "
            << worst.count() << " ms), recovered " << recovery.count()
            << " ms after PostgreSQL came back, same process\n"
            << "outage test figures: " << f << "\n  " << pg::to_string(report)
            << std::endl;
  auto rc = proc->stop(SIGTERM);
  BOOST_TEST(rc == 0, "exit code " << rc << "; log:\n" << proc->log());
}

BOOST_AUTO_TEST_SUITE_END()
