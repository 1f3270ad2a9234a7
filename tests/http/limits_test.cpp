// What one client cannot exceed (docs/api.md, "Limits"), each against the
// real server started with a small limit: parallel connections
// (--http-max-connections), the time to send a request
// (--http-read-timeout-ms, a slowloris client), live event streams
// (--http-max-event-streams, 503 beyond) with their keep-alive comments
// (--http-event-keepalive-ms, a dead client's stream is freed), and an
// oversized header (431) -- each while a normal client keeps getting
// answers fast.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

#include "http/server_fixture.hpp"

using namespace shop::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// The server fixture, restarted with the options of one test.
struct limits_server : server_fixture {
  void restart(const std::vector<std::string>& options) {
    if (proc && !proc->exited())
      stop();
    proc = std::make_unique<actorshop_process>(db.conninfo(), port, options);
    proc->wait_until_healthy();
  }

  /// A client that talks to the server itself (never through a proxy).
  http_client direct_client() const {
    http_client result{"127.0.0.1", port, 10s};
    result.bearer = test_credentials::get().operator_token();
    return result;
  }

  socket_fd raw_connection() const {
    return connect_tcp("127.0.0.1", port, 10s);
  }
};

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

/// Whether `fd` has something to read (data or the end) within `limit`.
bool readable_within(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(limit.count()));
  return n > 0;
}

/// Reads from `fd` into `got` until it contains `needle`; false on the end
/// of the stream, an error, or when `limit` passed (a stream's keep-alive
/// comments never end it on their own).
bool read_until(int fd, std::string& got, const std::string& needle,
                std::chrono::milliseconds limit = 10s) {
  auto deadline = clock_type::now() + limit;
  char buf[4096];
  while (got.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    if (left.count() <= 0 || !readable_within(fd, left))
      return false;
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return false;
    got.append(buf, static_cast<size_t>(n));
  }
  return true;
}

/// A keep-alive GET /health on a raw connection; returns the raw answer
/// (up to its body) or "" when none came.
std::string health_on(int fd) {
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  if (!read_until(fd, got, "{\"status\":\"ok\"}"))
    return {};
  return got;
}

