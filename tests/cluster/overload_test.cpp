// Load held (docs/reliability.md, "Overload"): the billing node stops
// (SIGSTOP: its connections stay open, nothing answers) for 30 s under a
// steady order load through an HTTP front. Orders keeps taking orders until
// its backlog to Billing is over its bound (--max-backlog), then refuses new
// ones with 503 overloaded and Retry-After, at once rather than by a
// timeout; its memory stays flat meanwhile; once Billing continues, Orders
// drains its backlog and accepts again; every order it accepted is decided
// and notified exactly once, and the database audit holds.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cluster/cluster_support.hpp"

using namespace shop;
using namespace shop::test;
using namespace std::chrono;

namespace {

/// Orders' bound in this test: reached within seconds at the test's rate.
constexpr int max_backlog = 300;

/// Resident set of `pid` in MB (VmRSS), 0 when unreadable.
double rss_mb(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

/// What one createOrder was answered.
struct outcome {
  steady_clock::time_point at;
  int status = 0;
  std::string error;
  milliseconds latency{0};
  int64_t order = 0;
  std::string retry_after;
};

/// Places orders for `tokens`' users at a steady pace (one every 4 ms)
/// until stopped, recording every answer.
class order_load {
public:
  order_load(uint16_t port, std::vector<std::string> tokens)
    : port_(port), tokens_(std::move(tokens)) {
    thread_ = std::thread{[this] { run(); }};
  }

  ~order_load() {
    stop();
  }

  void stop() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  std::vector<outcome> outcomes() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return outcomes_;
  }

  /// Whether an answer with `status` (and error code) came after `t`.
  bool answered_after(steady_clock::time_point t, int status,
                      const std::string& error = "") const {
    std::lock_guard<std::mutex> guard{mtx_};
    return std::any_of(outcomes_.begin(), outcomes_.end(), [&](auto& x) {
      return x.at > t && x.status == status && x.error == error;
    });
  }

private:
  void run() {
    http_client client{"127.0.0.1", port_, seconds(20)};
    auto next = steady_clock::now();
    for (size_t i = 0; !done_; ++i) {
      client.bearer = tokens_[i % tokens_.size()];
      outcome x;
      auto t0 = steady_clock::now();
      try {
        auto resp = client.post("/createOrder",
                                json{{"itemId", 3}, {"quantity", 1}}.dump());
        x.status = resp.status;
        auto body = json::parse(resp.body, nullptr, false);
        if (resp.status == 201)
          x.order = body.value("orderId", int64_t{0});
        else if (body.is_object())
          x.error = body.value("error", "");
        x.retry_after = resp.header("retry-after");
      } catch (const http_error&) {
        x.status = 0;
      }
      x.at = steady_clock::now();
      x.latency = duration_cast<milliseconds>(x.at - t0);
      {
        std::lock_guard<std::mutex> guard{mtx_};
        outcomes_.push_back(std::move(x));
      }
      next += milliseconds(4);
      std::this_thread::sleep_until(next);
    }
  }

  uint16_t port_;
  std::vector<std::string> tokens_;
  std::atomic<bool> done_{false};
  mutable std::mutex mtx_;
  std::vector<outcome> outcomes_;
  std::thread thread_;
};

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_overload)

