// docs/openapi.yaml against the server's access rules: the bearer scheme is
// declared; every operation says whether it needs credentials (security)
// and whose (x-access), and documents the answers a client then gets: 401
// and 403 where credentials are needed, 415 wherever a body is taken; and
// the running server gives exactly those answers, with the documented error
// schema and a WWW-Authenticate challenge on 401.

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>

#include "http/server.hpp"
#include "server_fixture.hpp"
#include "support/contract.hpp"

using namespace shop::test;

namespace {

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_contract_auth, server_fixture)

BOOST_AUTO_TEST_CASE(the_document_declares_every_access_rule) {
  auto doc = load_contract("openapi.yaml");
  auto scheme = doc["components"]["securitySchemes"]["bearer"];
  BOOST_TEST_REQUIRE(static_cast<bool>(scheme));
  BOOST_TEST(scheme["type"].as<std::string>() == "http");
  BOOST_TEST(scheme["scheme"].as<std::string>() == "bearer");
  schema_checker checker{doc};
  auto user = register_user("rules@example.com", "Rules");
  auto as_user = session("rules@example.com");
  auto anonymous = anonymous_client();
  size_t checked = 0;
  for (auto entry : doc["paths"]) {
    auto path = entry.first.as<std::string>();
    for (auto m : entry.second) {
      auto method = upper(m.first.as<std::string>());
      auto op = m.second;
      auto what = method + " " + path;
      BOOST_TEST_REQUIRE(static_cast<bool>(op["security"]),
                         what << " does not say whether it needs credentials");
      bool open = op["security"].size() == 0;
      auto documented = [&](int status) {
        return static_cast<bool>(op["responses"][std::to_string(status)]);
      };
      if (method == "POST")
        BOOST_TEST(documented(415), what << " does not document 415");
      if (open) {
        BOOST_TEST(!op["x-access"], what << " is public but has x-access");
        continue;
      }
      ++checked;
      auto access = op["x-access"] ? op["x-access"].as<std::string>() : "";
      BOOST_TEST((access == "owner" || access == "operator"),
                 what << ": x-access '" << access << "'");
      BOOST_TEST(documented(401), what << " does not document 401");
      BOOST_TEST(documented(403), what << " does not document 403");
      if (op["x-streaming"])
        continue; // the authorization matrix reads its head
      // Without credentials: the documented 401, with a challenge.
      auto body = method == "POST" ? std::string{"{}"} : std::string{};
      auto none = anonymous.request(method, path, body,
                                    method == "POST" ? "application/json" : "");
      BOOST_TEST(none.status == 401, what << ": " << none.status);
      BOOST_TEST(none.header("WWW-Authenticate").rfind("Bearer", 0) == 0u);
      auto problems = checker.check(doc["components"]["schemas"]["Error"],
                                    json::parse(none.body));
      BOOST_TEST(problems.empty(), none.body);
      // A user on an operator operation, or for another user: 403.
      auto target = access == "operator"
                      ? path
                      : path + "?userId=" + std::to_string(user + 1000);
      auto other_body = method == "POST" ? json{{"userId", user + 1000},
                                                {"sum", "1"},
                                                {"itemId", 1},
                                                {"password", "12345678"}}
                                             .dump()
                                         : std::string{};
      auto refused
        = as_user.request(method, method == "POST" ? path : target, other_body,
                          method == "POST" ? "application/json" : "");
      if (path == "/getOrder")
        continue; // another user's order is a 404 (see authorization_test)
      BOOST_TEST(refused.status == 403,
                 what << ": " << refused.status << " " << refused.body);
    }
  }
  BOOST_TEST(checked >= 10u);
  // Every POST refuses a body of another media type, as documented.
  auto resp = as_user.post("/deposit", R"({"sum":"1"})", "text/plain");
  check_error(resp, 415, "unsupported_media_type");
}

BOOST_AUTO_TEST_SUITE_END()
