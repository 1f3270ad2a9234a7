// Logging in against a real actorshop: right and wrong passwords, unknown
// emails (the same answer in about the same time), the failed-login window,
// token expiry, key rotation, the operator's password reset, what start-up
// refuses, and that no password or token ever reaches the log or /metrics.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "http/server_fixture.hpp"

using namespace shop::test;

namespace {

/// The answer to a login, without its request id.
struct login_answer {
  int status;
  json body;
};

login_answer try_login(server_fixture& f, const std::string& email,
                       const std::string& password) {
  auto resp
    = f.anonymous_client()
        .post("/login", json{{"email", email}, {"password", password}}.dump());
  auto body = json::parse(resp.body, nullptr, false);
  if (body.is_object())
    body.erase("requestId");
  return {resp.status, body};
}

/// A fixture whose actorshop takes extra options (restartable with others).
struct custom_server : server_fixture {
  void restart(const std::vector<std::string>& options) {
    if (proc && !proc->exited())
      stop();
    proc = std::make_unique<actorshop_process>(db.conninfo(), port, options);
    proc->wait_until_healthy();
  }
};

double median_ms(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(login, server_fixture)

BOOST_AUTO_TEST_CASE(right_and_wrong_passwords) {
  auto id = register_user("Ann@Example.com", "Ann");
  auto ok = anonymous_client().post("/login", json{{"email", "ann@example.COM"},
                                                   {"password", test_password}}
                                                .dump());
  auto body = call(ok, 200);
  BOOST_TEST(body["tokenType"] == "Bearer");
  BOOST_TEST(body["userId"] == id);
  BOOST_TEST(body["expiresIn"] == 3600);
  BOOST_TEST(ok.header("Cache-Control") == "no-store");
  auto token = body["token"].get<std::string>();
  auto me = anonymous_client();
  me.bearer = token;
  BOOST_TEST(call(me.get("/getUserInfo"), 200)["userId"] == id);
  // Wrong password and unknown email: one answer.
  auto wrong = try_login(*this, "ann@example.com", "not the password");
  auto unknown = try_login(*this, "nobody@example.com", "not the password");
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(wrong.body["error"] == "invalid_credentials");
  BOOST_TEST(unknown.status == wrong.status);
  BOOST_TEST(unknown.body == wrong.body);
  // Bad input is a 400 that asks nobody.
  check_error(anonymous_client().post("/login",
                                      R"({"email":"ann@example.com"})"),
              400, "missing_field");
  check_error(anonymous_client()
                .post("/login",
                      R"({"email":"ann@example.com","password":"short"})"),
              400, "invalid_field");
  check_error(
    anonymous_client()
      .post("/register",
            R"({"email":"bob@example.com","name":"Bob","password":"1234567"})"),
    400, "invalid_field");
}

BOOST_AUTO_TEST_CASE(the_failed_login_window) {
  register_user("eve@example.com", "Eve");
  register_user("fred@example.com", "Fred");
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(try_login(*this, "eve@example.com", "wrong password").status
               == 401);
  // The sixth attempt waits, even with the right password.
  auto resp
    = anonymous_client().post("/login", json{{"email", "eve@example.com"},
                                             {"password", test_password}}
                                          .dump());
  check_error(resp, 429, "too_many_attempts");
  auto wait = std::stoi(resp.header("Retry-After"));
  BOOST_TEST(wait > 0);
  BOOST_TEST(wait <= 600);
  // Other emails are not affected.
  call(anonymous_client().post("/login", json{{"email", "fred@example.com"},
                                              {"password", test_password}}
                                           .dump()),
       200);
}

BOOST_AUTO_TEST_CASE(an_operator_sets_a_password) {
  auto id = register_user("gus@example.com", "Gus");
  call(client.post("/setPassword",
                   json{{"userId", id}, {"password", "a new password"}}.dump()),
       200);
  BOOST_TEST(try_login(*this, "gus@example.com", test_password).status == 401);
  BOOST_TEST(try_login(*this, "gus@example.com", "a new password").status
             == 200);
  check_error(client.post("/setPassword", json{{"userId", 999999},
                                               {"password", "a new password"}}
                                            .dump()),
              404, "user_not_found");
}

BOOST_AUTO_TEST_CASE(secrets_stay_out_of_logs_and_metrics) {
  register_user("hal@example.com", "Hal");
  auto token = login("hal@example.com");
  try_login(*this, "hal@example.com", "the wrong secret!");
  auto metrics = client.get("/metrics").body;
  auto log = proc->log();
  for (auto& secret : {test_password, std::string{"the wrong secret!"}, token,
                       test_credentials::get().operator_token()}) {
    BOOST_TEST(log.find(secret) == std::string::npos, "in the log: " << secret);
    BOOST_TEST(metrics.find(secret) == std::string::npos,
               "in /metrics: " << secret);
  }
  // Nor the hash: libsodium's argon2id strings all start like this.
  BOOST_TEST(log.find("$argon2id$") == std::string::npos);
  BOOST_TEST(metrics.find("$argon2id$") == std::string::npos);
  // The user's info and the events never carry the hash.
  auto me = call(client.get("/getUserInfo?userId=1"), 200);
  BOOST_TEST(me.dump().find("argon2") == std::string::npos);
  BOOST_TEST(!me.contains("password"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(login_servers, custom_server)

BOOST_AUTO_TEST_CASE(unknown_emails_take_about_as_long) {
  // At the real cost, where hashing dominates the answer time.
  restart({"--password-hash-cost=interactive"});
  register_user("ivy@example.com", "Ivy");
  std::vector<double> wrong, unknown;
  for (int i = 0; i < 4; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(try_login(*this, "ivy@example.com", "wrong password").status
               == 401);
    auto t1 = std::chrono::steady_clock::now();
    BOOST_TEST(try_login(*this, "nobody" + std::to_string(i) + "@example.com",
                         "wrong password")
                 .status
               == 401);
    auto t2 = std::chrono::steady_clock::now();
    wrong.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    unknown.push_back(
      std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  auto w = median_ms(wrong);
  auto u = median_ms(unknown);
  BOOST_TEST_MESSAGE("login with a wrong password: "
                     << w << " ms, unknown email: " << u << " ms (medians)");
  // Both verify a hash: neither answer is several times faster.
  BOOST_TEST(u > w / 3, "unknown " << u << " ms vs wrong " << w << " ms");
  BOOST_TEST(w > u / 3, "wrong " << w << " ms vs unknown " << u << " ms");
}

BOOST_AUTO_TEST_CASE(tokens_expire) {
  restart({"--token-ttl-seconds=1"});
  register_user("jay@example.com", "Jay");
  auto me = anonymous_client();
  me.bearer = login("jay@example.com");
  // Valid until exp, refused from then on.
  bool refused = eventually([&] { return me.get("/myBalance").status == 401; });
  BOOST_TEST_REQUIRE(refused);
  auto resp = me.get("/myBalance");
  check_error(resp, 401, "unauthorized");
  BOOST_TEST(resp.header("WWW-Authenticate").find(R"(error="invalid_token")")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keys_rotate_without_logging_anyone_out) {
  auto& secrets = test_credentials::get();
  auto old_key = secrets.new_key_file("rotation-old.key");
  auto new_key = secrets.new_key_file("rotation-new.key");
  restart({"--token-key-file=" + old_key});
  register_user("kim@example.com", "Kim");
  auto before = anonymous_client();
  before.bearer = login("kim@example.com");
  call(before.get("/myBalance"), 200);
  // Rotated: the new key signs, the old one still verifies.
  restart(
    {"--token-key-file=" + new_key, "--token-previous-key-file=" + old_key});
  call(before.get("/myBalance"), 200);
  auto after = anonymous_client();
  after.bearer = login("kim@example.com");
  call(after.get("/myBalance"), 200);
  // The old key dropped: its tokens are refused, the new ones live on.
  restart({"--token-key-file=" + new_key});
  check_error(before.get("/myBalance"), 401, "unauthorized");
  call(after.get("/myBalance"), 200);
}

BOOST_AUTO_TEST_CASE(start_up_refuses_readable_secrets) {
  auto key = test_credentials::get().new_key_file("readable.key");
  ::chmod(key.c_str(), 0644);
  stop();
  actorshop_process bad{db.conninfo(), port, {"--token-key-file=" + key}};
  BOOST_TEST_REQUIRE(eventually([&] { return bad.exited(); }));
  BOOST_TEST(bad.exit_code() == 2);
  BOOST_TEST(bad.log().find("group or others") != std::string::npos, bad.log());
  proc.reset();
}

BOOST_AUTO_TEST_SUITE_END()