BOOST_AUTO_TEST_CASE(a_stalled_billing_node_costs_fast_503s_not_memory) {
  cluster c{1, {"--max-backlog=" + std::to_string(max_backlog)}};
  auto port = c.front_port(0);
  // Ten users with money for every order of the test.
  std::vector<std::string> tokens;
  for (int i = 0; i < 10; ++i) {
    http_client client{"127.0.0.1", port, seconds(20)};
    auto email = fmt::format("overload{}@example.com", i);
    auto reg = client.post("/register", json{{"email", email},
                                             {"name", "Overload"},
                                             {"password", test_password}}
                                          .dump());
    BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
    auto login
      = client.post("/login",
                    json{{"email", email}, {"password", test_password}}.dump());
    BOOST_TEST_REQUIRE(login.status == 200, login.body);
    client.bearer = json::parse(login.body).value("token", "");
    auto dep = client.post("/deposit", json{{"sum", "100000.00"}}.dump());
    BOOST_TEST_REQUIRE(dep.status == 200, dep.body);
    tokens.push_back(client.bearer);
  }
  auto& billing = c.service_node("billing");
  auto orders_pid = c.service_node("orders").pid();
  order_load load{port, tokens};
  auto start = steady_clock::now();
  BOOST_TEST_REQUIRE(eventually([&] {
    auto xs = load.outcomes();
    return std::count_if(xs.begin(), xs.end(),
                         [](auto& x) { return x.status == 201; })
           >= 100;
  }));
  // Billing stops for 30 s; Orders' memory is sampled meanwhile.
  auto rss_before = rss_mb(orders_pid);
  BOOST_TEST_REQUIRE(::kill(billing.pid(), SIGSTOP) == 0);
  auto stalled = steady_clock::now();
  auto rss_max = rss_before;
  bool refused = false;
  while (steady_clock::now() - stalled < seconds(30)) {
    rss_max = std::max(rss_max, rss_mb(orders_pid));
    refused = refused || load.answered_after(stalled, 503, "overloaded");
    std::this_thread::sleep_for(milliseconds(100));
  }
  BOOST_TEST_REQUIRE(::kill(billing.pid(), SIGCONT) == 0);
  auto resumed = steady_clock::now();
  BOOST_TEST(refused, "no 503 overloaded while Billing was stopped");
  // Orders drains and takes orders again.
  bool accepting
    = eventually([&] { return load.answered_after(resumed + seconds(1), 201); },
                 seconds(60));
  load.stop();
  BOOST_TEST(accepting, "no order accepted again after Billing continued");
  auto xs = load.outcomes();
  size_t accepted = 0, accepted_stalled = 0, overloaded = 0, other = 0;
  milliseconds slowest_refusal{0};
  std::vector<int64_t> ids;
  for (auto& x : xs) {
    if (x.status == 201) {
      ++accepted;
      ids.push_back(x.order);
      if (x.at > stalled && x.at < resumed)
        ++accepted_stalled;
    } else if (x.status == 503 && x.error == "overloaded") {
      ++overloaded;
      slowest_refusal = std::max(slowest_refusal, x.latency);
      BOOST_TEST(x.retry_after == "1");
    } else {
      ++other;
      BOOST_TEST(false, "createOrder answered " << x.status << " " << x.error);
    }
  }
  // While Billing was away Orders took at most its bound (and the batch
  // that crossed it), and refused the rest at once: not after the front's
  // request timeout (5 s), which is what a refusal would take without
  // admission control.
  BOOST_TEST(accepted_stalled <= static_cast<size_t>(max_backlog) + 100);
  BOOST_TEST(slowest_refusal.count() < 5000, slowest_refusal.count() << " ms");
  // Memory: what Orders holds per refused request is nothing; its backlog
  // is bounded. The documented bound (docs/reliability.md): 20 MB.
  auto growth = rss_max - rss_before;
  BOOST_TEST(growth < 20.0, "Orders' RSS grew " << growth << " MB");
  // Every accepted order is decided and notified once.
  figures f;
  quiesce_and_audit(c.db.conninfo(), f, seconds(120));
  http_client admin{"127.0.0.1", port, seconds(20)};
  admin.bearer = test_credentials::get().operator_token();
  size_t decided = 0;
  for (auto id : ids) {
    auto o = admin.get("/getOrder?orderId=" + std::to_string(id));
    auto status = json::parse(o.body).value("status", "");
    decided += status == "paid";
  }
  BOOST_TEST(decided == ids.size());
  std::cout
    << fmt::format("overload test figures: {} createOrder in {:.0f} s: {} "
                   "accepted ({} while Billing was stopped), {} refused "
                   "503 overloaded (slowest {} ms), {} other; Orders' RSS "
                   "{:.1f} MB before the stall, at most {:.1f} MB during it "
                   "(+{:.1f} MB); every accepted order paid and notified, "
                   "audit {}/{}",
                   xs.size(),
                   duration<double>(steady_clock::now() - start).count(),
                   accepted, accepted_stalled, overloaded,
                   slowest_refusal.count(), other, rss_before, rss_max, growth,
                   f.audit_passed, f.audit_checks)
    << std::endl;
}

BOOST_AUTO_TEST_SUITE_END()
