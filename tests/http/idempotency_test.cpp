// Idempotency-Key over HTTP: a retry with the same key and body gets the
// original response (status and body, byte for byte) and causes no second
// effect, also after a restart; the same key with another body is 422 and
// changes nothing; keys are scoped per endpoint and caller; a malformed key
// is 400.

#include <boost/test/unit_test.hpp>

#include <string>

#include "server_fixture.hpp"

using namespace shop::test;

namespace {

struct idempotency_fixture : server_fixture {
  /// POSTs `body` to `path` with `key`.
  http_response keyed(const std::string& path, const json& body,
                      const std::string& key) {
    return client.post_with_key(path, body.dump(), key);
  }

  /// Whether a user with this id exists.
  bool user_exists(int64_t id) {
    auto status
      = client.get("/getUserInfo?userId=" + std::to_string(id)).status;
    BOOST_TEST((status == 200 || status == 404), "status " << status);
    return status == 200;
  }

  /// Whether an order with this id exists.
  bool order_exists(int64_t id) {
    auto status = client.get("/getOrder?orderId=" + std::to_string(id)).status;
    BOOST_TEST((status == 200 || status == 404), "status " << status);
    return status == 200;
  }

  std::string balance_text(int64_t user) {
    return balance(user)["balance"].dump();
  }
};

/// Both responses are the same, status and body byte for byte.
void check_same(const http_response& first, const http_response& again) {
  BOOST_TEST(again.status == first.status);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("content-type") == "application/json");
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_idempotency, idempotency_fixture)

