// HTTP/1.1 on the wire, as raw sockets see it (RFC 9110, RFC 9112):
// pipelined requests all answered, in order, each applied once; HEAD; 100
// Continue; 414 and 431 with a JSON body before the close; Date; Host;
// absolute-form targets; conflicting framing; duplicate query parameters.

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "server_fixture.hpp"
#include "support/raw_socket.hpp"

using namespace shop::test;

namespace {

/// A keep-alive connection that sends raw bytes and reads responses one at
/// a time, framed by their Content-Length.
class wire {
public:
  explicit wire(uint16_t port, std::chrono::milliseconds timeout = 10s)
    : fd_(connect_tcp("127.0.0.1", port, timeout)) {
  }

  void send(const std::string& bytes) {
    send_all(fd_.get(), bytes);
  }

  /// Reads the next response. A HEAD answer (`head`) has no body whatever
  /// its Content-Length says; a 1xx has none either.
  http_response next(bool head = false) {
    for (;;) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        // The head alone: the body is framed here, not by parse_response.
        auto head_text = buffer_.substr(0, end + 4);
        static const std::regex length{"\r\ncontent-length: *([0-9]+)",
                                       std::regex::icase};
        std::smatch m;
        bool has_length = std::regex_search(head_text, m, length);
        auto announced = has_length ? std::stoul(m[1].str()) : 0ul;
        auto resp = parse_response(
          std::regex_replace(head_text, length, "\r\nX-Announced-Length: $1"));
        resp.headers.erase("x-announced-length");
        if (has_length)
          resp.headers["content-length"] = std::to_string(announced);
        size_t body = 0;
        if (!head && resp.status >= 200) {
          BOOST_TEST_REQUIRE(has_length, "no Content-Length: " << buffer_);
          body = announced;
        }
        if (buffer_.size() >= end + 4 + body) {
          resp.body = buffer_.substr(end + 4, body);
          buffer_.erase(0, end + 4 + body);
          return resp;
        }
      }
      if (!fill())
        BOOST_FAIL("connection closed before a whole response; got: '"
                   << buffer_ << "'");
    }
  }

  /// Whether the server closed the connection (after what was read) with
  /// no further bytes.
  bool closed_after() {
    while (fill()) {
    }
    return buffer_.empty();
  }

  /// Bytes read but not yet taken by next().
  const std::string& pending() const {
    return buffer_;
  }

private:
  bool fill() {
    char buf[16 * 1024];
    for (;;) {
      auto n = ::recv(fd_.get(), buf, sizeof(buf), 0);
      if (n > 0) {
        buffer_.append(buf, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno != ECONNRESET)
        BOOST_FAIL("recv: " << std::strerror(errno) << "; read so far: '"
                            << buffer_ << "'");
      return false;
    }
  }

  socket_fd fd_;
  std::string buffer_;
};

/// The operator's credentials and a body's media type, as header lines: the
/// requests of these tests may use every route.
std::string credentials() {
  return "Authorization: Bearer " + test_credentials::get().operator_token()
         + "\r\n";
}

const std::string json_type = "Content-Type: application/json\r\n";

std::string request(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& extra_headers = "") {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + credentials() + extra_headers;
  if (!body.empty())
    req += json_type;
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return req + "\r\n" + body;
}

std::string deposit_body(int64_t user, int cents) {
  return json{{"userId", user},
              {"sum", std::to_string(cents / 100) + "."
                        + std::to_string(cents % 100 / 10)
                        + std::to_string(cents % 10)}}
    .dump();
}

/// A balance in a response body, in cents (exact, unlike the double).
long long cents(const json& body) {
  return std::llround(body["balance"].get<double>() * 100);
}

void check_date(const http_response& resp) {
  static const std::regex imf_fixdate{
    "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
    "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT"};
  BOOST_TEST(std::regex_match(resp.header("date"), imf_fixdate),
             "Date: '" << resp.header("date") << "'");
}

/// Checks a refusal of the wire guard: status, JSON error, Date, and the
/// connection closed after it.
void check_refusal(wire& w, int status, const std::string& code) {
  auto resp = w.next();
  check_error(resp, status, code);
  check_date(resp);
  BOOST_TEST(lower(resp.header("connection")) == "close");
  BOOST_TEST(w.closed_after());
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_wire, server_fixture)