/// Opens GET /events on a new raw connection with the operator token and
/// reads up to the opening comment; "" when it was not served.
std::string open_stream(int fd) {
  send_all(fd, "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + test_credentials::get().operator_token() + "\r\n\r\n");
  std::string got;
  if (!read_until(fd, got, "the events of this node"))
    return {};
  return got;
}

/// The value of the sample `name` (no labels) in Prometheus text, if any.
std::optional<double> sample(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return std::nullopt;
  return std::stod(text.substr(at + name.size() + 2));
}

/// Live event streams as GET /metrics reports them.
std::optional<double> live_streams(http_client& c) {
  auto resp = c.get("/metrics");
  if (resp.status != 200)
    return std::nullopt;
  return sample(resp.body, "actorshop_http_event_streams");
}

/// A normal client's GET /health, `n` times: each must be 200; returns the
/// slowest in milliseconds.
double slowest_health(http_client& c, int n) {
  double slowest = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    auto resp = c.get("/health");
    slowest = std::max(slowest, ms_since(t0));
    BOOST_TEST(resp.status == 200, resp.body);
  }
  return slowest;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(limits, limits_server)

// At --http-max-connections=8 eight connections are served; the ninth is
// accepted by the kernel only (the listen backlog) and gets no answer while
// the eight stay open, though they keep being answered; once one closes,
// the waiting one is served.
BOOST_AUTO_TEST_CASE(connections_over_the_limit_wait_until_one_closes) {
  constexpr int limit = 8;
  restart({"--http-max-connections=" + std::to_string(limit),
           // Idle keep-alive connections must outlive the test.
           "--http-read-timeout-ms=60000"});
  std::vector<socket_fd> held;
  for (int i = 0; i < limit; ++i) {
    held.push_back(raw_connection());
    BOOST_TEST_REQUIRE(!health_on(held.back().get()).empty(),
                       "connection " << i + 1 << " of " << limit
                                     << " was not served");
  }
  // The ninth: connected, its request sent, no answer.
  auto waiting = raw_connection();
  send_all(waiting.get(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(!readable_within(waiting.get(), 1500ms),
             "the connection over the limit was served");
  // The connections it holds keep getting answers, fast.
  for (auto& fd : held) {
    auto t0 = clock_type::now();
    BOOST_TEST(!health_on(fd.get()).empty());
    BOOST_TEST(ms_since(t0) < 1000.0);
  }
  // One closes: the waiting connection is accepted and answered.
  auto t0 = clock_type::now();
  held.back().reset();
  held.pop_back();
  std::string got;
  BOOST_TEST_REQUIRE(read_until(waiting.get(), got, "{\"status\":\"ok\"}"),
                     "the waiting connection was not served: " << got);
  BOOST_TEST_MESSAGE("the waiting connection was served "
                     << ms_since(t0) << " ms after one closed");
  BOOST_TEST(got.rfind("HTTP/1.1 200", 0) == 0, got);
  // Now at the limit again: a new client waits in turn.
  auto next = raw_connection();
  send_all(next.get(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(!readable_within(next.get(), 1000ms));
  waiting.reset();
  got.clear();
  BOOST_TEST(read_until(next.get(), got, "{\"status\":\"ok\"}"), got);
}

// A slowloris client (one header byte a second, never finishing) is closed
// once --http-read-timeout-ms passed, without an answer, and a normal
// client's requests are answered fast all the while; an idle keep-alive
// connection is closed after the same time.
BOOST_AUTO_TEST_CASE(a_slow_client_is_closed_and_delays_nobody) {
  constexpr auto timeout = 1500ms;
  restart({"--http-read-timeout-ms=" + std::to_string(timeout.count())});
  auto slow = raw_connection();
  auto idle = raw_connection();
  BOOST_TEST_REQUIRE(!health_on(idle.get()).empty());
  auto t0 = clock_type::now();
  std::mutex mtx;
  std::condition_variable closed_cv;
  bool closed = false;
  std::atomic<double> closed_after_ms{0};
  std::string slow_got;
  std::thread slowloris{[&] {
    std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
                          + std::string(static_cast<size_t>(60), 'a');
    for (size_t i = 0; i < request.size(); ++i) {
      if (::send(slow.get(), &request[i], 1, MSG_NOSIGNAL) != 1)
        break;
      // A byte a second, unless the server closes first.
      if (readable_within(slow.get(), 1000ms)) {
        char buf[256];
        auto n = ::recv(slow.get(), buf, sizeof(buf), 0);
        if (n > 0) {
          slow_got.append(buf, static_cast<size_t>(n));
          continue;
        }
        break;
      }
    }
    closed_after_ms = ms_since(t0);
    std::lock_guard<std::mutex> guard{mtx};
    closed = true;
    closed_cv.notify_all();
  }};
  // Meanwhile a normal client: every answer fast.
  http_client normal = direct_client();
  int requests = 0;
  double slowest = 0;
  for (;;) {
    slowest = std::max(slowest, slowest_health(normal, 1));
    ++requests;
    // About 20 requests a second until the slow client is closed.
    std::unique_lock<std::mutex> lock{mtx};
    if (closed_cv.wait_for(lock, 50ms, [&] { return closed; })
        || ms_since(t0) > 30000.0)
      break;
  }
  slowloris.join();
  BOOST_TEST_MESSAGE("slowloris closed after "
                     << closed_after_ms.load() << " ms; meanwhile " << requests
                     << " requests, slowest " << slowest << " ms");
  BOOST_TEST(closed_after_ms.load() >= timeout.count() * 0.9);
  // RESTinio checks its timeouts once a second: up to 1 s late, plus slack.
  BOOST_TEST(closed_after_ms.load() <= timeout.count() + 2500.0);
  BOOST_TEST(slow_got.empty(), "the slow client got: " << slow_got);
  BOOST_TEST(requests >= 5);
  BOOST_TEST(slowest < 500.0);
  // The idle keep-alive connection was closed after the same time.
  BOOST_TEST(readable_within(idle.get(), 5000ms));
  char c = 0;
  BOOST_TEST(::recv(idle.get(), &c, 1, 0) <= 0, "data on an idle connection");
  BOOST_TEST(ms_since(t0) <= timeout.count() * 2 + 2500.0);
}

// At --http-max-event-streams=3 the fourth GET /events gets 503
// service_unavailable with Retry-After; idle streams get `: keep-alive`
// comments every --http-event-keepalive-ms, so when one client goes away
// without a word its stream ends within a few intervals and a new stream
// is accepted.
BOOST_AUTO_TEST_CASE(event_streams_over_the_limit_get_503_until_one_ends) {
  constexpr int limit = 3;
  constexpr auto keepalive = 200ms;
  restart({"--http-max-event-streams=" + std::to_string(limit),
           "--http-event-keepalive-ms=" + std::to_string(keepalive.count())});
  auto op = direct_client();
  std::vector<socket_fd> streams;
  for (int i = 0; i < limit; ++i) {
    streams.push_back(raw_connection());
    auto head = open_stream(streams.back().get());
    BOOST_TEST_REQUIRE(!head.empty(), "stream " << i + 1 << " not served");
    BOOST_TEST(head.rfind("HTTP/1.1 200", 0) == 0, head);
  }
  BOOST_TEST(eventually([&] { return live_streams(op) == double{limit}; }));
  auto over = op.get("/events");
  check_error(over, 503, "service_unavailable");
  BOOST_TEST(!over.header("retry-after").empty());
  // Idle streams get keep-alive comments.
  std::string got;
  BOOST_TEST(read_until(streams[0].get(), got, ": keep-alive\n\n"), got);
  // A normal client meanwhile.
  BOOST_TEST(slowest_health(op, 5) < 500.0);
  // One client goes away without a word: its stream ends within a few
  // keep-alive intervals.
  auto t0 = clock_type::now();
  streams[1].reset();
  BOOST_TEST_REQUIRE(
    eventually([&] { return live_streams(op) == double{limit - 1}; },
               20 * keepalive));
  BOOST_TEST_MESSAGE("the dead stream ended " << ms_since(t0) << " ms after "
                                              << "its client closed");
  BOOST_TEST(ms_since(t0) < 10.0 * keepalive.count());
  // Its place is free again: one more stream, and then the limit holds.
  auto again = raw_connection();
  BOOST_TEST(!open_stream(again.get()).empty());
  check_error(op.get("/events"), 503, "service_unavailable");
  // The live streams still work: an event reaches them.
  register_user("limits@example.com", "L");
  got.clear();
  BOOST_TEST(read_until(again.get(), got, "event: USER_CREATED"), got);
}

// A header section over --http-max-header-bytes gets 431 and the
// connection closes; a normal client is answered as usual.
BOOST_AUTO_TEST_CASE(an_oversized_header_gets_431) {
  restart({"--http-max-header-bytes=1024"});
  auto fd = raw_connection();
  send_all(fd.get(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
                       + std::string(2000, 'b') + "\r\n\r\n");
  auto resp = parse_response(recv_all(fd.get()));
  check_error(resp, 431, "headers_too_large");
  BOOST_TEST(to_lower(resp.header("connection")) == "close");
  auto normal = direct_client();
  BOOST_TEST(slowest_health(normal, 5) < 500.0);
}

BOOST_AUTO_TEST_SUITE_END()
