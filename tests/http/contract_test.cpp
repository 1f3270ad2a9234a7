// The running server against docs/openapi.yaml: every documented operation
// exists and answers its documented example with a documented status whose
// body has the documented schema; a bad request gets a documented 4xx with
// the error schema; every route of the server is documented; and the server
// serves the document itself.

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "http/server.hpp"
#include "server_fixture.hpp"
#include "support/contract.hpp"

using namespace shop::test;

namespace {

/// "/getOrder?orderId=1" from the operation's parameter examples.
std::string target_with_examples(const std::string& path, const YAML::Node& op,
                                 const YAML::Node& doc) {
  std::string query;
  for (YAML::Node p : op["parameters"]) {
    if (p["$ref"]) {
      auto ref = p["$ref"].as<std::string>();
      p.reset(doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)]);
    }
    if (p["in"].as<std::string>() != "query" || !p["example"])
      continue;
    query += (query.empty() ? "?" : "&") + p["name"].as<std::string>() + "="
             + p["example"].as<std::string>();
  }
  return path + query;
}

/// The example body of a JSON request, as JSON text.
std::string example_body(const YAML::Node& op) {
  auto example = op["requestBody"]["content"]["application/json"]["example"];
  nlohmann::json body = nlohmann::json::object();
  for (auto kv : example) {
    auto key = kv.first.as<std::string>();
    auto node = kv.second;
    auto text = node.as<std::string>();
    // Quoted YAML scalars stay strings ('50.25'); the rest are numbers when
    // they look like one.
    if (node.Tag() != "!" && !text.empty()
        && text.find_first_not_of("0123456789.") == std::string::npos)
      body[key] = text.find('.') != std::string::npos
                    ? nlohmann::json(std::stod(text))
                    : nlohmann::json(std::stoll(text));
    else
      body[key] = text;
  }
  return body.dump();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_contract, server_fixture)

BOOST_AUTO_TEST_CASE(the_server_matches_its_openapi_document) {
  auto doc = load_contract("openapi.yaml");
  schema_checker checker{doc};
  // Data for the examples: user 1 with money, order 1 decided.
  auto user = register_user("contract@example.com", "Contract");
  BOOST_TEST_REQUIRE(user == 1);
  deposit(user, "1000");
  auto order = create_order(user, 2);
  settled_order(order["orderId"]);
  messages_eventually(1, "?orderId=1");
  std::set<std::pair<std::string, std::string>> documented;
  size_t operations = 0;
  for (auto entry : doc["paths"]) {
    auto path = entry.first.as<std::string>();
    for (auto m : entry.second) {
      auto method = m.first.as<std::string>();
      auto op = m.second;
      std::string upper;
      for (auto c : method)
        upper += static_cast<char>(std::toupper(c));
      documented.emplace(upper, path);
      ++operations;
      if (op["x-streaming"])
        continue; // a stream never ends: the console test reads it
      auto target = target_with_examples(path, op, doc);
      auto resp = upper == "GET" ? client.get(target)
                                 : client.post(target, example_body(op));
      auto status = std::to_string(resp.status);
      auto documented_response = op["responses"][status];
      BOOST_TEST_REQUIRE(static_cast<bool>(documented_response),
                         upper << " " << target << " answered " << status
                               << ", which is not documented: " << resp.body);
      if (documented_response["$ref"]) {
        auto ref = documented_response["$ref"].as<std::string>();
        documented_response.reset(
          doc["components"]["responses"][ref.substr(ref.rfind('/') + 1)]);
      }
      auto content = documented_response["content"];
      BOOST_TEST_REQUIRE(content.size() == 1u);
      auto type = content.begin()->first.as<std::string>();
      BOOST_TEST(resp.header("content-type").rfind(type, 0) == 0,
                 upper << " " << target << ": content type "
                       << resp.header("content-type") << ", documented "
                       << type);
      if (type == "application/json") {
        auto problems = checker.check(content.begin()->second["schema"],
                                      nlohmann::json::parse(resp.body));
        BOOST_TEST(problems.empty(), upper << " " << target << " " << status
                                           << ": " << problems.front()
                                           << "\n  body: " << resp.body);
      }
      // A request without its required input gets a documented 4xx with
      // the error schema.
      bool needs_input = static_cast<bool>(op["requestBody"]);
      for (auto p : op["parameters"])
        needs_input = needs_input || p["$ref"]
                      || (p["required"] && p["required"].as<bool>());
      if (needs_input) {
        auto bad = upper == "GET" ? client.get(path) : client.post(path, "{}");
        auto bad_status = std::to_string(bad.status);
        BOOST_TEST(bad.status / 100 == 4,
                   upper << " " << path << ": " << bad.status);
        BOOST_TEST(static_cast<bool>(op["responses"][bad_status]),
                   upper << " " << path << " answered an undocumented "
                         << bad_status);
        auto problems = checker.check(doc["components"]["schemas"]["Error"],
                                      nlohmann::json::parse(bad.body));
        BOOST_TEST(problems.empty(), bad.body);
      }
    }
  }
  // Every route of the server is documented, and nothing else.
  std::set<std::pair<std::string, std::string>> served;
  for (auto& r : shop::http::route_list())
    served.insert(r);
  for (auto& r : served)
    BOOST_TEST(documented.count(r) == 1u,
               r.first << " " << r.second << " is not in docs/openapi.yaml");
  for (auto& d : documented)
    BOOST_TEST(served.count(d) == 1u,
               d.first << " " << d.second << " is documented but not served");
  BOOST_TEST(operations == served.size());
}

BOOST_AUTO_TEST_CASE(the_server_serves_its_contracts) {
  for (auto name : {"openapi.yaml", "asyncapi.yaml"}) {
    auto resp = client.get(std::string{"/"} + name);
    BOOST_TEST(resp.status == 200);
    BOOST_TEST(resp.header("content-type") == "application/yaml");
    std::ifstream in{required_env("ACTORSHOP_SOURCE_DIR") + "/docs/" + name};
    std::stringstream file;
    file << in.rdbuf();
    BOOST_TEST(resp.body == file.str(), name << " differs from docs/");
  }
}

BOOST_AUTO_TEST_SUITE_END()
