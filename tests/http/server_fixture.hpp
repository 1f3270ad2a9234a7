#pragma once

// Runs the real `actorshop` binary for the end-to-end tests: a fresh database
// per fixture (CREATE DATABASE on the throwaway cluster that ctest starts), a
// free port, start, wait until /health answers, stop with a signal.
//
// Environment (set by ctest, see tests/CMakeLists.txt):
//   ACTORSHOP_BINARY         the executable under test
//   ACTORSHOP_TEST_PG_STATE  directory whose file "url" holds a conninfo
//   ACTORSHOP_SOURCE_DIR     the source tree (for config/catalog.csv)

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include "support/credentials.hpp"
#include "support/http_client.hpp"
#include "support/raw_socket.hpp"

namespace shop::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// How long the tests wait for anything asynchronous (start-up, an order
/// being processed, a stop) before they fail. Generous: machines are slow.
inline constexpr auto patience = std::chrono::seconds(30);

/// A required environment variable; fails the test when unset.
inline std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  BOOST_TEST_REQUIRE((value != nullptr && *value != '\0'),
                     "environment variable " << name
                                             << " is not set (run via ctest)");
  return value;
}

/// Polls `condition` until it holds or `patience` passes. Returns whether it
/// held. The short pause between polls only paces the loop; the deadline
/// bounds it.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::steady_clock::duration limit = patience) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
}

