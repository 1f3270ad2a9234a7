// The authorization matrix (issue 13): every route of the route table
// crossed with every kind of credential a client can send, against a real
// actorshop. The expected status of each cell comes from the table below,
// written independently of http/routes.cpp; the test fails when the route
// table has a route the table does not cover (or the other way round), so a
// new endpoint cannot ship without a rule. Every refused request must change
// nothing: the database audit's counts before and after all of them agree.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <sodium.h>

#include "http/server.hpp"
#include "http/server_fixture.hpp"
#include "http/tokens.hpp"
#include "storage/pg/audit.hpp"
#include "support/base64url.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// The credentials of one column.
enum column : size_t {
  no_token,
  malformed,
  tampered,
  expired,
  alg_none,
  unknown_kid,
  rotated_out,
  own_user,
  other_user,
  operator_token,
  column_count,
};

const char* column_names[]
  = {"no token",    "malformed",   "tampered",  "expired",    "alg: none",
     "unknown kid", "rotated out", "own token", "other user", "operator"};

/// Who may call a route, as docs/api.md says.
enum class rule { anyone, owner, operator_only };

/// One row: a route, its rule, the answer when allowed. `target` and
/// `body` may name {A} (user A's id), {O} (A's order) and {N} (a fresh
/// number, for unique emails).
struct row {
  std::string method;
  std::string path;
  rule who;
  std::string target;
  std::string body;
  int allowed;
  /// The status for another user (owner routes): 403, or 404 where the
  /// route hides what exists (getOrder).
  int other = 403;
};

const std::vector<row>& table() {
  static const std::vector<row> rows{
    {"GET", "/", rule::anyone, "/", "", 200},
    {"GET", "/events", rule::operator_only, "/events", "", 200},
    {"GET", "/health", rule::anyone, "/health", "", 200},
    {"GET", "/ready", rule::anyone, "/ready", "", 200},
    {"GET", "/metrics", rule::operator_only, "/metrics", "", 200},
    {"GET", "/openapi.yaml", rule::anyone, "/openapi.yaml", "", 200},
    {"GET", "/asyncapi.yaml", rule::anyone, "/asyncapi.yaml", "", 200},
    {"GET", "/cluster", rule::operator_only, "/cluster", "", 200},
    {"POST", "/register", rule::anyone, "/register",
     R"({"email":"m{N}@example.com","name":"M","password":"correct horse battery"})",
     201},
    {"POST", "/login", rule::anyone, "/login",
     R"({"email":"a@example.com","password":"correct horse battery"})", 200},
    {"POST", "/setPassword", rule::operator_only, "/setPassword",
     R"({"userId":{A},"password":"correct horse battery"})", 200},
    {"GET", "/getUserInfo", rule::owner, "/getUserInfo?userId={A}", "", 200},
    {"POST", "/createAccount", rule::owner, "/createAccount",
     R"({"userId":{A}})", 200},
    {"GET", "/myBalance", rule::owner, "/myBalance?userId={A}", "", 200},
    {"POST", "/deposit", rule::owner, "/deposit", R"({"userId":{A},"sum":"1"})",
     200},
    {"POST", "/payment", rule::owner, "/payment", R"({"userId":{A},"sum":"1"})",
     200},
    {"GET", "/items", rule::anyone, "/items", "", 200},
    {"POST", "/createOrder", rule::owner, "/createOrder",
     R"({"userId":{A},"itemId":1})", 201},
    {"GET", "/getOrder", rule::owner, "/getOrder?orderId={O}", "", 200, 404},
    {"GET", "/getAllSentMessages", rule::owner,
     "/getAllSentMessages?userId={A}", "", 200},
  };
  return rows;
}

/// The status a cell must get.
int expected_status(const row& r, column c) {
  if (r.who == rule::anyone)
    return r.allowed;
  switch (c) {
    case operator_token:
      return r.allowed;
    case own_user:
      return r.who == rule::owner ? r.allowed : 403;
    case other_user:
      return r.who == rule::owner ? r.other : 403;
    default:
      return 401;
  }
}