BOOST_AUTO_TEST_CASE(pipelined_requests_are_all_answered_in_order_and_once) {
  auto user = register_user("pipe@example.com", "Pipe");
  std::string burst;
  std::vector<int> expected;
  auto add = [&](std::string req, int status) {
    burst += std::move(req);
    expected.push_back(status);
  };
  add(request("GET", "/health"), 200);
  for (int i = 0; i < 3; ++i)
    add(request("POST", "/deposit", deposit_body(user, 1)), 200);
  add(request("GET", "/nope"), 404);
  add(request("POST", "/deposit", "{not json"), 400);
  add(request("GET", "/metrics"), 200);
  add(request("GET", "/myBalance?userId=" + std::to_string(user)), 200);
  add(request("PUT", "/deposit"), 405);
  for (int i = 0; i < 3; ++i)
    add(request("GET", "/health"), 200);
  add(request("GET", "/health", "", "Connection: close\r\n"), 200);
  for (int round = 1; round <= 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      wire w{port};
      w.send(burst); // one write
      std::vector<http_response> answers;
      for (size_t i = 0; i < expected.size(); ++i) {
        answers.push_back(w.next());
        BOOST_TEST(answers.back().status == expected[i],
                   "answer " << i << ": " << answers.back().status << " "
                             << answers.back().body);
        check_date(answers.back());
      }
      BOOST_TEST(w.closed_after(), "bytes after the last answer");
      // The three deposits, in order, each applied once.
      for (int i = 0; i < 3; ++i)
        BOOST_TEST(cents(json::parse(answers[1 + i].body))
                     == 3 * (round - 1) + i + 1,
                   answers[1 + i].body);
      BOOST_TEST(cents(json::parse(answers[7].body)) == 3 * round);
    }
  }
  BOOST_TEST(cents(balance(user)) == 9);
}