BOOST_AUTO_TEST_CASE(same_key_same_body_replays_with_one_effect) {
  // register: one user, the same userId twice.
  auto reg_body = json{{"email", "kim@example.com"},
                       {"name", "Kim"},
                       {"password", test_password}};
  auto reg = keyed("/register", reg_body, "reg-1");
  BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
  auto user = json_of(reg)["userId"].get<int64_t>();
  check_same(reg, keyed("/register", reg_body, "reg-1"));
  BOOST_TEST(!user_exists(user + 1));

  // deposit: the balance grows once; the replay shows the original balance.
  auto dep = keyed("/deposit", json{{"userId", user}, {"sum", 100}}, "dep-1");
  BOOST_TEST_REQUIRE(dep.status == 200, dep.body);
  BOOST_TEST(json_of(dep)["balance"] == 100);
  auto dep_again
    = keyed("/deposit", json{{"userId", user}, {"sum", 100}}, "dep-1");
  check_same(dep, dep_again);
  BOOST_TEST(balance_text(user) == "100");

  // payment: taken once.
  auto pay
    = keyed("/payment", json{{"userId", user}, {"sum", "10.5"}}, "pay-1");
  BOOST_TEST_REQUIRE(pay.status == 200, pay.body);
  BOOST_TEST(json_of(pay)["result"] == "paid");
  check_same(pay, keyed("/payment", json{{"userId", user}, {"sum", "10.5"}},
                        "pay-1"));
  BOOST_TEST(balance_text(user) == "89.5");

  // createOrder: one order, charged once, one notification; the replay is
  // the original answer (still "pending"), even once the order is paid.
  auto order_body = json{{"userId", user}, {"itemId", 3}, {"quantity", 2}};
  auto ord = keyed("/createOrder", order_body, "ord-1");
  BOOST_TEST_REQUIRE(ord.status == 201, ord.body);
  auto order = json_of(ord)["orderId"].get<int64_t>();
  BOOST_TEST(settled_order(order)["status"] == "paid");
  auto ord_again = keyed("/createOrder", order_body, "ord-1");
  check_same(ord, ord_again);
  BOOST_TEST(json_of(ord_again)["status"] == "pending");
  BOOST_TEST(!order_exists(order + 1));
  BOOST_TEST(balance_text(user) == "39.5");
  messages_eventually(1, "?userId=" + std::to_string(user));

  // Keys are kept in the database: the same answers after a restart.
  stop();
  start();
  check_same(reg, keyed("/register", reg_body, "reg-1"));
  check_same(dep,
             keyed("/deposit", json{{"userId", user}, {"sum", 100}}, "dep-1"));
  check_same(ord, keyed("/createOrder", order_body, "ord-1"));
  BOOST_TEST(balance_text(user) == "39.5");
  BOOST_TEST(!user_exists(user + 1));
  BOOST_TEST(!order_exists(order + 1));
  BOOST_TEST(messages("?userId=" + std::to_string(user)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(same_key_different_body_is_422_and_changes_nothing) {
  auto user = register_user("lee@example.com", "Lee");
  BOOST_TEST_REQUIRE(
    keyed("/deposit", json{{"userId", user}, {"sum", 100}}, "k").status == 200);
  BOOST_TEST_REQUIRE(keyed("/register",
                           json{{"email", "mo@example.com"},
                                {"name", "Mo"},
                                {"password", test_password}},
                           "k")
                       .status
                     == 201);
  auto order
    = keyed("/createOrder", json{{"userId", user}, {"itemId", 6}}, "k");
  BOOST_TEST_REQUIRE(order.status == 201, order.body);
  auto order_id = json_of(order)["orderId"].get<int64_t>();
  BOOST_TEST_REQUIRE(
    keyed("/payment", json{{"userId", user}, {"sum", 1}}, "k").status == 200);
  settled_order(order_id);
  auto before = balance_text(user); // 100 - 0.99 - 1
  BOOST_TEST(before == "98.01");
  auto next_user = user + 2;

  // Each endpoint refuses its key with another body: another sum, another
  // email, another item or quantity, another user.
  check_error(keyed("/deposit", json{{"userId", user}, {"sum", 200}}, "k"), 422,
              "idempotency_key_reused");
  check_error(keyed("/register",
                    json{{"email", "ned@example.com"},
                         {"name", "Ned"},
                         {"password", test_password}},
                    "k"),
              422, "idempotency_key_reused");
  check_error(keyed("/createOrder",
                    json{{"userId", user}, {"itemId", 6}, {"quantity", 2}},
                    "k"),
              422, "idempotency_key_reused");
  check_error(keyed("/payment", json{{"userId", user}, {"sum", 2}}, "k"), 422,
              "idempotency_key_reused");

  BOOST_TEST(balance_text(user) == before);
  BOOST_TEST(!user_exists(next_user));
  BOOST_TEST(!order_exists(order_id + 1));
  // "ned" can still register (the refused request reserved nothing).
  BOOST_TEST(register_user("ned@example.com", "Ned") == next_user);
}

BOOST_AUTO_TEST_CASE(keys_are_scoped_per_endpoint) {
  // The same key on four endpoints: four independent commands, four effects.
  auto reg = keyed("/register",
                   json{{"email", "oz@example.com"},
                        {"name", "Oz"},
                        {"password", test_password}},
                   "shared-key");
  BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
  auto user = json_of(reg)["userId"].get<int64_t>();
  auto dep
    = keyed("/deposit", json{{"userId", user}, {"sum", 50}}, "shared-key");
  BOOST_TEST(dep.status == 200, dep.body);
  auto pay
    = keyed("/payment", json{{"userId", user}, {"sum", 20}}, "shared-key");
  BOOST_TEST(pay.status == 200, pay.body);
  BOOST_TEST(json_of(pay)["result"] == "paid");
  auto ord = keyed("/createOrder", json{{"userId", user}, {"itemId", 3}},
                   "shared-key");
  BOOST_TEST_REQUIRE(ord.status == 201, ord.body);
  BOOST_TEST(settled_order(json_of(ord)["orderId"].get<int64_t>())["status"]
             == "paid");
  BOOST_TEST(balance_text(user) == "5");
  // Scoped per endpoint and caller, not per user the request acts for: the
  // operator's deposit for another user under the same key is a different
  // request for that key.
  auto other = register_user("pat@example.com", "Pat");
  check_error(keyed("/deposit", json{{"userId", other}, {"sum", 50}},
                    "shared-key"),
              422, "idempotency_key_reused");
  BOOST_TEST(balance_text(other) == "0");
  // That user's own key of the same name is another key: it runs.
  auto pat = session("pat@example.com");
  auto own = pat.post_with_key("/deposit",
                               json{{"userId", other}, {"sum", 50}}.dump(),
                               "shared-key");
  BOOST_TEST(own.status == 200, own.body);
  BOOST_TEST(balance_text(other) == "50");
}

BOOST_AUTO_TEST_CASE(malformed_keys_are_400_and_change_nothing) {
  auto user = register_user("quinn@example.com", "Quinn");
  auto body = json{{"userId", user}, {"sum", 5}}.dump();
  auto too_long = std::string(256, 'x');
  check_error(client.post("/deposit", body, "application/json",
                          {{"Idempotency-Key", too_long}}),
              400, "invalid_header");
  check_error(client.post("/deposit", body, "application/json",
                          {{"Idempotency-Key", "a"}, {"Idempotency-Key", "a"}}),
              400, "invalid_header");
  check_error(client.post("/deposit", body, "application/json",
                          {{"Idempotency-Key", "caf\xC3\xA9"}}),
              400, "invalid_header");
  check_error(client.post("/register",
                          json{{"email", "rex@example.com"},
                               {"name", "Rex"},
                               {"password", test_password}}
                            .dump(),
                          "application/json", {{"Idempotency-Key", too_long}}),
              400, "invalid_header");
  BOOST_TEST(balance_text(user) == "0");
  BOOST_TEST(!user_exists(user + 1));
  // The longest valid key works, header name in any case.
  auto longest = std::string(255, 'y');
  auto ok = client.post("/deposit", body, "application/json",
                        {{"idempotency-key", longest}});
  BOOST_TEST(ok.status == 200, ok.body);
  check_same(ok, client.post_with_key("/deposit", body, longest));
  BOOST_TEST(balance_text(user) == "5");
}

BOOST_AUTO_TEST_SUITE_END()