std::string replace_all(std::string text, const std::string& from,
                        const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::string b64(const std::string& text) {
  return shop::test::base64url(text);
}

/// The server's own signing key, read from the file the fixture gave it.
http::token_key server_key() {
  std::ifstream in{test_credentials::get().token_key_file(), std::ios::binary};
  std::string secret{std::istreambuf_iterator<char>{in},
                     std::istreambuf_iterator<char>{}};
  return http::make_token_key(secret);
}

struct matrix_fixture : server_fixture {
  int64_t a = 0;
  int64_t b = 0;
  int64_t order_a = 0;
  std::string token_a;
  std::string token_b;
  int counter = 0;

  matrix_fixture() {
    a = register_user("a@example.com", "A");
    b = register_user("b@example.com", "B");
    // Billing opens the account on USER_CREATED too: 201 or 200.
    auto opened = client.post("/createAccount", json{{"userId", a}}.dump());
    BOOST_TEST_REQUIRE((opened.status == 200 || opened.status == 201),
                       opened.body);
    deposit(a, "100");
    order_a = create_order(a, 1)["orderId"].get<int64_t>();
    settled_order(order_a);
    token_a = login("a@example.com");
    token_b = login("b@example.com");
    // Nothing in flight from here: every event delivered, every order
    // notified, so the audit's counts move only with requests.
    pg::audit_report report;
    BOOST_TEST_REQUIRE(eventually([&] {
                         report = pg::audit_database(db.conninfo());
                         return report.ok();
                       }),
                       pg::to_string(report));
  }

  /// The Authorization header of a column; empty for none.
  std::string authorization(column c) {
    auto key = server_key();
    auto now = http::unix_seconds();
    switch (c) {
      case no_token:
        return {};
      case malformed:
        return "Bearer not a token";
      case tampered: {
        // A's token with B's id in the payload: the signature no longer
        // matches.
        auto dot1 = token_a.find('.');
        auto dot2 = token_a.rfind('.');
        auto payload = R"({"sub":")" + std::to_string(b)
                       + R"(","role":"user","iat":)" + std::to_string(now)
                       + R"(,"exp":)" + std::to_string(now + 600) + "}";
        return "Bearer " + token_a.substr(0, dot1 + 1) + b64(payload)
               + token_a.substr(dot2);
      }
      case expired:
        return "Bearer "
               + http::token_authority{key, std::nullopt, 1}.issue(a, now - 10);
      case alg_none: {
        auto header
          = R"({"alg":"none","typ":"JWT","kid":")" + key.kid + R"("})";
        auto dot1 = token_a.find('.');
        auto dot2 = token_a.rfind('.');
        return "Bearer " + b64(header) + "."
               + token_a.substr(dot1 + 1, dot2 - dot1 - 1) + ".";
      }
      case unknown_kid: {
        // Signed with the server's secret, but naming a key it lacks.
        http::token_key renamed{key.secret, "0000000000000000"};
        return "Bearer "
               + http::token_authority{renamed, std::nullopt, 600}.issue(a,
                                                                         now);
      }
      case rotated_out:
        // A key the server does not have (any more).
        return "Bearer "
               + http::token_authority{http::make_token_key(
                                         std::string(32, 'r')),
                                       std::nullopt, 600}
                   .issue(a, now);
      case own_user:
        return "Bearer " + token_a;
      case other_user:
        return "Bearer " + token_b;
      case operator_token:
        return "Bearer " + test_credentials::get().operator_token();
      case column_count:
        break;
    }
    return {};
  }

  /// Sends one cell's request; returns the status and the response.
  http_response send(const row& r, column c) {
    auto target = replace_all(r.target, "{A}", std::to_string(a));
    target = replace_all(target, "{O}", std::to_string(order_a));
    auto body = replace_all(r.body, "{A}", std::to_string(a));
    body = replace_all(body, "{N}", std::to_string(++counter));
    header_list headers;
    if (auto auth = authorization(c); !auth.empty())
      headers.emplace_back("Authorization", auth);
    auto plain = anonymous_client();
    if (r.path == "/events") {
      // A stream: read its head only, from the server itself (a validating
      // proxy cannot pass a stream that never ends).
      auto fd = connect_tcp(plain.host(), port, 10s);
      send_all(fd.get(), format_request(plain, "GET", target, "", "", headers));
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(fd.get(), buf, sizeof buf, 0);
        BOOST_TEST_REQUIRE(n > 0, "the /events head did not arrive");
        head.append(buf, static_cast<size_t>(n));
      }
      http_response resp;
      resp.status = std::stoi(head.substr(9, 3));
      auto lower_head = lower(head);
      auto www = lower_head.find("\r\nwww-authenticate: ");
      if (www != std::string::npos)
        resp.headers["www-authenticate"]
          = head.substr(www + 20, head.find("\r\n", www + 2) - www - 20);
      return resp;
    }
    return plain.request(r.method, target, body,
                         r.method == "POST" ? "application/json" : "", headers);
  }
};

/// What a request can change: users, accounts, money, orders, messages,
/// stored Idempotency-Keys (not the outbox backlog, which the relays prune
/// on their own schedule).
std::string counts_of(const server_fixture& f) {
  auto c = pg::audit_database(f.db.conninfo(), {false}).counts;
  c.outbox_backlog = 0;
  return pg::to_string(c);
}

} // namespace

BOOST_AUTO_TEST_SUITE(authorization)

BOOST_AUTO_TEST_CASE(the_table_covers_every_route) {
  std::set<std::pair<std::string, std::string>> served;
  for (auto& [method, path] : http::route_list())
    served.emplace(method, path);
  std::set<std::pair<std::string, std::string>> covered;
  for (auto& r : table())
    covered.emplace(r.method, r.path);
  for (auto& route : served)
    BOOST_TEST(covered.count(route) == 1u,
               "the route " << route.first << ' ' << route.second
                            << " has no row in the authorization matrix");
  for (auto& route : covered)
    BOOST_TEST(served.count(route) == 1u,
               "the matrix has a row for " << route.first << ' ' << route.second
                                           << ", which is not served");
}