/// A TCP port nobody listens on right now (the kernel picks it).
inline uint16_t free_port() {
  socket_fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  BOOST_TEST_REQUIRE(fd.get() >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  BOOST_TEST_REQUIRE(
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  BOOST_TEST_REQUIRE(
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return ntohs(addr.sin_port);
}

// -- database -----------------------------------------------------------------

/// A database of its own on the test cluster, dropped again at the end.
class test_database {
public:
  test_database() {
    auto state = required_env("ACTORSHOP_TEST_PG_STATE");
    std::ifstream in{state + "/url"};
    std::getline(in, admin_conninfo_);
    BOOST_TEST_REQUIRE(!admin_conninfo_.empty(),
                       "no conninfo in " << state << "/url");
    static std::atomic<int> counter{0};
    name_ = "actorshop_http_" + std::to_string(::getpid()) + "_"
            + std::to_string(counter++) + "_"
            + std::to_string(
              std::chrono::steady_clock::now().time_since_epoch().count());
    admin_exec("CREATE DATABASE ");
    conninfo_ = with_dbname(admin_conninfo_, name_);
  }

  test_database(const test_database&) = delete;
  test_database& operator=(const test_database&) = delete;

  ~test_database() {
    try {
      admin_exec("DROP DATABASE IF EXISTS ", " WITH (FORCE)");
    } catch (...) {
      // Best effort: the whole cluster is thrown away after the run.
    }
  }

  /// The conninfo of this database, for --db-url.
  const std::string& conninfo() const noexcept {
    return conninfo_;
  }

private:
  /// Runs `prefix <quoted name> suffix` on the admin database. Database
  /// names cannot be query parameters; the name is ours and quoted anyway.
  void admin_exec(const std::string& prefix, const std::string& suffix = "") {
    std::unique_ptr<PGconn, decltype(&PQfinish)>
      conn{PQconnectdb(admin_conninfo_.c_str()), &PQfinish};
    if (PQstatus(conn.get()) != CONNECTION_OK)
      BOOST_FAIL("cannot connect to " << admin_conninfo_ << ": "
                                      << PQerrorMessage(conn.get()));
    std::unique_ptr<char, decltype(&PQfreemem)>
      quoted{PQescapeIdentifier(conn.get(), name_.c_str(), name_.size()),
             &PQfreemem};
    BOOST_TEST_REQUIRE(static_cast<bool>(quoted));
    auto sql = prefix + quoted.get() + suffix;
    std::unique_ptr<PGresult, decltype(&PQclear)> res{PQexec(conn.get(),
                                                             sql.c_str()),
                                                      &PQclear};
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      BOOST_FAIL(sql << ": " << PQerrorMessage(conn.get()));
  }

  /// Rebuilds `conninfo` (key=value or URL form) with another dbname.
  static std::string with_dbname(const std::string& conninfo,
                                 const std::string& dbname) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>
      opts{PQconninfoParse(conninfo.c_str(), &err), &PQconninfoFree};
    if (!opts) {
      std::string msg = err != nullptr ? err : "unknown error";
      PQfreemem(err);
      BOOST_FAIL("cannot parse conninfo '" << conninfo << "': " << msg);
    }
    auto quote = [](const std::string& v) {
      std::string out = "'";
      for (auto c : v) {
        if (c == '\'' || c == '\\')
          out += '\\';
        out += c;
      }
      return out + "'";
    };
    std::string result;
    for (auto* o = opts.get(); o->keyword != nullptr; ++o) {
      if (o->val == nullptr || std::string{o->keyword} == "dbname")
        continue;
      result += std::string{o->keyword} + "=" + quote(o->val) + " ";
    }
    return result + "dbname=" + quote(dbname);
  }

  std::string admin_conninfo_;
  std::string name_;
  std::string conninfo_;
};

// -- the server process -------------------------------------------------------

/// One run of the actorshop binary; killed in the destructor if still alive.
class actorshop_process {
public:
  /// `extra` options follow the defaults (and win over them).
  actorshop_process(const std::string& db_url, uint16_t port,
                    const std::vector<std::string>& extra = {})
    : port_(port) {
    auto binary = required_env("ACTORSHOP_BINARY");
    auto source = required_env("ACTORSHOP_SOURCE_DIR");
    static std::atomic<int> counter{0};
    // Logs go next to the binary, numbered per run: the next run overwrites
    // them instead of piling files up, and a failed run leaves them to read.
    auto log_dir
      = std::filesystem::path{binary}.parent_path() / "http-test-logs";
    std::filesystem::create_directories(log_dir);
    log_path_ = log_dir / ("actorshop-" + std::to_string(counter++) + ".log");
    std::vector<std::string> args{
      binary,
      "--db-url=" + db_url,
      "--http-host=127.0.0.1",
      "--http-port=" + std::to_string(port),
      // Two I/O threads, so the tests also exercise RESTinio's strands.
      "--http-threads=2",
      "--catalog=" + source + "/config/catalog.csv",
    };
    auto secrets = test_credentials::get().options();
    args.insert(args.end(), secrets.begin(), secrets.end());
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int log_fd = ::open(log_path_.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    BOOST_TEST_REQUIRE(log_fd >= 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec. Undo what the test
      // runner may have changed: blocked or ignored signals are inherited.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      signal(SIGTERM, SIG_DFL);
      signal(SIGINT, SIG_DFL);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(log_fd);
    BOOST_TEST_REQUIRE(pid_ > 0, "fork failed");
  }

  actorshop_process(const actorshop_process&) = delete;
  actorshop_process& operator=(const actorshop_process&) = delete;

  ~actorshop_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  /// The process id (0 or less once it exited).
  pid_t pid() const noexcept {
    return pid_;
  }

  uint16_t port() const noexcept {
    return port_;
  }

  /// Everything the process wrote so far.
  std::string log() const {
    std::ifstream in{log_path_};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  /// Whether the process has exited; records its status if so.
  bool exited() {
    if (pid_ <= 0)
      return true;
    int status = 0;
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      pid_ = -1;
      return true;
    }
    return false;
  }

  /// Waits until GET /health answers 200; fails the test with the process
  /// log if it exits first or takes longer than `patience`.
  void wait_until_healthy() {
    http_client client{"127.0.0.1", port_, 2s};
    bool healthy = eventually([&] {
      if (exited())
        return true;
      auto resp = client.try_get("/health");
      return resp && resp->status == 200;
    });
    BOOST_TEST_REQUIRE(!exited(), "actorshop exited during start-up with "
                                    << describe_status() << "; log:\n"
                                    << log());
    BOOST_TEST_REQUIRE(healthy, "actorshop did not become healthy; log:\n"
                                  << log());
  }

  /// Sends `signo` and waits for the exit; returns the exit code (or
  /// 128 + signal when killed by one). Fails when it takes too long.
  int stop(int signo = SIGTERM) {
    BOOST_TEST_REQUIRE(pid_ > 0, "actorshop is not running");
    ::kill(pid_, signo);
    bool gone = eventually([&] { return exited(); });
    BOOST_TEST_REQUIRE(gone, "actorshop did not exit after signal "
                               << signo << "; log:\n"
                               << log() << stacks());
    return exit_code();
  }

  /// The exit code once exited: the status, or 128 + the killing signal.
  int exit_code() const {
    if (WIFEXITED(status_))
      return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_))
      return 128 + WTERMSIG(status_);
    return -1;
  }

private:
  /// Every thread's stack of the (stuck) process, when gdb is installed:
  /// a hang is diagnosed from the failure message alone.
  std::string stacks() const {
    if (pid_ <= 0 || std::system("command -v gdb >/dev/null 2>&1") != 0)
      return {};
    auto out = log_path_;
    out += ".stacks";
    auto cmd = "gdb -p " + std::to_string(pid_)
               + " -batch -ex 'thread apply all bt' >" + out.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0)
      return {};
    std::ifstream in{out};
    std::stringstream ss;
    ss << "\nstacks (gdb):\n" << in.rdbuf();
    return ss.str();
  }

  std::string describe_status() const {
    if (WIFSIGNALED(status_))
      return "signal " + std::to_string(WTERMSIG(status_));
    return "exit code " + std::to_string(exit_code());
  }

  uint16_t port_;
  pid_t pid_ = -1;
  int status_ = 0;
  std::filesystem::path log_path_;
};

// -- JSON helpers -------------------------------------------------------------

/// The body as JSON; fails the test when the body is not JSON or the
/// response is not labelled application/json, or, for an answer of the
/// router (one with an X-Request-Id), may be cached.
inline json json_of(const http_response& resp) {
  BOOST_TEST(resp.header("content-type") == "application/json");
  if (!resp.header("x-request-id").empty())
    BOOST_TEST(resp.header("cache-control") == "no-store",
               "Cache-Control: '" << resp.header("cache-control") << "'");
  try {
    return json::parse(resp.body);
  } catch (const json::exception& e) {
    BOOST_FAIL("response is not JSON (" << e.what() << "): " << resp.body);
  }
  return {};
}

/// Checks an error answer: status, code and a non-empty message, and for
/// an answer of the router the request's id (X-Request-Id) as requestId.
inline void check_error(const http_response& resp, int status,
                        const std::string& code) {
  BOOST_TEST(resp.status == status, "status " << resp.status << ", expected "
                                              << status << "; body "
                                              << resp.body);
  auto body = json_of(resp);
  BOOST_TEST_REQUIRE(body.is_object(), resp.body);
  BOOST_TEST(body.value("error", "") == code, resp.body);
  BOOST_TEST(body.contains("message"));
  BOOST_TEST((body["message"].is_string()
              && !body["message"].get<std::string>().empty()),
             resp.body);
  if (auto id = resp.header("x-request-id"); !id.empty())
    BOOST_TEST(body.value("requestId", "") == id, resp.body);
}

/// Lower-cases ASCII letters, for case-insensitive text checks.
inline std::string lower(std::string s) {
  return to_lower(std::move(s));
}

// -- through a validating proxy ----------------------------------------------

/// The contract run (tests/http/prism/run.sh, ctest http_prism) puts
/// Stoplight Prism, an OpenAPI validating proxy, between the tests and the
/// server: the server listens on ACTORSHOP_TEST_UPSTREAM_PORT, the client
/// talks to ACTORSHOP_TEST_PROXY_PORT. Unset: the client talks to the
/// server directly on a free port.
inline uint16_t env_port(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0'
           ? static_cast<uint16_t>(std::stoi(value))
           : uint16_t{0};
}

inline uint16_t server_port() {
  auto upstream = env_port("ACTORSHOP_TEST_UPSTREAM_PORT");
  return upstream != 0 ? upstream : free_port();
}

inline uint16_t client_port(uint16_t server) {
  auto proxy = env_port("ACTORSHOP_TEST_PROXY_PORT");
  return proxy != 0 ? proxy : server;
}

/// Fails the test on what the proxy found wrong in an exchange (its
/// `sl-violations` header): any violation of the response, and a violation
/// of a request the server accepted (2xx), which means that the document
/// refuses what the server serves. A refused request the document also
/// refuses is what the error tests are for.
inline void check_contract(const std::string& request_line,
                           const http_response& resp) {
  auto header = resp.header("sl-violations");
  if (header.empty())
    return;
  auto violations = json::parse(header, nullptr, false);
  BOOST_TEST_REQUIRE(violations.is_array(), "sl-violations: " << header);
  for (auto& v : violations) {
    auto where = v.value("location", json::array());
    auto side = where.empty() ? std::string{} : where[0].get<std::string>();
    bool accepted = resp.status / 100 == 2;
    BOOST_TEST((side != "response" && !(side == "request" && accepted)),
               request_line << " -> " << resp.status << ": the contract says "
                            << v.dump());
  }
}

// -- the fixture --------------------------------------------------------------

/// The password every test user gets.
inline const std::string test_password = "correct horse battery";

/// A running actorshop on a fresh database, and a client for it that acts
/// as an operator (who may act for any user), so the tests of the services
/// read as before; `session()` gives a user's own client.
struct server_fixture {
  test_database db;
  uint16_t port = server_port();
  std::unique_ptr<actorshop_process> proc;
  http_client client = operator_client();

  server_fixture() {
    start();
  }

  /// A client with the operator token.
  http_client operator_client() const {
    auto result = anonymous_client();
    result.bearer = test_credentials::get().operator_token();
    return result;
  }

  /// A client without credentials.
  http_client anonymous_client() const {
    http_client result{"127.0.0.1", client_port(port)};
    if (result.port() != port)
      result.on_response = check_contract;
    return result;
  }

  /// Logs in as `email` (registered with test_password); returns the token.
  std::string login(const std::string& email,
                    const std::string& password = test_password) {
    auto c = anonymous_client();
    auto body
      = call(c.post("/login",
                    json{{"email", email}, {"password", password}}.dump()),
             200);
    BOOST_TEST_REQUIRE(body.contains("token"), body.dump());
    return body["token"].get<std::string>();
  }

  /// A client logged in as `email`.
  http_client session(const std::string& email) {
    auto result = anonymous_client();
    result.bearer = login(email);
    return result;
  }

  /// Boost.Test calls this after each test case: every test also checks
  /// that the server still stops cleanly after what the test did to it.
  void teardown() {
    if (proc && !proc->exited())
      stop();
  }

  /// Starts (again) on the same database and port.
  void start() {
    proc = std::make_unique<actorshop_process>(db.conninfo(), port);
    proc->wait_until_healthy();
  }

  /// Stops with SIGTERM and checks the exit code is 0.
  void stop() {
    auto rc = proc->stop(SIGTERM);
    BOOST_TEST(rc == 0, "exit code " << rc << "; log:\n" << proc->log());
  }

  // -- API shorthands, each checking the status --------------------------------

  json call(const http_response& resp, int expected_status) {
    BOOST_TEST(resp.status == expected_status,
               "status " << resp.status << ", expected " << expected_status
                         << "; body " << resp.body);
    return json_of(resp);
  }

  int64_t register_user(const std::string& email, const std::string& name) {
    auto body = call(client.post("/register", json{{"email", email},
                                                   {"name", name},
                                                   {"password", test_password}}
                                                .dump()),
                     201);
    BOOST_TEST_REQUIRE(body.contains("userId"), body.dump());
    return body["userId"].get<int64_t>();
  }

  json balance(int64_t user) {
    return call(client.get("/myBalance?userId=" + std::to_string(user)), 200);
  }

  json deposit(int64_t user, const json& sum) {
    return call(client.post("/deposit",
                            json{{"userId", user}, {"sum", sum}}.dump()),
                200);
  }

  json create_order(int64_t user, int64_t item, int quantity = 1) {
    return call(client.post("/createOrder", json{{"userId", user},
                                                 {"itemId", item},
                                                 {"quantity", quantity}}
                                              .dump()),
                201);
  }

  json get_order(int64_t order) {
    return call(client.get("/getOrder?orderId=" + std::to_string(order)), 200);
  }

  /// Polls the order until it leaves "pending"; returns its final view.
  json settled_order(int64_t order) {
    json last;
    bool settled = eventually([&] {
      last = get_order(order);
      return last.value("status", "") != "pending";
    });
    BOOST_TEST_REQUIRE(settled,
                       "order " << order << " still pending: " << last.dump());
    return last;
  }

  json messages(const std::string& query = "") {
    return call(client.get("/getAllSentMessages" + query), 200);
  }

  /// Polls until the filtered message list has `n` entries.
  json messages_eventually(size_t n, const std::string& query = "") {
    json last;
    bool done = eventually([&] {
      last = messages(query);
      return last.is_array() && last.size() >= n;
    });
    BOOST_TEST_REQUIRE(done,
                       "expected " << n << " messages, got " << last.dump());
    BOOST_TEST(last.size() == n);
    return last;
  }
};

} // namespace shop::test
