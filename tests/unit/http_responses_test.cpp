#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "http/responses.hpp"

using namespace shop;
using namespace shop::http;

BOOST_AUTO_TEST_SUITE(http_responses)

BOOST_AUTO_TEST_CASE(users) {
  user u{7, "a@b.c", "Ann \"A\""};
  BOOST_TEST(registered_json(u) == R"({"userId":7})");
  BOOST_TEST(user_json(u)
             == R"({"userId":7,"name":"Ann \"A\"","email":"a@b.c"})");
}

BOOST_AUTO_TEST_CASE(billing) {
  BOOST_TEST(account_json(account{7, money::from_cents(20000)})
             == R"({"userId":7,"balance":200})");
  BOOST_TEST(account_json(account{7, money{}})
             == R"({"userId":7,"balance":0})");
  payment_outcome paid{7, payment_result::paid, money::from_cents(1)};
  BOOST_TEST(payment_json(paid)
             == R"({"userId":7,"result":"paid","balance":0.01})");
  payment_outcome refused{7, payment_result::not_enough_money,
                          money::from_cents(1250)};
  BOOST_TEST(payment_json(refused)
             == R"({"userId":7,"result":"not_enough_money","balance":12.5})");
}

BOOST_AUTO_TEST_CASE(items) {
  std::vector<item> xs{{1, "Laptop", money::from_cents(150000)},
                       {3, "Book", money::from_cents(2505)}};
  BOOST_TEST(items_json(xs)
             == R"([{"itemId":1,"name":"Laptop","price":1500},)"
                R"({"itemId":3,"name":"Book","price":25.05}])");
  BOOST_TEST(items_json({}) == "[]");
}

BOOST_AUTO_TEST_CASE(orders) {
  order o;
  o.id = 5;
  o.user = 7;
  o.item = 2;
  o.quantity = 2;
  o.sum = money::from_cents(60000);
  o.status = order_status::pending;
  o.created_at = 1'000;
  o.updated_at = 2'500;
  BOOST_TEST(created_order_json(o)
             == R"({"orderId":5,"status":"pending","sum":600,"userId":7,)"
                R"("itemId":2,"quantity":2})");
  o.status = order_status::paid;
  BOOST_TEST(order_json(o)
             == R"({"orderId":5,"userId":7,"itemId":2,"quantity":2,)"
                R"("sum":600,"status":"paid",)"
                R"("createdAt":"1970-01-01T00:00:01.000Z",)"
                R"("updatedAt":"1970-01-01T00:00:02.500Z"})");
}

BOOST_AUTO_TEST_CASE(notifications) {
  std::vector<notification> xs{
    {3, 7, 5, "a@b.c", "Order 5 paid", "Line 1\nLine 2", 0}};
  BOOST_TEST(notifications_json(xs)
             == R"([{"messageId":3,"userId":7,"orderId":5,"email":"a@b.c",)"
                R"("subject":"Order 5 paid","body":"Line 1\nLine 2",)"
                R"("sentAt":"1970-01-01T00:00:00.000Z"}])");
}

BOOST_AUTO_TEST_CASE(health) {
  BOOST_TEST(health_json() == R"({"status":"ok"})");
}

BOOST_AUTO_TEST_SUITE_END()
