#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "actors/errors.hpp"
#include "http/auth.hpp"
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
    // Which part failed is not the client's business: the detail is logged.
    {errc::storage_failure, 503, "service_unavailable"},
    {errc::idempotency_key_reused, 422, "idempotency_key_reused"},
    // Only services exchange events: a client retries like any 503.
    {errc::out_of_order, 503, "service_unavailable"},
    {errc::invalid_credentials, 401, "invalid_credentials"},
    {errc::overloaded, 503, "overloaded"},
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

BOOST_AUTO_TEST_CASE(server_errors_never_carry_the_services_text) {
  // Whatever a service or storage put in the error (SQL, a host, an
  // exception message), a 5xx body says only what kind of failure it was;
  // the text stays for the log.
  std::string internal = "ERROR: relation \"x\" [in: BEGIN] host=db:5432";
  for (auto code :
       {errc::service_unavailable, errc::storage_failure, errc::out_of_order}) {
    auto err = from_service_error(caf::make_error(code, internal));
    BOOST_TEST(err.status == 503);
    BOOST_TEST(err.message.find("BEGIN") == std::string::npos, err.message);
    BOOST_TEST(err.detail == internal);
  }
  auto bug = from_service_error(caf::make_error(caf::sec::unexpected_message));
  BOOST_TEST(bug.message == "internal error");
  BOOST_TEST(!bug.detail.empty());
  auto thrown = shop::http::internal_error("std::bad_alloc at 0x1234");
  BOOST_TEST(shop::http::to_json(thrown).find("0x1234") == std::string::npos);
}

/// Every (status, code) the server can send, from the factories and the
/// mapping of every service error.
std::set<std::pair<int, std::string>> produced_codes() {
  using namespace shop::http;
  std::vector<api_error>
    all{invalid_json("x"),
        missing_field("f"),
        invalid_field("f", "x"),
        invalid_amount("f", "x"),
        invalid_header("h", "x"),
        invalid_request("x"),
        uri_too_long(1),
        expectation_failed(),
        headers_too_large("x"),
        version_not_supported(),
        internal_error("x"),
        path_not_found("/"),
        method_not_allowed("PUT", "/"),
        body_too_large(1),
        shutting_down(),
        unsupported_media_type(),
        unauthorized(authentication{}),
        forbidden(),
        too_many_attempts(1),
        from_service_error(caf::make_error(caf::sec::request_timeout)),
        from_service_error(caf::make_error(caf::sec::request_receiver_down)),
        from_service_error(caf::make_error(caf::sec::unexpected_message))};
  for (int code = 0; code <= static_cast<int>(errc::overloaded); ++code)
    all.push_back(mapped(static_cast<errc>(code)));
  std::set<std::pair<int, std::string>> result;
  for (auto& e : all)
    result.emplace(e.status, e.code);
  return result;
}

BOOST_AUTO_TEST_CASE(the_error_table_lists_every_code_the_server_sends) {
  std::set<std::pair<int, std::string>> table;
  for (auto& k : shop::http::error_kinds())
    table.emplace(k.status, k.code);
  for (auto& p : produced_codes())
    BOOST_TEST(table.count(p) == 1u,
               p.first << " " << p.second << " is missing in error_kinds()");
  for (auto& p : table)
    BOOST_TEST(produced_codes().count(p) == 1u,
               p.first << " " << p.second << " is never sent");
}

BOOST_AUTO_TEST_CASE(docs_api_md_lists_exactly_the_error_table) {
  std::ifstream in{std::string{ACTORSHOP_TEST_SOURCE_DIR} + "/docs/api.md"};
  BOOST_TEST_REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  // Rows of the table under "## Errors": | 400 | `invalid_json` | ... |
  auto doc = text.str();
  auto start = doc.find("\n## Errors");
  BOOST_TEST_REQUIRE(start != std::string::npos);
  auto end = doc.find("\n## ", start + 1);
  auto section = doc.substr(start, end - start);
  std::regex row{R"(\n\|\s*([0-9]{3})\s*\|\s*`([a-z_]+)`\s*\|)"};
  std::set<std::pair<int, std::string>> documented;
  for (std::sregex_iterator i{section.begin(), section.end(), row}, last;
       i != last; ++i)
    documented.emplace(std::stoi((*i)[1].str()), (*i)[2].str());
  std::set<std::pair<int, std::string>> table;
  for (auto& k : shop::http::error_kinds())
    table.emplace(k.status, k.code);
  for (auto& p : table)
    BOOST_TEST(documented.count(p) == 1u,
               p.first << " " << p.second << " is not in docs/api.md");
  for (auto& p : documented)
    BOOST_TEST(table.count(p) == 1u,
               p.first << " " << p.second
                       << " is in docs/api.md but not in error_kinds()");
}

BOOST_AUTO_TEST_SUITE_END()
