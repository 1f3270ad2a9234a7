// HTTPS on the front (--http-tls-cert, --http-tls-key; issue 14): the real
// server started with a certificate of a test CA (support/certs.hpp), then
// the walkthrough of the API over TLS by curl --cacert and by the suite's
// own client, the protocol versions as openssl s_client sees them, what an
// untrusting client and a plain HTTP client get, the wire guard's refusals
// over TLS, and a client that connects and never says anything (it must not
// keep a connection slot: RESTinio's read timeout starts only after the
// handshake).

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "http/server_fixture.hpp"
#include "support/certs.hpp"
#include "support/command.hpp"

using namespace shop::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// `s` as one word of a POSIX shell command.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (auto c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// What curl got: its exit code and error text, and the response it read.
struct curl_result {
  int exit_code = -1;
  std::string error;
  http_response resp;
};

/// One request by curl, in files of `dir`: `args` go before the URL.
curl_result curl(const std::filesystem::path& dir,
                 const std::vector<std::string>& args, const std::string& url) {
  static int counter = 0;
  auto stem = dir / ("curl-" + std::to_string(counter++));
  auto head = stem.string() + ".head";
  auto body = stem.string() + ".body";
  auto err = stem.string() + ".err";
  std::string cmd
    = "curl -sS --max-time 20 -D " + sh_quote(head) + " -o " + sh_quote(body);
  for (const auto& a : args)
    cmd += " " + sh_quote(a);
  cmd += " " + sh_quote(url) + " 2>" + sh_quote(err);
  curl_result result;
  result.exit_code = run_command(cmd).exit_code;
  result.error = read_file(err);
  result.resp.body = read_file(body);
  // The last header block (after any interim 100 Continue).
  std::istringstream lines{read_file(head)};
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {
      result.resp.headers.clear();
      auto sp = line.find(' ');
      result.resp.status = std::stoi(line.substr(sp + 1, 3));
    } else if (auto colon = line.find(':'); colon != std::string::npos) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      result.resp.headers.emplace(to_lower(line.substr(0, colon)), value);
    }
  }
  return result;
}

/// Sends one API request: method, target, JSON body (empty: none), bearer
/// token (empty: none). The walkthrough runs over each kind of client.
using send_function
  = std::function<http_response(const std::string&, const std::string&,
                                const std::string&, const std::string&)>;

