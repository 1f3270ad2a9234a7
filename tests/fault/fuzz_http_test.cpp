// Bad input against the real server: random and mutated bodies, wrong
// content types, broken framing (truncated requests, wrong Content-Length,
// malformed chunks), random paths and methods, oversized and malformed
// headers, missing, wrong and garbled credentials, plain garbage. The server
// must answer each with a 4xx or close the connection: never a 5xx (not even
// 503), never a crash or a hang, and nothing may change (the audit counts stay
// the same).
//
// Requests that might be valid commands are not sent (they are not bad
// input): the same parsing code the server runs decides that, so the "no
// change" check is exact.

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

#include "fault/fault_support.hpp"
#include "http/request_parsing.hpp"
#include "support/fuzz_input.hpp"
#include "support/raw_socket.hpp"

using namespace shop;
using namespace shop::test;
using namespace shop::test::fuzz;

namespace {

/// How one raw exchange ended.
struct exchange_result {
  /// The status of the response, 0 when the server closed without one.
  int status = 0;
  /// No close and no complete response before the timeout.
  bool hung = false;
};

/// Sends `bytes`, half-closes (so a truncated request ends), and reads until
/// the server closes the connection.
exchange_result raw_exchange(const http_client& client,
                             const std::string& bytes) {
  exchange_result r;
  auto fd = connect_tcp(client.host(), client.port(), client.timeout());
  try {
    send_all(fd.get(), bytes);
  } catch (const http_error&) {
    // The server may close before reading everything (e.g. a header too
    // large): what it answered, if anything, is still readable.
  }
  ::shutdown(fd.get(), SHUT_WR);
  std::string data;
  char buf[16 * 1024];
  for (;;) {
    auto n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      data.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      r.hung = true;
    break; // ECONNRESET and friends: the server dropped the connection
  }
  if (data.size() >= 12 && data.compare(0, 5, "HTTP/") == 0)
    r.status = std::atoi(data.substr(9, 3).c_str());
  return r;
}

const std::vector<std::string> post_routes
  = {"/register",    "/createAccount", "/deposit",    "/payment",
     "/createOrder", "/login",         "/setPassword"};

/// Whether a POST of `body` to `path` with `keys` might be a valid command:
/// then it is not bad input, and sending it could change state.
bool might_be_valid(std::string_view path, std::string_view body,
                    const std::vector<std::string>& keys) {
  auto end = path.find_first_of("?#");
  path = path.substr(0, end);
  std::vector<std::string_view> key_views{keys.begin(), keys.end()};
  bool key_ok = static_cast<bool>(http::parse_idempotency_key(key_views));
  // Taking no Idempotency-Key: a valid login would count a failure against
  // the email (or log in), a valid setPassword change a password.
  if (path == "/login")
    return static_cast<bool>(http::parse_login(body));
  if (path == "/setPassword")
    return static_cast<bool>(http::parse_set_password(body));
  // For a user's token, a body without userId is valid too (the token
  // says who): the parsers accept it, so it counts as possibly valid.
  if (path == "/createAccount")
    return body.empty() || static_cast<bool>(http::parse_create_account(body));
  if (!key_ok)
    return false;
  if (path == "/register")
    return static_cast<bool>(http::parse_register(body));
  if (path == "/deposit")
    return static_cast<bool>(http::parse_deposit(body));
  if (path == "/payment")
    return static_cast<bool>(http::parse_payment(body));
  if (path == "/createOrder")
    return static_cast<bool>(http::parse_create_order(body));
  return false;
}

/// One generated request and whether it was skipped as possibly valid.
struct generated {
  std::string bytes;
  bool skip = false;
};

std::string random_token(rng_type& rng) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  std::string s(1 + pick(rng, 10), 'A');
  for (auto& c : s)
    c = alphabet[pick(rng, 28)];
  return s;
}

