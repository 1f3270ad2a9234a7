// Every client mistake gets a 4xx with {"error","message"} and changes
// nothing: balances, users, orders and notifications stay as they were.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace shop::test;

namespace {

/// What the tests compare before and after each rejected request.
struct snapshot {
  std::string balance;
  size_t messages = 0;
  int next_user_status = 0;
  int next_order_status = 0;

  friend bool operator==(const snapshot& a, const snapshot& b) {
    return a.balance == b.balance && a.messages == b.messages
           && a.next_user_status == b.next_user_status
           && a.next_order_status == b.next_order_status;
  }

  friend std::ostream& operator<<(std::ostream& os, const snapshot& x) {
    return os << "{balance " << x.balance << ", messages " << x.messages
              << ", next user " << x.next_user_status << ", next order "
              << x.next_order_status << "}";
  }
};

/// A server with one user (balance 75 after one paid order of a book) and
/// its notification.
struct error_fixture : server_fixture {
  int64_t user = 0;
  int64_t order = 0;

  error_fixture() {
    user = register_user("eve@example.com", "Eve");
    deposit(user, 100);
    order = create_order(user, 3)["orderId"].get<int64_t>();
    BOOST_TEST_REQUIRE(settled_order(order)["status"] == "paid");
    messages_eventually(1);
  }

  snapshot take() {
    snapshot s;
    s.balance = balance(user)["balance"].dump();
    s.messages = messages().size();
    // Users and orders get consecutive ids: a request that wrongly created
    // one would make the next id exist.
    s.next_user_status
      = client.get("/getUserInfo?userId=" + std::to_string(user + 1)).status;
    s.next_order_status
      = client.get("/getOrder?orderId=" + std::to_string(order + 1)).status;
    return s;
  }

