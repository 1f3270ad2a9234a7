// Duplicates: the same request with the same Idempotency-Key sent at the same
// moment from many connections, as a client that registered and logged in
// sends it (a registration with no credentials, the rest with the user's
// token). Exactly one of them may take effect, and every connection gets the
// same answer, status and body.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "fault/fault_support.hpp"
#include "support/raw_socket.hpp"

using namespace shop;
using namespace shop::test;

namespace {

constexpr size_t connections = 16;
constexpr size_t rounds = 10;

/// Sends `request` (raw bytes) over `connections` connections at once: every
/// connection is open before the first byte is sent, and all threads start
/// sending together. Returns each connection's response.
std::vector<http_response> at_once(const http_client& client,
                                   const std::string& request) {
  std::vector<socket_fd> fds;
  for (size_t i = 0; i < connections; ++i)
    fds.push_back(connect_tcp(client.host(), client.port(), client.timeout()));
  std::vector<http_response> responses(connections);
  std::vector<std::string> errors(connections);
  std::atomic<size_t> ready{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < connections; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < connections)
        std::this_thread::yield(); // the start line: all threads at once
      try {
        send_all(fds[i].get(), request);
        responses[i] = parse_response(recv_all(fds[i].get()));
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads)
    t.join();
  for (size_t i = 0; i < connections; ++i)
    BOOST_TEST(errors[i].empty(), "connection " << i << ": " << errors[i]);
  return responses;
}

/// All responses are identical and have the expected status; returns the
/// body.
std::string same_answer(const std::vector<http_response>& xs, int status) {
  BOOST_TEST_REQUIRE(!xs.empty());
  size_t same = 0;
  for (auto& x : xs)
    same += x.status == xs[0].status && x.body == xs[0].body;
  BOOST_TEST(same == xs.size(), "only " << same << " of " << xs.size()
                                        << " answers equal the first: "
                                        << xs[0].status << " " << xs[0].body);
  BOOST_TEST(xs[0].status == status, xs[0].status << " " << xs[0].body);
  for (auto& x : xs)
    if (x.status != xs[0].status || x.body != xs[0].body)
      BOOST_TEST_MESSAGE("differs: " << x.status << " " << x.body);
  return xs[0].body;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_duplicates)

BOOST_FIXTURE_TEST_CASE(one_key_from_many_connections_has_one_effect,
                        server_fixture) {
  auto tag = std::to_string(fault_seed());
  size_t requests = 0;
  for (size_t round = 0; round < rounds; ++round) {
    auto r = std::to_string(round);
    auto key = "dup-" + tag + "-" + r;
    std::string token; // the user's, once logged in
    auto send = [&](const std::string& path, const json& body) {
      requests += connections;
      header_list headers{{"Idempotency-Key", key}};
      if (!token.empty())
        headers.emplace_back("Authorization", "Bearer " + token);
      return at_once(client, format_request(client, "POST", path, body.dump(),
                                            "application/json", headers));
    };
    // register: one user.
    auto email = "dup" + r + "-" + tag + "@example.com";
    auto reg = same_answer(send("/register", {{"email", email},
                                              {"name", "D"},
                                              {"password", test_password}}),
                           201);
    auto user = json::parse(reg)["userId"].get<int64_t>();
    token = login(email);
    BOOST_TEST(
      client.get("/getUserInfo?userId=" + std::to_string(user + 1)).status
      == 404);
    // deposit: one ledger entry, the balance grows once.
    auto dep
      = same_answer(send("/deposit", {{"userId", user}, {"sum", 70}}), 200);
    BOOST_TEST(json::parse(dep)["balance"] == 70);
    BOOST_TEST(balance(user)["balance"] == 70);
    // payment: taken once.
    auto pay
      = same_answer(send("/payment", {{"userId", user}, {"sum", 20}}), 200);
    BOOST_TEST(json::parse(pay)["result"] == "paid");
    BOOST_TEST(balance(user)["balance"] == 50);
    // createOrder: one order, one charge, one message.
    auto ord
      = same_answer(send("/createOrder", {{"userId", user}, {"itemId", 3}}),
                    201);
    auto order = json::parse(ord)["orderId"].get<int64_t>();
    BOOST_TEST(settled_order(order)["status"] == "paid");
    BOOST_TEST(
      client.get("/getOrder?orderId=" + std::to_string(order + 1)).status
      == 404);
    BOOST_TEST(balance(user)["balance"] == 25);
    messages_eventually(1, "?userId=" + std::to_string(user));
  }
  // And the database agrees: every key once, every invariant.
  figures f;
  auto report = quiesce_and_audit(db.conninfo(), f);
  BOOST_TEST(report.counts.users == static_cast<int64_t>(rounds));
  BOOST_TEST(report.counts.deposits == static_cast<int64_t>(rounds));
  BOOST_TEST(report.counts.payments == static_cast<int64_t>(rounds));
  BOOST_TEST(report.counts.orders == static_cast<int64_t>(rounds));
  BOOST_TEST(report.counts.idempotency_keys
             == static_cast<int64_t>(4 * rounds));
  std::cout << "duplicates test: " << requests << " requests, " << connections
            << " at a time with one key, " << 4 * rounds << " effects; audit "
            << report.passed() << "/" << report.checks.size()
            << " checks passed" << std::endl;
}

BOOST_AUTO_TEST_SUITE_END()