BOOST_AUTO_TEST_CASE(head_answers_every_get_route_without_a_body) {
  register_user("head@example.com", "Head");
  for (auto& [method, path] : shop::http::route_list()) {
    if (method != "GET")
      continue;
    BOOST_TEST_CONTEXT("HEAD " << path) {
      auto target = path;
      if (path == "/getUserInfo" || path == "/myBalance")
        target += "?userId=1";
      else if (path == "/getOrder")
        target += "?orderId=1";
      // A HEAD and a GET on one connection: the GET's answer must start
      // right where the HEAD's headers end.
      wire w{port};
      w.send(request("HEAD", target) + request("GET", "/health"));
      auto head = w.next(true);
      if (path == "/events") {
        // A GET would stream forever.
        BOOST_TEST(head.status == 200);
        BOOST_TEST(head.header("content-type") == "text/event-stream");
      } else {
        auto get = client.get(target);
        BOOST_TEST(head.status == get.status);
        BOOST_TEST(head.header("content-type") == get.header("content-type"));
        if (path == "/health" || path == "/openapi.yaml" || path == "/")
          BOOST_TEST(head.header("content-length")
                     == get.header("content-length"));
      }
      check_date(head);
      auto after = w.next();
      BOOST_TEST(after.status == 200, after.body);
      BOOST_TEST(json::parse(after.body)["status"] == "ok");
    }
  }
  // HEAD where GET is not served: 405 with Allow, still no body.
  wire w{port};
  w.send(request("HEAD", "/deposit") + request("HEAD", "/nope")
         + request("PUT", "/health") + request("GET", "/health"));
  auto not_allowed = w.next(true);
  BOOST_TEST(not_allowed.status == 405);
  BOOST_TEST(not_allowed.header("allow") == "POST");
  auto not_found = w.next(true);
  BOOST_TEST(not_found.status == 404);
  auto put = w.next();
  check_error(put, 405, "method_not_allowed");
  BOOST_TEST(put.header("allow") == "GET, HEAD");
  BOOST_TEST(w.next().status == 200);
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_before_the_body) {
  auto user = register_user("continue@example.com", "Continue");
  auto body = deposit_body(user, 250);
  wire w{port};
  w.send("POST /deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials()
         + json_type + "Expect: 100-continue\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n");
  // The interim answer comes before any body byte was sent (the read
  // blocks until it does; no timing involved).
  auto interim = w.next();
  BOOST_TEST(interim.status == 100);
  w.send(body);
  auto resp = w.next();
  BOOST_TEST(resp.status == 200, resp.body);
  BOOST_TEST(json::parse(resp.body)["balance"] == 2.5);
  // A body that is already on its way needs no 100 Continue.
  w.send("POST /deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials()
         + json_type + "Expect: 100-continue\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body);
  auto direct = w.next();
  BOOST_TEST(direct.status == 200, direct.body);
  BOOST_TEST(json::parse(direct.body)["balance"] == 5);
  // Any other expectation: 417, and nothing applied.
  wire other{port};
  other.send("POST /deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials()
             + json_type + "Expect: magic\r\nContent-Length: "
             + std::to_string(body.size()) + "\r\n\r\n" + body);
  check_refusal(other, 417, "expectation_failed");
  // A body over the limit is refused at once instead of being asked for.
  wire large{port};
  large.send("POST /deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials()
             + json_type
             + "Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n");
  check_refusal(large, 413, "body_too_large");
  BOOST_TEST(balance(user)["balance"] == 5);
}

BOOST_AUTO_TEST_CASE(an_overlong_target_gets_414_and_large_headers_431) {
  {
    wire w{port};
    w.send(request("GET", "/health?pad=" + std::string(100 * 1024, 'a')));
    check_refusal(w, 414, "uri_too_long");
  }
  {
    wire w{port};
    w.send(request("GET", "/health", "",
                   "X-Large: " + std::string(100 * 1024, 'b') + "\r\n"));
    check_refusal(w, 431, "headers_too_large");
  }
  {
    std::string many;
    for (int i = 0; i < 150; ++i)
      many += "X-Field-" + std::to_string(i) + ": 1\r\n";
    wire w{port};
    w.send(request("GET", "/health", "", many));
    check_refusal(w, 431, "headers_too_large");
  }
  // Requests before the refused one on the same connection are answered.
  {
    auto user = register_user("before@example.com", "Before");
    wire w{port};
    w.send(request("POST", "/deposit", deposit_body(user, 100))
           + request("GET", "/" + std::string(20 * 1024, 'c')));
    auto first = w.next();
    BOOST_TEST(first.status == 200, first.body);
    check_refusal(w, 414, "uri_too_long");
    BOOST_TEST(balance(user)["balance"] == 1);
  }
  // The limits are configurable.
  stop();
  auto small = std::make_unique<
    actorshop_process>(db.conninfo(), port,
                       std::vector<
                         std::string>{"--http-max-target-bytes=300",
                                      "--http-max-header-bytes=2048"});
  small->wait_until_healthy();
  {
    wire w{port};
    w.send(request("GET", "/health?pad=" + std::string(200, 'a')));
    BOOST_TEST(w.next().status == 200);
    w.send(request("GET", "/health?pad=" + std::string(400, 'a')));
    check_refusal(w, 414, "uri_too_long");
  }
  {
    wire w{port};
    w.send(request("GET", "/health", "",
                   "X-Large: " + std::string(3000, 'b') + "\r\n"));
    check_refusal(w, 431, "headers_too_large");
  }
  BOOST_TEST(small->stop() == 0);
}

BOOST_AUTO_TEST_CASE(every_response_has_a_date) {
  for (auto target :
       {"/health", "/nope", "/myBalance?userId=x", "/items", "/metrics"}) {
    auto resp = client.get(target);
    check_date(resp);
  }
  check_date(client.post("/deposit", "{"));
}

BOOST_AUTO_TEST_CASE(host_must_be_given_once_in_http_1_1) {
  {
    wire w{port};
    w.send("GET /health HTTP/1.1\r\n\r\n");
    check_refusal(w, 400, "invalid_request");
  }
  {
    wire w{port};
    w.send("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    check_refusal(w, 400, "invalid_request");
  }
  {
    // HTTP/1.0 needs none.
    wire w{port};
    w.send("GET /health HTTP/1.0\r\n\r\n");
    BOOST_TEST(w.next().status == 200);
  }
  {
    wire w{port};
    w.send("GET /health HTTP/2.0\r\nHost: a\r\n\r\n");
    check_refusal(w, 505, "http_version_not_supported");
  }
}

BOOST_AUTO_TEST_CASE(absolute_form_targets_are_served) {
  auto user = register_user("absolute@example.com", "Absolute");
  auto base = "http://127.0.0.1:" + std::to_string(port);
  wire w{port};
  w.send(request("GET", base + "/health")
         + request("GET", base + "/myBalance?userId=" + std::to_string(user))
         + request("POST", base + "/deposit", deposit_body(user, 700)));
  BOOST_TEST(w.next().status == 200);
  auto bal = w.next();
  BOOST_TEST(bal.status == 200, bal.body);
  BOOST_TEST(json::parse(bal.body)["userId"] == user);
  auto dep = w.next();
  BOOST_TEST(dep.status == 200, dep.body);
  BOOST_TEST(json::parse(dep.body)["balance"] == 7);
}

BOOST_AUTO_TEST_CASE(conflicting_framing_gets_400_and_changes_nothing) {
  auto user = register_user("framing@example.com", "Framing");
  auto body = deposit_body(user, 100);
  for (auto framing :
       {std::string{"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"},
        "Content-Length: " + std::to_string(body.size())
          + "\r\nContent-Length: 7\r\n"}) {
    BOOST_TEST_CONTEXT(framing) {
      wire w{port};
      w.send("POST /deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials()
             + json_type + framing + "\r\n" + std::to_string(body.size())
             + "\r\n" + body + "\r\n0\r\n\r\n");
      check_refusal(w, 400, "invalid_request");
    }
  }
  BOOST_TEST(balance(user)["balance"] == 0);
}

BOOST_AUTO_TEST_CASE(duplicate_query_parameters_are_refused) {
  auto user = std::to_string(register_user("dup@example.com", "Dup"));
  for (const std::string& target :
       {"/myBalance?userId=" + user + "&userId=" + user,
        std::string{"/getAllSentMessages?limit=1&limit=2"},
        std::string{"/getOrder?orderId=1&orderId=2"}}) {
    auto resp = client.get(target);
    check_error(resp, 400, "invalid_field");
    auto name = target.substr(target.rfind('&') + 1);
    name = name.substr(0, name.find('='));
    auto message = json::parse(resp.body)["message"].get<std::string>();
    BOOST_TEST(message.find("'" + name + "'") != std::string::npos, resp.body);
  }
}

BOOST_AUTO_TEST_SUITE_END()