  std::string id(int64_t x) {
    return std::to_string(x);
  }
};

struct bad_request {
  std::string method;
  std::string target;
  std::string body;
  int status;
  std::string code;
  std::string content_type = "application/json";
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_errors, error_fixture)

BOOST_AUTO_TEST_CASE(client_mistakes_change_nothing) {
  http_client direct{"127.0.0.1", port};
  direct.bearer = test_credentials::get().operator_token();
  auto before = take();
  BOOST_TEST(before.balance == "75");
  BOOST_TEST(before.messages == 1u);
  BOOST_TEST(before.next_user_status == 404);
  BOOST_TEST(before.next_order_status == 404);
  auto u = id(user);
  auto deposit_body = [&](const std::string& sum) {
    return R"({"userId":)" + u + R"(,"sum":)" + sum + "}";
  };
  auto payment_body = deposit_body;
  // A registration's body with `fields` and a valid password, so that the
  // row's mistake is the only one.
  auto reg = [](const std::string& fields) {
    return "{" + fields + R"(,"password":")" + test_password + "\"}";
  };
  const std::string deep = R"({"userId":)" + u + R"(,"sum":5,"x":)"
                           + std::string(5000, '[') + std::string(5000, ']')
                           + "}";
  const std::vector<bad_request> table{
    // Malformed JSON and bodies that are not objects.
    {"POST", "/register", "", 400, "invalid_json"},
    {"POST", "/register", "{", 400, "invalid_json"},
    {"POST", "/register",
     [&] { // no closing brace
       auto open = reg(R"("email":"x@y.z","name":"X")");
       open.pop_back();
       return open;
     }(),
     400, "invalid_json"},
    {"POST", "/register", reg(R"("email":"x@y.z","name":"X")") + " trailing",
     400, "invalid_json"},
    {"POST", "/register", reg("\"email\":\"x@y.z\",\"name\":\"\xFF\""), 400,
     "invalid_json"},
    {"POST", "/deposit", "[1,2]", 400, "invalid_json"},
    {"POST", "/deposit", R"("text")", 400, "invalid_json"},
    {"POST", "/deposit", "null", 400, "invalid_json"},
    {"POST", "/deposit", "userId=" + u + "&sum=5", 400, "invalid_json",
     "application/json"},
    {"POST", "/deposit", deep, 400, "invalid_json"},
    {"POST", "/createAccount", "", 400, "missing_field"},
    // Missing fields.
    {"POST", "/register", reg(R"("name":"X")"), 400, "missing_field"},
    {"POST", "/register", reg(R"("email":"x@y.z")"), 400, "missing_field"},
    {"POST", "/register", reg(R"("email":null,"name":"X")"), 400,
     "missing_field"},
    {"POST", "/register", R"({"email":"x@y.z","name":"X"})", 400,
     "missing_field"},
    {"POST", "/register", R"({"email":"x@y.z","name":"X","password":null})",
     400, "missing_field"},
    {"POST", "/deposit", R"({"userId":)" + u + "}", 400, "missing_field"},
    {"POST", "/deposit", R"({"sum":5})", 400, "missing_field"},
    {"POST", "/payment", R"({"userId":)" + u + "}", 400, "missing_field"},
    {"POST", "/createOrder", R"({"userId":)" + u + "}", 400, "missing_field"},
    {"POST", "/createOrder", R"({"itemId":1})", 400, "missing_field"},
    {"POST", "/createAccount", "{}", 400, "missing_field"},
    {"GET", "/getUserInfo", "", 400, "missing_field"},
    {"GET", "/myBalance", "", 400, "missing_field"},
    {"GET", "/myBalance?userid=" + u, "", 400, "missing_field"},
    {"GET", "/getOrder", "", 400, "missing_field"},
    // Wrongly typed or formatted fields.
    {"POST", "/register", reg(R"("email":5,"name":"X")"), 400, "invalid_field"},
    {"POST", "/register", reg(R"("email":"not-an-email","name":"X")"), 400,
     "invalid_field"},
    {"POST", "/register", reg(R"("email":"a b@c.d","name":"X")"), 400,
     "invalid_field"},
    {"POST", "/register", reg(R"("email":"x@y.z","name":"  ")"), 400,
     "invalid_field"},
    {"POST", "/register", reg(R"("email":"x@y.z","name":"a\u0000b")"), 400,
     "invalid_field"},
    {"POST", "/register",
     reg(R"("email":"x@y.z","name":")" + std::string(201, 'n') + "\""), 400,
     "invalid_field"},
    {"POST", "/register", R"({"email":"x@y.z","name":"X","password":"short"})",
     400, "invalid_field"},
    {"POST", "/register",
     R"({"email":"x@y.z","name":"X","password":")" + std::string(257, 'p')
       + "\"}",
     400, "invalid_field"},
    {"POST", "/register", R"({"email":"x@y.z","name":"X","password":12345678})",
     400, "invalid_field"},
    {"POST", "/deposit", R"({"userId":"abc","sum":5})", 400, "invalid_field"},
    {"POST", "/deposit", R"({"userId":1.5,"sum":5})", 400, "invalid_field"},
    {"POST", "/deposit", R"({"userId":0,"sum":5})", 400, "invalid_field"},
    {"POST", "/deposit", R"({"userId":-)" + u + R"(,"sum":5})", 400,
     "invalid_field"},
    {"POST", "/deposit", R"({"userId":9223372036854775808,"sum":5})", 400,
     "invalid_field"},
    {"POST", "/deposit", deposit_body("true"), 400, "invalid_field"},
    {"POST", "/deposit", deposit_body("[5]"), 400, "invalid_field"},
    {"POST", "/createOrder",
     R"({"userId":)" + u + R"(,"itemId":3,"quantity":0})", 400,
     "invalid_field"},
    {"POST", "/createOrder",
     R"({"userId":)" + u + R"(,"itemId":3,"quantity":1001})", 400,
     "invalid_field"},
    {"POST", "/createOrder",
     R"({"userId":)" + u + R"(,"itemId":3,"quantity":1.5})", 400,
     "invalid_field"},
    {"POST", "/createOrder", R"({"userId":)" + u + R"(,"itemId":"x"})", 400,
     "invalid_field"},
    {"GET", "/getUserInfo?userId=abc", "", 400, "invalid_field"},
    {"GET", "/getUserInfo?userId=", "", 400, "invalid_field"},
    {"GET", "/myBalance?userId=0", "", 400, "invalid_field"},
    {"GET", "/myBalance?userId=%zz", "", 400, "invalid_field"},
    {"GET", "/getOrder?orderId=-1", "", 400, "invalid_field"},
    {"GET", "/getOrder?orderId=1.0", "", 400, "invalid_field"},
    {"GET", "/getAllSentMessages?limit=0", "", 400, "invalid_field"},
    {"GET", "/getAllSentMessages?limit=1001", "", 400, "invalid_field"},
    {"GET", "/getAllSentMessages?userId=x", "", 400, "invalid_field"},
    // Bad sums.
    {"POST", "/deposit", deposit_body("0"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body("-5"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body(R"("-5")"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body("0.001"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body(R"("12.345")"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body("1e14"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body("99999999999999999999"), 400,
     "invalid_amount"},
    {"POST", "/deposit", deposit_body(R"("1e3")"), 400, "invalid_amount"},
    {"POST", "/deposit", deposit_body(R"("")"), 400, "invalid_amount"},
    {"POST", "/payment", payment_body("0"), 400, "invalid_amount"},
    {"POST", "/payment", payment_body("-0.01"), 400, "invalid_amount"},
    {"POST", "/payment", payment_body("0.001"), 400, "invalid_amount"},
    // Unknown users, accounts, items and orders.
    {"GET", "/getUserInfo?userId=999999", "", 404, "user_not_found"},
    {"GET", "/myBalance?userId=999999", "", 404, "account_not_found"},
    {"POST", "/deposit", R"({"userId":999999,"sum":5})", 404,
     "account_not_found"},
    {"POST", "/payment", R"({"userId":999999,"sum":5})", 404,
     "account_not_found"},
    {"POST", "/createOrder", R"({"userId":999999,"itemId":1})", 404,
     "user_not_found"},
    {"POST", "/createOrder", R"({"userId":)" + u + R"(,"itemId":999})", 404,
     "item_not_found"},
    {"GET", "/getOrder?orderId=999999", "", 404, "order_not_found"},
    // A second registration of the same email, in any case.
    {"POST", "/register", reg(R"("email":"EVE@Example.com","name":"Eve 2")"),
     409, "email_taken"},
    // An amount that would push the balance over the maximum.
    {"POST", "/deposit", deposit_body("10000000000000"), 422,
     "amount_too_large"},
    // Wrong methods and unknown paths.
    {"GET", "/register", "", 405, "method_not_allowed"},
    {"POST", "/items", "{}", 405, "method_not_allowed"},
    {"PUT", "/deposit", deposit_body("5"), 405, "method_not_allowed"},
    {"DELETE", "/getOrder?orderId=1", "", 405, "method_not_allowed"},
    {"POST", "/health", "", 405, "method_not_allowed"},
    {"POST", "/", "{}", 405, "method_not_allowed"},
    {"GET", "/nope", "", 404, "not_found"},
    {"GET", "/register/", "", 404, "not_found"},
    {"GET", "/ITEMS", "", 404, "not_found"},
    {"POST", "/unknown", deposit_body("5"), 404, "not_found"},
    // Bodies not declared as JSON (parameters such as charset are fine:
    // accepted_input_forms); checked after the route, before the body.
    {"POST", "/deposit", "userId=" + u + "&sum=5", 415,
     "unsupported_media_type", "application/x-www-form-urlencoded"},
    {"POST", "/deposit", deposit_body("5"), 415, "unsupported_media_type",
     "application/x-www-form-urlencoded"},
    {"POST", "/deposit", deposit_body("5"), 415, "unsupported_media_type",
     "text/plain"},
    {"POST", "/deposit", deposit_body("5"), 415, "unsupported_media_type", ""},
    {"POST", "/payment", payment_body("5"), 415, "unsupported_media_type",
     "application/jsonp"},
    {"POST", "/createOrder", R"({"userId":)" + u + R"(,"itemId":3})", 415,
     "unsupported_media_type", "application/x-json"},
    {"POST", "/register", reg(R"("email":"x@y.z","name":"X")"), 415,
     "unsupported_media_type", "text/json"},
    {"POST", "/createAccount", R"({"userId":)" + u + "}", 415,
     "unsupported_media_type", "multipart/form-data; boundary=x"},
    {"POST", "/unknown", deposit_body("5"), 404, "not_found", "text/plain"},
    {"PUT", "/deposit", deposit_body("5"), 405, "method_not_allowed",
     "text/plain"},
    // Bodies over 64 KiB.
    {"POST", "/register",
     R"({"email":"big@y.z","name":"X","pad":")" + std::string(65536, 'p')
       + "\"}",
     413, "body_too_large"},
    {"POST", "/deposit", deposit_body("5") + std::string(100'000, ' '), 413,
     "body_too_large"},
    {"POST", "/deposit", deposit_body("5") + std::string(100'000, ' '), 413,
     "body_too_large", "text/plain"},
  };
  for (const auto& r : table) {
    // Through the validating proxy some rows go to the server directly:
    // Prism 5.12 hangs on a JSON body it cannot parse, fails with its own
    // 500 on deep nesting, and re-serializes a body (so an oversized one
    // arrives small).
    bool unparsable
      = r.body.size() > 1024
        || (r.content_type == "application/json"
            && (!json::accept(r.body)
                || r.body.find(std::string(64, '[')) != std::string::npos));
    BOOST_TEST_CONTEXT(r.method << " " << r.target << " "
                                << r.body.substr(0, 80)) {
      auto& to = unparsable ? direct : client;
      auto resp = to.request(r.method, r.target, r.body, r.content_type);
      check_error(resp, r.status, r.code);
      BOOST_TEST(take() == before);
    }
  }
  // Still healthy afterwards.
  BOOST_TEST(client.get("/health").status == 200);
}

BOOST_AUTO_TEST_CASE(wrong_methods_list_the_allowed_ones) {
  auto resp = client.get("/register");
  check_error(resp, 405, "method_not_allowed");
  BOOST_TEST(resp.header("allow") == "POST");
  resp = client.post("/getOrder?orderId=1", "{}");
  check_error(resp, 405, "method_not_allowed");
  BOOST_TEST(resp.header("allow") == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(accepted_input_forms) {
  auto u = id(user);
  // Ids and sums as strings; application/json with parameters and in any
  // case (RFC 9110 8.3.1). Other media types: client_mistakes_change_nothing.
  auto resp = client.post("/deposit",
                          R"({"userId":")" + u + R"(","sum":"0.01"})",
                          "application/json; charset=utf-8");
  BOOST_TEST(call(resp, 200)["balance"].dump() == "75.01");
  resp = client.post("/deposit", R"({"userId":)" + u + R"(,"sum":0.1})",
                     "Application/JSON");
  BOOST_TEST(call(resp, 200)["balance"].dump() == "75.11");
  resp
    = client.post("/deposit",
                  R"({"userId":)" + u + R"(,"sum":0.19,"comment":"ignored"})",
                  "application/json;charset=UTF-8");
  BOOST_TEST(call(resp, 200)["balance"].dump() == "75.3");
  // Quantity as a string.
  auto order_json
    = call(client.post("/createOrder", R"({"userId":")" + u
                                         + R"(","itemId":"3","quantity":"2"})"),
           201);
  BOOST_TEST(order_json["sum"].dump() == "50");
  BOOST_TEST(settled_order(order_json["orderId"].get<int64_t>())["status"]
             == "paid");
  BOOST_TEST(balance(user)["balance"].dump() == "25.3");
  // A body of exactly 64 KiB is still accepted.
  std::string head = R"({"email":"edge@y.z","name":"Edge","password":")"
                     + test_password + R"(","pad":")";
  std::string tail = "\"}";
  auto body = head + std::string(65536 - head.size() - tail.size(), 'p') + tail;
  BOOST_TEST_REQUIRE(body.size() == 65536u);
  auto edge = call(client.post("/register", body), 201);
  BOOST_TEST(edge["userId"] == user + 1);
  // Emails and names are trimmed.
  auto trimmed = register_user("  trim@y.z ", " Trim ");
  auto info = call(client.get("/getUserInfo?userId=" + id(trimmed)), 200);
  BOOST_TEST(info["email"] == "trim@y.z");
  BOOST_TEST(info["name"] == "Trim");
}

BOOST_AUTO_TEST_SUITE_END()
