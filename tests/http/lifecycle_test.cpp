// Stopping the process: SIGTERM and SIGINT end it cleanly (exit code 0),
// also while a client holds an idle keep-alive connection open; concurrent
// requests neither lose updates nor break uniqueness; huge bodies do no harm.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.hpp"
#include "support/raw_socket.hpp"

using namespace shop::test;

namespace {

/// Reads one response with a Content-Length from a kept-alive connection.
http_response read_one_response(int fd) {
  std::string data;
  char buf[4096];
  for (;;) {
    auto head_end = data.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto head = to_lower(data.substr(0, head_end + 2));
      auto at = head.find("\r\ncontent-length:");
      if (at == std::string::npos)
        throw http_error{"no Content-Length in " + head};
      auto len = std::stoul(head.substr(at + 17));
      if (data.size() >= head_end + 4 + len)
        return parse_response(data.substr(0, head_end + 4 + len));
    }
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      throw http_error{"connection closed before a full response"};
    data.append(buf, static_cast<size_t>(n));
  }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_lifecycle, server_fixture)

BOOST_AUTO_TEST_CASE(sigterm_with_an_idle_keep_alive_connection_exits_0) {
  auto fd = connect_tcp("127.0.0.1", port, std::chrono::seconds(15));
  send_all(fd.get(), "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto resp = read_one_response(fd.get());
  BOOST_TEST(resp.status == 200);
  BOOST_TEST(resp.body == R"({"status":"ok"})");
  // The connection stays open and idle while the server stops.
  stop();
  // The server closed its side: reading gives end-of-stream, not a hang.
  char c = 0;
  BOOST_TEST(::recv(fd.get(), &c, 1, 0) <= 0);
}

BOOST_AUTO_TEST_CASE(sigint_exits_0_and_the_data_stays) {
  auto user = register_user("int@example.com", "Int");
  deposit(user, "1.5");
  auto rc = proc->stop(SIGINT);
  BOOST_TEST(rc == 0, "exit code " << rc << "; log:\n" << proc->log());
  start();
  BOOST_TEST(balance(user)["balance"].dump() == "1.5");
}

BOOST_AUTO_TEST_CASE(concurrent_deposits_lose_nothing) {
  auto user = register_user("many@example.com", "Many");
  // The user's own client, as the user's devices would send them.
  auto token = login("many@example.com");
  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, this] {
      http_client c{"127.0.0.1", port};
      c.bearer = token;
      auto body = R"({"userId":)" + std::to_string(user) + R"(,"sum":0.01})";
      for (int i = 0; i < per_thread; ++i) {
        try {
          (c.post("/deposit", body).status == 200 ? ok : failed)++;
        } catch (const http_error&) {
          failed++;
        }
      }
    });
  for (auto& w : workers)
    w.join();
  BOOST_TEST(ok.load() == threads * per_thread);
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(balance(user)["balance"].dump() == "2");
}

BOOST_AUTO_TEST_CASE(concurrent_registrations_of_one_email_create_one_user) {
  constexpr int threads = 8;
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, this, t] {
      http_client c{"127.0.0.1", port};
      auto body = json{{"email", "Same@Example.com"},
                       {"name", "Racer " + std::to_string(t)},
                       {"password", test_password}}
                    .dump();
      try {
        auto status = c.post("/register", body).status;
        (status == 201 ? created : status == 409 ? conflicts : other)++;
      } catch (const http_error&) {
        other++;
      }
    });
  for (auto& w : workers)
    w.join();
  BOOST_TEST(created.load() == 1);
  BOOST_TEST(conflicts.load() == threads - 1);
  BOOST_TEST(other.load() == 0);
  // Exactly one user exists: ids start at 1 and are consecutive.
  BOOST_TEST(client.get("/getUserInfo?userId=1").status == 200);
  BOOST_TEST(client.get("/getUserInfo?userId=2").status == 404);
}

BOOST_AUTO_TEST_CASE(huge_bodies_get_413_or_a_closed_connection) {
  // Up to the server's hard cap (1 MiB) the body is read and answered 413.
  auto big = R"({"email":"x@y.z","name":"X","password":")" + test_password
             + R"(","pad":")" + std::string(900 * 1024, 'p') + "\"}";
  check_error(client.post("/register", big), 413, "body_too_large");
  // Beyond it the server drops the connection without reading it all: the
  // client sees an error (or a 413 if it was fast enough), never a hang.
  auto huge = std::string(4 * 1024 * 1024, ' ');
  try {
    auto resp = client.post("/register", huge);
    check_error(resp, 413, "body_too_large");
  } catch (const http_error& e) {
    BOOST_TEST_MESSAGE("4 MiB body: " << e.what());
  }
  // Nothing was registered and the server is fine.
  BOOST_TEST(client.get("/health").status == 200);
  BOOST_TEST(client.get("/getUserInfo?userId=1").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