std::string random_method(rng_type& rng) {
  static const char* methods[]
    = {"POST",   "POST",  "POST", "POST",    "GET",     "GET",   "PUT",
       "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "post"};
  if (pick(rng, 10) == 0)
    return random_token(rng);
  return methods[pick(rng, std::size(methods))];
}

std::string random_path(rng_type& rng) {
  static const char* paths[] = {"/register",    "/createAccount",
                                "/deposit",     "/payment",
                                "/createOrder", "/getUserInfo",
                                "/myBalance",   "/items",
                                "/getOrder",    "/getAllSentMessages",
                                "/health",      "/login",
                                "/setPassword", "/metrics",
                                "/ready",       "/cluster"};
  switch (pick(rng, 12)) {
    case 0:
      return "/" + random_bytes(rng, 20);
    case 1:
      return "/" + std::string(pick(rng, 20000), 'a');
    case 2:
      return std::string{paths[pick(rng, std::size(paths))]} + "/";
    case 3:
      return "*";
    case 4:
      return "http://127.0.0.1"
             + std::string{paths[pick(rng, std::size(paths))]};
    case 5: {
      std::string q = "?userId=";
      q += pick(rng, 2) == 0 ? random_bytes(rng, 10)
                             : nasties()[pick(rng, nasties().size())];
      return std::string{paths[5 + pick(rng, 5)]} + q;
    }
    case 6:
      return "/getAllSentMessages?limit=" + std::to_string(rng() % 5000)
             + "&userId=%zz&orderId=" + random_token(rng);
    default:
      return paths[pick(rng, std::size(paths))];
  }
}

std::string random_content_type(rng_type& rng) {
  static const char* types[] = {"application/json",
                                "application/json",
                                "text/plain",
                                "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=x",
                                "",
                                "application/json; charset=latin1",
                                "image/png"};
  return types[pick(rng, std::size(types))];
}

/// A random Idempotency-Key value: mostly plausible, sometimes not.
std::string random_key(rng_type& rng) {
  switch (pick(rng, 4)) {
    case 0:
      return std::string(256 + pick(rng, 100), 'k');
    case 1:
      return random_bytes(rng, 30);
    case 2:
      return "";
    default:
      return "key-" + std::to_string(rng() % 1000);
  }
}

/// The Authorization header lines of a request: mostly the operator's
/// token (so that most bodies reach the parsers and the services), else a
/// user's, none, a garbled or foreign one, or two.
std::string random_authorization(rng_type& rng, const std::string& user_token) {
  auto line = [](const std::string& value) {
    return "Authorization: " + value + "\r\n";
  };
  const auto& op = test_credentials::get().operator_token();
  switch (pick(rng, 12)) {
    case 0:
      return line("Bearer " + user_token);
    case 1:
      return "";
    case 2:
      return line("Bearer " + random_token(rng));
    case 3: { // a token with one character changed
      auto t = pick(rng, 2) == 0 ? user_token : op;
      t[pick(rng, t.size())] ^= 1;
      return line("Bearer " + t);
    }
    case 4:
      return line("Basic b3BlcmF0b3I6" + random_token(rng));
    case 5:
      return line(random_bytes(rng, 40));
    case 6:
      return line("Bearer " + op) + line("Bearer " + user_token);
    case 7:
      return line("bearer " + op + " extra");
    default:
      return line("Bearer " + op);
  }
}

generated random_request(rng_type& rng, const std::string& user_token) {
  generated g;
  if (pick(rng, 25) == 0) { // not HTTP at all
    g.bytes = random_bytes(rng, 200);
    return g;
  }
  // Half of the requests are well-aimed (a POST to a command), so that most
  // bodies reach the parsers and the services, not only the HTTP parser.
  bool aimed = pick(rng, 2) == 0;
  auto method = aimed ? std::string{"POST"} : random_method(rng);
  auto path = aimed ? post_routes[pick(rng, post_routes.size())]
                    : random_path(rng);
  auto body = pick(rng, 8) == 0 ? std::string{} : random_body(rng);
  std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     + "Connection: close\r\n";
  head += random_authorization(rng, user_token);
  if (auto ct = random_content_type(rng); !ct.empty())
    head += "Content-Type: " + ct + "\r\n";
  std::vector<std::string> keys;
  if (pick(rng, 3) == 0) {
    keys.push_back(random_key(rng));
    if (pick(rng, 5) == 0)
      keys.push_back(random_key(rng));
  }
  for (auto& k : keys)
    head += "Idempotency-Key: " + k + "\r\n";
  switch (pick(rng, aimed ? 60 : 20)) {
    case 0:
      head
        += "X-Big: " + std::string(100'000 + pick(rng, 100'000), 'b') + "\r\n";
      break;
    case 1:
      for (int i = 0; i < 500; ++i)
        head += "X-Many-" + std::to_string(i) + ": v\r\n";
      break;
    case 2:
      head += "this line has no colon\r\n";
      break;
    case 3:
      head += "X-Bad: " + random_bytes(rng, 20) + "\r\n";
      break;
    default:
      break;
  }
  // The framing, and the body the server would see if it dispatched.
  std::string effective = body;
  std::string framed;
  switch (pick(rng, aimed ? 20 : 10)) {
    case 0: { // Content-Length too large: a truncated request
      framed = head + "Content-Length: "
               + std::to_string(body.size() + 1 + pick(rng, 100)) + "\r\n\r\n"
               + body;
      effective.clear(); // never complete, never dispatched
      break;
    }
    case 1: { // Content-Length too small: the rest is a "next request"
      auto n = body.empty() ? 0 : pick(rng, body.size());
      effective = body.substr(0, n);
      framed
        = head + "Content-Length: " + std::to_string(n) + "\r\n\r\n" + body;
      break;
    }
    case 2: // no Content-Length: no body, the bytes follow as garbage
      effective.clear();
      framed = head + "\r\n" + body;
      break;
    case 3: { // chunked, well-formed
      char size[32];
      std::snprintf(size, sizeof(size), "%zx", body.size());
      framed
        = head + "Transfer-Encoding: chunked\r\n\r\n"
          + (body.empty() ? "" : std::string{size} + "\r\n" + body + "\r\n")
          + "0\r\n\r\n";
      break;
    }
    case 4: // chunked, malformed
      framed
        = head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n";
      effective.clear();
      break;
    case 5: // a garbage Content-Length
      framed
        = head + "Content-Length: " + random_token(rng) + "\r\n\r\n" + body;
      effective.clear();
      break;
    default:
      framed = head + "Content-Length: " + std::to_string(body.size())
               + "\r\n\r\n" + body;
      break;
  }
  if (pick(rng, 20) == 0) { // cut anywhere
    framed.resize(pick(rng, framed.size() + 1));
    effective.clear();
  }
  g.bytes = std::move(framed);
  // Bad input only: skip anything the server might run as a command (only
  // POST runs one; a random token might spell it).
  static const std::vector<std::string> not_post
    = {"GET",     "PUT",     "DELETE", "PATCH", "HEAD",
       "OPTIONS", "CONNECT", "TRACE",  "post"};
  bool may_post = std::find(not_post.begin(), not_post.end(), method)
                  == not_post.end();
  for (auto& route : post_routes)
    if (may_post && path.find(route) != std::string::npos)
      if (might_be_valid(route, effective, keys)
          || might_be_valid(route, body, keys))
        g.skip = true;
  return g;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_fuzz)

