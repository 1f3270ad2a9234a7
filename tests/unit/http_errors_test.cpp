#include <boost/test/unit_test.hpp>

#include <string>

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "actors/errors.hpp"
#include "http/errors.hpp"

using shop::errc;
using shop::http::api_error;
using shop::http::from_service_error;

namespace {

api_error mapped(errc code) {
  return from_service_error(caf::error{code});
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_error_mapping)

BOOST_AUTO_TEST_CASE(shop_errors_get_their_status_and_code) {
  struct expectation {
    errc code;
    uint16_t status;
    const char* name;
  };
  const expectation table[] = {
    {errc::user_not_found, 404, "user_not_found"},
    {errc::account_not_found, 404, "account_not_found"},
    {errc::item_not_found, 404, "item_not_found"},
    {errc::order_not_found, 404, "order_not_found"},
    {errc::email_taken, 409, "email_taken"},
    {errc::invalid_argument, 400, "invalid_argument"},
    {errc::amount_too_large, 422, "amount_too_large"},
    {errc::service_unavailable, 503, "service_unavailable"},
    {errc::storage_failure, 503, "storage_failure"},
    {errc::idempotency_key_reused, 422, "idempotency_key_reused"},
    // Only services exchange events: a client retries like any 503.
    {errc::out_of_order, 503, "service_unavailable"},
  };
  for (const auto& e : table) {
    BOOST_TEST_CONTEXT("errc " << shop::to_string(e.code)) {
      auto err = mapped(e.code);
      BOOST_TEST(err.status == e.status);
      BOOST_TEST(err.code == e.name);
      BOOST_TEST(!err.message.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_error_context_becomes_the_message) {
  auto err = from_service_error(
    caf::error{errc::invalid_argument, std::string{"quantity is too big"}});
  BOOST_TEST(err.status == 400);
  BOOST_TEST(err.code == "invalid_argument");
  BOOST_TEST(err.message == "quantity is too big");
}

BOOST_AUTO_TEST_CASE(timeouts_and_dead_services_are_503) {
  auto timeout = from_service_error(caf::make_error(caf::sec::request_timeout));
  BOOST_TEST(timeout.status == 503);
  BOOST_TEST(timeout.code == "service_unavailable");
  auto down
    = from_service_error(caf::make_error(caf::sec::request_receiver_down));
  BOOST_TEST(down.status == 503);
  BOOST_TEST(down.code == "service_unavailable");
}

BOOST_AUTO_TEST_CASE(anything_else_is_500) {
  auto err = from_service_error(caf::make_error(caf::sec::unexpected_message));
  BOOST_TEST(err.status == 500);
  BOOST_TEST(err.code == "internal_error");
  BOOST_TEST(from_service_error(caf::error{}).status == 500);
  BOOST_TEST(from_service_error(caf::error{errc::none}).status == 500);
}

BOOST_AUTO_TEST_CASE(client_error_helpers) {
  using namespace shop::http;
  BOOST_TEST(invalid_json("x").status == 400);
  BOOST_TEST(invalid_json("x").code == "invalid_json");
  BOOST_TEST(missing_field("userId").code == "missing_field");
  BOOST_TEST(missing_field("userId").message.find("'userId'")
             != std::string::npos);
  BOOST_TEST(invalid_field("sum", "must be x").message
             == "field 'sum' must be x");
  BOOST_TEST(invalid_amount("sum", "must be y").code == "invalid_amount");
  BOOST_TEST(path_not_found("/x").status == 404);
  BOOST_TEST(path_not_found("/x").code == "not_found");
  BOOST_TEST(method_not_allowed("PUT", "/x").status == 405);
  BOOST_TEST(method_not_allowed("PUT", "/x").code == "method_not_allowed");
  BOOST_TEST(body_too_large(65536).status == 413);
  BOOST_TEST(body_too_large(65536).code == "body_too_large");
}

BOOST_AUTO_TEST_CASE(error_bodies_are_json_objects) {
  auto body = shop::http::to_json(
    api_error{400, "invalid_field", "field 'name' has a \"quote\"\n"});
  BOOST_TEST(
    body
    == R"({"error":"invalid_field","message":"field 'name' has a \"quote\"\n"})");
}

BOOST_AUTO_TEST_SUITE_END()
