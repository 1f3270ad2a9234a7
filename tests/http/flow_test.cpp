// The whole flow of the issue over HTTP, then a restart on the same database.

#include <boost/test/unit_test.hpp>

#include <regex>
#include <string>

#include "server_fixture.hpp"

using namespace shop::test;

namespace {

/// A JSON number as text, to compare amounts exactly: "200", "12.5".
std::string num(const json& x) {
  return x.dump();
}

bool is_iso_utc_millis(const json& x) {
  static const std::regex re{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  return x.is_string() && std::regex_match(x.get<std::string>(), re);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_flow, server_fixture)

BOOST_AUTO_TEST_CASE(health_and_catalog) {
  auto health = call(client.get("/health"), 200);
  BOOST_TEST(health == json({{"status", "ok"}}));
  auto items = call(client.get("/items"), 200);
  BOOST_TEST_REQUIRE(items.is_array());
  BOOST_TEST_REQUIRE(items.size() >= 3u);
  BOOST_TEST(items[0]
             == json({{"itemId", 1}, {"name", "Laptop"}, {"price", 1500}}));
  BOOST_TEST(items[1]
             == json({{"itemId", 2}, {"name", "Headphones"}, {"price", 300}}));
  BOOST_TEST(items[2]
             == json({{"itemId", 3}, {"name", "Book"}, {"price", 25}}));
}

BOOST_AUTO_TEST_CASE(order_flow_survives_a_restart) {
  // Register; the account exists right away with balance 0.
  auto user = register_user("ann@example.com", "Ann");
  BOOST_TEST(user > 0);
  auto info
    = call(client.get("/getUserInfo?userId=" + std::to_string(user)), 200);
  BOOST_TEST(
    info
    == json({{"userId", user}, {"name", "Ann"}, {"email", "ann@example.com"}}));
  BOOST_TEST(balance(user) == json({{"userId", user}, {"balance", 0}}));

  // Deposit 500.
  BOOST_TEST(deposit(user, 500) == json({{"userId", user}, {"balance", 500}}));
  BOOST_TEST(num(balance(user)["balance"]) == "500");

  // Order item 2 (300): paid, balance 200, one notification saying paid.
  auto first = create_order(user, 2);
  BOOST_TEST(first.value("status", "") == "pending");
  BOOST_TEST(num(first["sum"]) == "300");
  auto first_id = first["orderId"].get<int64_t>();
  BOOST_TEST(first_id > 0);
  auto paid = settled_order(first_id);
  BOOST_TEST(paid["status"] == "paid");
  BOOST_TEST(paid["orderId"] == first_id);
  BOOST_TEST(paid["userId"] == user);
  BOOST_TEST(paid["itemId"] == 2);
  BOOST_TEST(paid["quantity"] == 1);
  BOOST_TEST(num(paid["sum"]) == "300");
  BOOST_TEST(is_iso_utc_millis(paid["createdAt"]), paid.dump());
  BOOST_TEST(is_iso_utc_millis(paid["updatedAt"]), paid.dump());
  BOOST_TEST(num(balance(user)["balance"]) == "200");
  auto msgs = messages_eventually(1, "?userId=" + std::to_string(user));
  BOOST_TEST(msgs[0]["orderId"] == first_id);
  BOOST_TEST(msgs[0]["userId"] == user);
  BOOST_TEST(msgs[0]["email"] == "ann@example.com");
  BOOST_TEST(msgs[0]["messageId"].is_number_integer());
  BOOST_TEST(msgs[0]["subject"].is_string());
  BOOST_TEST(is_iso_utc_millis(msgs[0]["sentAt"]), msgs[0].dump());
  auto paid_body = lower(msgs[0].value("body", ""));
  BOOST_TEST(paid_body.find("paid") != std::string::npos, paid_body);
  BOOST_TEST(paid_body.find("300") != std::string::npos, paid_body);
  BOOST_TEST(paid_body.find("not enough") == std::string::npos, paid_body);

  // Order item 1 (1500): rejected, balance still 200, a second notification
  // saying not enough money (newest first).
  auto second = create_order(user, 1);
  BOOST_TEST(second.value("status", "") == "pending");
  BOOST_TEST(num(second["sum"]) == "1500");
  auto second_id = second["orderId"].get<int64_t>();
  BOOST_TEST(second_id != first_id);
  auto rejected = settled_order(second_id);
  BOOST_TEST(rejected["status"] == "rejected");
  BOOST_TEST(num(balance(user)["balance"]) == "200");
  msgs = messages_eventually(2, "?userId=" + std::to_string(user));
  BOOST_TEST(msgs[0]["orderId"] == second_id);
  BOOST_TEST(msgs[1]["orderId"] == first_id);
  auto rejected_body = lower(msgs[0].value("body", ""));
  BOOST_TEST(rejected_body.find("not enough") != std::string::npos,
             rejected_body);
  BOOST_TEST(rejected_body.find("1500") != std::string::npos, rejected_body);

  // Filters and limit.
  auto by_order = messages("?orderId=" + std::to_string(first_id));
  BOOST_TEST_REQUIRE(by_order.size() == 1u);
  BOOST_TEST(by_order[0]["orderId"] == first_id);
  auto limited = messages("?userId=" + std::to_string(user) + "&limit=1");
  BOOST_TEST_REQUIRE(limited.size() == 1u);
  BOOST_TEST(limited[0]["orderId"] == second_id);
  BOOST_TEST(messages("?userId=" + std::to_string(user + 1000)).empty());

  // Direct payments: exact cents, and a refused one that changes nothing.
  auto pay = call(client.post("/payment",
                              json{{"userId", user}, {"sum", "50.25"}}.dump()),
                  200);
  BOOST_TEST(pay["result"] == "paid");
  BOOST_TEST(num(pay["balance"]) == "149.75");
  auto refused = call(client.post("/payment",
                                  json{{"userId", user}, {"sum", 1000}}.dump()),
                      200);
  BOOST_TEST(refused["result"] == "not_enough_money");
  BOOST_TEST(num(refused["balance"]) == "149.75");
  BOOST_TEST(num(balance(user)["balance"]) == "149.75");

  // createAccount for an existing account: 200, nothing changes.
  auto acc
    = call(client.post("/createAccount", json{{"userId", user}}.dump()), 200);
  BOOST_TEST(num(acc["balance"]) == "149.75");

  // Restart on the same database: SIGTERM exits 0, and everything is back.
  stop();
  start();
  info = call(client.get("/getUserInfo?userId=" + std::to_string(user)), 200);
  BOOST_TEST(info["email"] == "ann@example.com");
  BOOST_TEST(info["name"] == "Ann");
  BOOST_TEST(num(balance(user)["balance"]) == "149.75");
  BOOST_TEST(get_order(first_id)["status"] == "paid");
  BOOST_TEST(get_order(second_id)["status"] == "rejected");
  BOOST_TEST(get_order(second_id)["createdAt"] == rejected["createdAt"]);
  msgs = messages("?userId=" + std::to_string(user));
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[0]["orderId"] == second_id);
  // The email is still taken, ids keep counting, and the flow still works.
  check_error(client.post("/register", json{{"email", "ANN@example.com"},
                                            {"name", "Ann 2"},
                                            {"password", test_password}}
                                         .dump()),
              409, "email_taken");
  auto bob = register_user("bob@example.com", "Bob");
  BOOST_TEST(bob > user);
  auto third = create_order(user, 3);
  BOOST_TEST(third["orderId"].get<int64_t>() > second_id);
  BOOST_TEST(settled_order(third["orderId"].get<int64_t>())["status"]
             == "paid");
  BOOST_TEST(num(balance(user)["balance"]) == "124.75");
  messages_eventually(3, "?userId=" + std::to_string(user));
}

BOOST_AUTO_TEST_CASE(create_account_is_idempotent) {
  auto user = register_user("carol@example.com", "Carol");
  // The account was opened by USER_CREATED already: 200, not 201.
  auto acc
    = call(client.post("/createAccount", json{{"userId", user}}.dump()), 200);
  BOOST_TEST(acc == json({{"userId", user}, {"balance", 0}}));
  deposit(user, "12.5");
  acc = call(client.post("/createAccount",
                         json{{"userId", std::to_string(user)}}.dump()),
             200);
  BOOST_TEST(num(acc["balance"]) == "12.5");
}

BOOST_AUTO_TEST_CASE(quantities_multiply_the_price) {
  auto user = register_user("dave@example.com", "Dave");
  deposit(user, 100);
  auto order = create_order(user, 3, 3); // 3 books at 25
  BOOST_TEST(num(order["sum"]) == "75");
  BOOST_TEST(order["quantity"] == 3);
  auto done = settled_order(order["orderId"].get<int64_t>());
  BOOST_TEST(done["status"] == "paid");
  BOOST_TEST(done["quantity"] == 3);
  BOOST_TEST(num(balance(user)["balance"]) == "25");
}

BOOST_AUTO_TEST_SUITE_END()