BOOST_FIXTURE_TEST_CASE(every_route_with_every_credential, matrix_fixture) {
  // Sends every cell whose expected status is refused (>= 400) or not,
  // checks the status, and hands refused answers to `check`.
  size_t cells = 0;
  auto run_cells = [&](bool refused, auto check) {
    for (auto& r : table())
      for (size_t i = 0; i < column_count; ++i) {
        auto c = static_cast<column>(i);
        auto want = expected_status(r, c);
        if ((want >= 400) != refused)
          continue;
        ++cells;
        auto resp = send(r, c);
        BOOST_TEST(resp.status == want, r.method << ' ' << r.path << " with "
                                                 << column_names[i] << ": got "
                                                 << resp.status << ", expected "
                                                 << want << ' ' << resp.body);
        check(r, c, want, resp);
      }
  };
  // Refused cells first: together they must change nothing.
  auto before = counts_of(*this);
  run_cells(true, [&](const row& r, column c, int want,
                      const http_response& resp) {
    if (want == 401) {
      auto www = resp.header("WWW-Authenticate");
      BOOST_TEST(www.rfind("Bearer", 0) == 0, r.path << ": " << www);
      bool sent_something = c != no_token;
      BOOST_TEST((www.find(R"(error="invalid_token")") != std::string::npos)
                   == sent_something,
                 r.path << " with " << column_names[c] << ": " << www);
    }
    if (r.path != "/events" && want != 404) {
      auto body = json_of(resp);
      BOOST_TEST(body.value("error", "")
                   == (want == 401 ? "unauthorized" : "forbidden"),
                 resp.body);
    }
  });
  BOOST_TEST(counts_of(*this) == before,
             "refused requests changed the database");
  // Then the allowed cells.
  run_cells(false, [](const row&, column, int, const http_response&) {});
  BOOST_TEST(cells == table().size() * column_count);
  BOOST_TEST_MESSAGE("authorization matrix: "
                     << table().size() << " routes x " << column_count
                     << " credentials = " << cells << " cells");
  // Whatever the allowed cells did, the books balance once it settled.
  pg::audit_report report;
  bool ok = eventually([&] {
    report = pg::audit_database(db.conninfo());
    return report.ok();
  });
  BOOST_TEST(ok, pg::to_string(report));
}

BOOST_FIXTURE_TEST_CASE(users_see_only_their_own_data, matrix_fixture) {
  auto as_b = session("b@example.com");
  // B's message list never holds A's messages, with or without a userId.
  auto mine = call(as_b.get("/getAllSentMessages"), 200);
  for (auto& m : mine)
    BOOST_TEST(m.value("userId", int64_t{0}) == b, m.dump());
  check_error(as_b.get("/getAllSentMessages?userId=" + std::to_string(a)), 403,
              "forbidden");
  // A's order is "not found" for B, exactly like an order that does not
  // exist.
  auto hidden = as_b.get("/getOrder?orderId=" + std::to_string(order_a));
  auto absent = as_b.get("/getOrder?orderId=999999");
  check_error(hidden, 404, "order_not_found");
  check_error(absent, 404, "order_not_found");
  BOOST_TEST(json_of(hidden)["message"] == json_of(absent)["message"]);
  // A's own requests need no userId.
  auto as_a = session("a@example.com");
  BOOST_TEST(call(as_a.get("/myBalance"), 200)["userId"] == a);
  BOOST_TEST(call(as_a.get("/getUserInfo"), 200)["userId"] == a);
  auto dep = call(as_a.post("/deposit", R"({"sum":"2"})"), 200);
  BOOST_TEST(dep["userId"] == a);
  // The operator sees every user's messages without a userId, and must
  // name the user where one is acted for.
  auto all = call(client.get("/getAllSentMessages"), 200);
  BOOST_TEST(all.size() >= 1u);
  check_error(client.get("/myBalance"), 400, "missing_field");
  // /ready's details are for operators.
  auto pub = call(anonymous_client().get("/ready"), 200);
  BOOST_TEST(!pub.contains("services"), pub.dump());
  auto op = call(client.get("/ready"), 200);
  BOOST_TEST(op.contains("services"), op.dump());
}

BOOST_FIXTURE_TEST_CASE(a_foreign_page_cannot_post, matrix_fixture) {
  // What a cross-site form or no-cors fetch can send: a simple content type
  // and no Authorization header (tokens are never cookies).
  auto as_a = session("a@example.com");
  auto before = counts_of(*this);
  for (auto type : {"text/plain", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x"}) {
    check_error(as_a.post("/deposit", R"({"sum":"5"})", type), 415,
                "unsupported_media_type");
    check_error(anonymous_client().post("/deposit", R"({"userId":1,"sum":"5"})",
                                        type),
                401, "unauthorized");
  }
  check_error(as_a.post("/deposit", R"({"sum":"5"})", ""), 415,
              "unsupported_media_type");
  BOOST_TEST(counts_of(*this) == before);
  call(as_a.post("/deposit", R"({"sum":"5"})",
                 "application/json; charset=utf-8"),
       200);
}

BOOST_AUTO_TEST_SUITE_END()