/// Whether `fd` has something to read (data or the end) within `limit`.
bool readable_within(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

/// Whether the server ended the connection `fd` (the end of the stream or a
/// reset); reads and drops what it sent before.
bool ended(int fd) {
  char buf[4096];
  auto n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/// The server fixture, restarted over HTTPS with a certificate for
/// `localhost` (SAN DNS:localhost, IP:127.0.0.1, IP:::1) of a CA of its own;
/// `client` then talks HTTPS as the operator.
struct https_server : server_fixture {
  test_ca ca{"https"};

  https_server() {
    ca.issue("localhost");
  }

  void restart_https(const std::vector<std::string>& extra = {}) {
    if (proc && !proc->exited())
      stop();
    std::vector<std::string> options{"--http-tls-cert=" + ca.cert("localhost"),
                                     "--http-tls-key=" + ca.key("localhost")};
    options.insert(options.end(), extra.begin(), extra.end());
    proc = std::make_unique<actorshop_process>(db.conninfo(), port, options);
    auto line
      = "actorshop listening on https://127.0.0.1:" + std::to_string(port);
    auto probe = tls_client();
    bool up = eventually([&] {
      if (proc->exited())
        return true;
      if (proc->log().find(line) == std::string::npos)
        return false;
      auto resp = probe.try_get("/health");
      return resp && resp->status == 200;
    });
    BOOST_TEST_REQUIRE(!proc->exited(), "actorshop exited; log:\n"
                                          << proc->log());
    BOOST_TEST_REQUIRE(up, "no '" << line << "' and /health over TLS; log:\n"
                                  << proc->log());
    client = tls_client(test_credentials::get().operator_token());
  }

  /// An HTTPS client that trusts the test CA.
  http_client tls_client(const std::string& bearer = {}) const {
    http_client result{"127.0.0.1", port, 10s};
    result.ca_file = ca.ca();
    result.bearer = bearer;
    return result;
  }

  std::string url(const std::string& target,
                  const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(port) + target;
  }

  /// The walkthrough's requests through curl --cacert.
  send_function curl_sender() const {
    return [this](const std::string& method, const std::string& target,
                  const std::string& body, const std::string& bearer) {
      std::vector<std::string> args{"--cacert", ca.ca(), "-X", method};
      if (!bearer.empty())
        args.insert(args.end(), {"-H", "Authorization: Bearer " + bearer});
      if (!body.empty())
        args.insert(args.end(), {"-H", "Content-Type: application/json",
                                 "--data-binary", body});
      auto r = curl(ca.dir(), args, url(target));
      BOOST_TEST_REQUIRE(r.exit_code == 0,
                         method << " " << target << ": curl exit code "
                                << r.exit_code << ": " << r.error);
      return r.resp;
    };
  }

  /// The walkthrough's requests through the suite's client over TLS.
  send_function client_sender() const {
    return [this](const std::string& method, const std::string& target,
                  const std::string& body, const std::string& bearer) {
      auto c = tls_client(bearer);
      return c.request(method, target, body,
                       body.empty() ? "" : "application/json");
    };
  }

  /// The flow of the issue as a user does it (register, login, the account,
  /// a deposit, a paid and a rejected order, the balance, the notifications),
  /// every answer checked, through `send`.
  void walkthrough(const send_function& send, const std::string& email) {
    auto reg = call(send("POST", "/register",
                         json{{"email", email},
                              {"name", "Ann"},
                              {"password", test_password}}
                           .dump(),
                         ""),
                    201);
    auto user = reg.at("userId").get<int64_t>();
    auto login
      = call(send("POST", "/login",
                  json{{"email", email}, {"password", test_password}}.dump(),
                  ""),
             200);
    BOOST_TEST(login.value("tokenType", "") == "Bearer");
    BOOST_TEST(login.value("userId", int64_t{0}) == user);
    auto token = login.at("token").get<std::string>();
    BOOST_TEST(call(send("GET", "/getUserInfo", "", token), 200)
               == json({{"userId", user}, {"name", "Ann"}, {"email", email}}));
    check_error(send("GET", "/myBalance", "", ""), 401, "unauthorized");
    // The account exists since the registration: 200, balance 0.
    auto account = call(send("POST", "/createAccount", "{}", token), 200);
    BOOST_TEST(account.at("balance").dump() == "0");
    BOOST_TEST(
      call(send("POST", "/deposit", json{{"sum", 500}}.dump(), token), 200)
      == json({{"userId", user}, {"balance", 500}}));
    auto order = [&](int64_t item, const std::string& expected) {
      auto created = call(send("POST", "/createOrder",
                               json{{"itemId", item}}.dump(), token),
                          201);
      BOOST_TEST(created.value("status", "") == "pending");
      auto id = created.at("orderId").get<int64_t>();
      json last;
      bool settled = eventually([&] {
        last = call(send("GET", "/getOrder?orderId=" + std::to_string(id), "",
                         token),
                    200);
        return last.value("status", "") != "pending";
      });
      BOOST_TEST_REQUIRE(settled, "order still pending: " << last.dump());
      BOOST_TEST(last.value("status", "") == expected, last.dump());
      return id;
    };
    auto paid = order(2, "paid");         // 300 of 500
    auto rejected = order(1, "rejected"); // 1500 of 200
    BOOST_TEST(call(send("GET", "/myBalance", "", token), 200)
               == json({{"userId", user}, {"balance", 200}}));
    json msgs;
    bool both = eventually([&] {
      msgs = call(send("GET", "/getAllSentMessages", "", token), 200);
      return msgs.is_array() && msgs.size() >= 2;
    });
    BOOST_TEST_REQUIRE(both, "expected 2 messages: " << msgs.dump());
    BOOST_TEST_REQUIRE(msgs.size() == 2u, msgs.dump());
    BOOST_TEST(msgs[0].value("orderId", int64_t{0}) == rejected);
    BOOST_TEST(msgs[1].value("orderId", int64_t{0}) == paid);
    BOOST_TEST(lower(msgs[0].value("body", "")).find("not enough")
                 != std::string::npos,
               msgs.dump());
    BOOST_TEST(lower(msgs[1].value("body", "")).find("paid")
                 != std::string::npos,
               msgs.dump());
  }

  /// openssl s_client with one protocol version option (-tls1_2, ...),
  /// verifying the chain and the address; the client allows every version
  /// and cipher itself (security level 0), so a refusal is the server's.
  command_result s_client(const std::string& version) const {
    return run_command("openssl s_client -connect 127.0.0.1:"
                       + std::to_string(port) + " -CAfile " + sh_quote(ca.ca())
                       + " -verify_ip 127.0.0.1 -verify_return_error "
                       + "-cipher DEFAULT@SECLEVEL=0 " + version
                       + " </dev/null 2>&1");
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_https, https_server)

BOOST_AUTO_TEST_CASE(the_flow_runs_over_tls_with_curl_cacert) {
  restart_https();
  walkthrough(curl_sender(), "ann@example.com");
  // The address of the certificate's IP SAN verifies as well.
  auto r = curl(ca.dir(), {"--cacert", ca.ca()}, url("/health", "127.0.0.1"));
  BOOST_TEST(r.exit_code == 0, r.error);
  BOOST_TEST(r.resp.status == 200);
}

BOOST_AUTO_TEST_CASE(the_flow_runs_over_tls_with_the_suite_client) {
  restart_https();
  walkthrough(client_sender(), "bob@example.com");
  // And as the operator, through the fixture's own shorthands.
  auto user = register_user("cid@example.com", "Cid");
  deposit(user, 100);
  auto id = create_order(user, 3)["orderId"].get<int64_t>();
  BOOST_TEST(settled_order(id)["status"] == "paid");
  BOOST_TEST(balance(user)["balance"].dump() == "75");
  messages_eventually(1, "?userId=" + std::to_string(user));
}

BOOST_AUTO_TEST_CASE(tls_1_2_and_1_3_verify_and_older_versions_are_refused) {
  restart_https();
  for (const auto* version : {"-tls1_2", "-tls1_3"}) {
    auto r = s_client(version);
    BOOST_TEST_INFO(version << ":\n" << r.output);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.output.find("Verify return code: 0 (ok)")
               != std::string::npos);
    BOOST_TEST(r.output.find("Cipher is (NONE)") == std::string::npos);
    auto expected = std::string{version} == "-tls1_2" ? "TLSv1.2" : "TLSv1.3";
    BOOST_TEST(r.output.find(std::string{"New, "} + expected + ", Cipher is")
               != std::string::npos);
  }
  for (const auto* version : {"-tls1_1", "-tls1"}) {
    auto r = s_client(version);
    BOOST_TEST_INFO(version << ":\n" << r.output);
    BOOST_TEST(r.exit_code != 0);
    BOOST_TEST(r.output.find("Cipher is (NONE)") != std::string::npos);
    // The server's answer to a version below its minimum (alert 70), not
    // a missing cipher (which its security level alone would give).
    BOOST_TEST(r.output.find("alert protocol version") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_client_that_does_not_trust_the_ca_fails_verification) {
  restart_https();
  auto r = curl(ca.dir(), {}, url("/health"));
  BOOST_TEST(r.exit_code == 60,
             "curl exit code " << r.exit_code << ": " << r.error);
  BOOST_TEST(r.resp.status == 0);
  // Nor does a certificate of another CA pass.
  test_ca other{"https-other"};
  other.issue("localhost");
  auto untrusting = tls_client();
  untrusting.ca_file = other.ca();
  BOOST_CHECK_THROW(untrusting.get("/health"), http_error);
  BOOST_TEST(tls_client().get("/health").status == 200);
}

BOOST_AUTO_TEST_CASE(plain_http_to_the_https_port_gets_no_http_answer) {
  restart_https();
  auto fd = connect_tcp("127.0.0.1", port, 10s);
  send_all(fd.get(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Connection: close\r\n\r\n");
  auto got = recv_all(fd.get()); // the server closes: recv_all returns
  BOOST_TEST(got.find("HTTP/") == std::string::npos, got);
  BOOST_TEST(got.find("status") == std::string::npos, got);
  http_client plain{"127.0.0.1", port, 10s};
  BOOST_CHECK_THROW(plain.get("/health"), http_error);
  BOOST_TEST(tls_client().get("/health").status == 200);
}

BOOST_AUTO_TEST_CASE(the_wire_guard_refuses_over_tls) {
  restart_https({"--http-max-header-bytes=1024", "--http-max-body-bytes=1024"});
  auto c = tls_client();
  auto big = c.request("GET", "/health", "", "",
                       {{"X-Padding", std::string(2000, 'a')}});
  check_error(big, 431, "headers_too_large");
  BOOST_TEST(lower(big.header("connection")) == "close");
  // A body over the limit, sent whole: the refusal is read after it, every
  // time (after its close_notify the server drops the rest of the body
  // under the TLS layer; OpenSSL would fail on it, and the connection reset
  // could come before the client read the answer: a race, hence 10 tries).
  auto body = json{{"email", std::string(900000, 'a')}}.dump();
  for (int i = 0; i < 10; ++i)
    check_error(c.post("/register", body), 413, "body_too_large");
  auto r
    = curl(ca.dir(),
           {"--cacert", ca.ca(), "-H", "X-Padding: " + std::string(2000, 'b')},
           url("/health"));
  BOOST_TEST(r.exit_code == 0, r.error);
  BOOST_TEST(r.resp.status == 431);
  BOOST_TEST(c.get("/health").status == 200);
}

BOOST_AUTO_TEST_CASE(a_silent_connection_is_closed_after_the_read_timeout) {
  restart_https({"--http-read-timeout-ms=500"});
  auto silent = connect_tcp("127.0.0.1", port, 10s);
  auto t0 = clock_type::now();
  auto c = tls_client();
  int answers = 0;
  bool closed = eventually([&] {
    BOOST_TEST_REQUIRE(c.get("/health").status == 200);
    ++answers;
    return readable_within(silent.get(), 0ms) && ended(silent.get());
  });
  auto waited = clock_type::now() - t0;
  BOOST_TEST_REQUIRE(closed, "the silent connection is still open");
  BOOST_TEST(answers >= 1);
  // Closed by the timeout, not at once.
  BOOST_TEST(
    std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
    >= 400);
}

BOOST_AUTO_TEST_CASE(silent_connections_do_not_keep_the_connection_slots) {
  restart_https({"--http-read-timeout-ms=500", "--http-max-connections=2"});
  // Both slots taken by clients that never start the handshake (accepted
  // first: the kernel queues connections in order).
  auto first = connect_tcp("127.0.0.1", port, 10s);
  auto second = connect_tcp("127.0.0.1", port, 10s);
  auto t0 = clock_type::now();
  auto resp = tls_client().get("/health");
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
    clock_type::now() - t0);
  BOOST_TEST(resp.status == 200);
  // It waited for the slots: the test's premise.
  BOOST_TEST(waited.count() >= 300);
  for (auto* fd : {&first, &second}) {
    BOOST_TEST(readable_within(fd->get(), 10s));
    BOOST_TEST(ended(fd->get()));
  }
  // A stop while a handshake waits exits, with 0 (stop() checks).
  auto third = connect_tcp("127.0.0.1", port, 10s);
  stop();
}

BOOST_AUTO_TEST_SUITE_END()