BOOST_FIXTURE_TEST_CASE(garbage_gets_4xx_or_a_close_and_changes_nothing,
                        server_fixture) {
  auto seed = fault_seed();
  auto count = env_number("ACTORSHOP_FAULT_FUZZ_REQUESTS", 3000);
  std::cout << "http fuzz test: seed " << seed << std::endl;
  // Some state to protect: a user with money, a paid order, a message.
  auto user = register_user("fuzz@example.com", "Fuzz");
  auto user_token = login("fuzz@example.com");
  deposit(user, 100);
  auto order = create_order(user, 3)["orderId"].get<int64_t>();
  BOOST_TEST_REQUIRE(settled_order(order)["status"] == "paid");
  figures before_figures;
  auto before = quiesce_and_audit(db.conninfo(), before_figures);

  rng_type rng{seed};
  http_client fuzz_client{"127.0.0.1", port, std::chrono::seconds(10)};
  size_t sent = 0, skipped = 0, closed = 0, hung = 0;
  std::map<int, size_t> statuses;
  std::vector<std::string> bad;
  for (size_t i = 0; i < count; ++i) {
    auto g = random_request(rng, user_token);
    if (g.skip) {
      ++skipped;
      continue;
    }
    ++sent;
    auto r = raw_exchange(fuzz_client, g.bytes);
    if (r.hung) {
      ++hung;
      bad.push_back("hang: " + escaped(g.bytes));
    } else if (r.status == 0) {
      ++closed;
      if (std::getenv("ACTORSHOP_FAULT_FUZZ_SHOW_CLOSED") != nullptr)
        std::cout << "closed: " << escaped(g.bytes.substr(0, 200)) << "\n";
    } else {
      ++statuses[r.status];
      // GETs may succeed; nothing may fail on the server's side.
      if (r.status >= 500 || r.status < 200)
        bad.push_back(std::to_string(r.status) + ": " + escaped(g.bytes));
    }
    if (i % 250 == 0)
      BOOST_TEST_REQUIRE(!proc->exited(), "actorshop died after '"
                                            << escaped(g.bytes) << "'; log:\n"
                                            << proc->log());
  }
  BOOST_TEST_REQUIRE(!proc->exited(), "actorshop died; log:\n" << proc->log());
  BOOST_TEST(client.get("/health").status == 200);
  BOOST_TEST(bad.empty(), bad.size()
                            << " bad answers (seed " << seed
                            << "), first: " << (bad.empty() ? "" : bad[0]));
  for (size_t i = 1; i < std::min<size_t>(bad.size(), 5); ++i)
    BOOST_TEST_MESSAGE("also: " << bad[i]);
  BOOST_TEST(hung == 0u);
  // Nothing changed.
  figures after_figures;
  auto after = quiesce_and_audit(db.conninfo(), after_figures);
  BOOST_TEST((after.counts == before.counts),
             "before: " << pg::to_string(before.counts)
                        << "\nafter:  " << pg::to_string(after.counts));
  BOOST_TEST(balance(user)["balance"] == 75);
  std::cout << "http fuzz test: " << sent << " requests sent (" << skipped
            << " possibly valid ones skipped), " << closed
            << " connections closed without an answer, statuses:";
  for (auto& [status, n] : statuses)
    std::cout << " " << status << "x" << n;
  std::cout << "; audit counts unchanged: "
            << (after.counts == before.counts ? "yes" : "NO") << std::endl;
  // The generator must reach the services, not only the HTTP parser.
  BOOST_TEST(statuses[400] > 100u);
  BOOST_TEST(statuses[404] > 10u);
}

BOOST_AUTO_TEST_SUITE_END()
