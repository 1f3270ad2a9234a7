#include <boost/test/unit_test.hpp>

#include <string>

#include "http/json_body.hpp"

using namespace shop::http;

namespace {

/// The fields of a body that must be a JSON object.
json_object fields(const std::string& body) {
  auto obj = read_json_object(body);
  BOOST_TEST_REQUIRE(static_cast<bool>(obj),
                     "rejected: " << obj.error().message);
  return *obj;
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_body)

BOOST_AUTO_TEST_CASE(numbers_keep_the_text_the_client_wrote) {
  auto obj = fields(R"({"a":12.50,"b":1.25e1,"c":0.10000000000000000001,)"
                    R"("d":7,"e":-3,"f":18446744073709551616,"g":1E+2})");
  BOOST_TEST(obj["a"].text == "12.50");
  BOOST_TEST(obj["b"].text == "1.25e1");
  BOOST_TEST(obj["c"].text == "0.10000000000000000001");
  BOOST_TEST(obj["f"].text == "18446744073709551616");
  BOOST_TEST(obj["g"].text == "1E+2");
  BOOST_TEST((obj["a"].kind == json_kind::other_number));
  BOOST_TEST((obj["f"].kind == json_kind::other_number));
  BOOST_TEST(obj["d"].text == "7");
  BOOST_TEST((obj["d"].kind == json_kind::unsigned_integer));
  BOOST_TEST(obj["e"].text == "-3");
  BOOST_TEST((obj["e"].kind == json_kind::negative_integer));
}

BOOST_AUTO_TEST_CASE(strings_are_decoded) {
  auto obj = fields(R"({"s":"a\"b\u00e9\n"})");
  BOOST_TEST((obj["s"].kind == json_kind::string));
  BOOST_TEST(obj["s"].text == "a\"b\xC3\xA9\n");
}

BOOST_AUTO_TEST_CASE(a_repeated_name_keeps_its_last_value) {
  auto obj = fields(R"({"sum":1.5,"sum":"2","x":1,"x":null})");
  BOOST_TEST((obj["sum"].kind == json_kind::string));
  BOOST_TEST(obj["sum"].text == "2");
  BOOST_TEST((obj["x"].kind == json_kind::null));
}

BOOST_AUTO_TEST_CASE(nested_values_count_only_for_their_kind) {
  auto obj = fields(R"({"a":{"sum":1.5,"b":[2.5]},"c":[{"sum":3}],"sum":4})");
  BOOST_TEST(obj.size() == 3u);
  BOOST_TEST((obj["a"].kind == json_kind::object));
  BOOST_TEST((obj["c"].kind == json_kind::array));
  BOOST_TEST(obj["a"].text.empty());
  BOOST_TEST(obj["sum"].text == "4");
}

BOOST_AUTO_TEST_CASE(other_documents_are_invalid_json) {
  for (auto [body, kind] :
       {std::pair{"[1]", "array"}, std::pair{"1.5", "number"},
        std::pair{"\"x\"", "string"}, std::pair{"true", "boolean"},
        std::pair{"null", "null"}}) {
    auto obj = read_json_object(body);
    BOOST_TEST_REQUIRE(!obj);
    BOOST_TEST(obj.error().code == "invalid_json");
    BOOST_TEST(obj.error().message
               == std::string{"the request body must be a JSON object, got "}
                    + kind);
  }
}

BOOST_AUTO_TEST_CASE(malformed_documents_carry_nlohmann_s_message) {
  auto obj = read_json_object(R"({"a":1e400})");
  BOOST_TEST_REQUIRE(!obj);
  BOOST_TEST(obj.error().message
             == "malformed JSON: number overflow parsing '1e400'");
  obj = read_json_object(R"({"a":1} x)");
  BOOST_TEST_REQUIRE(!obj);
  BOOST_TEST(obj.error().message
             == "malformed JSON: parse error at line 1, column 9: syntax error "
                "while parsing value - invalid literal; last read: '1} x'; "
                "expected end of input");
}

BOOST_AUTO_TEST_CASE(type_names_are_nlohmann_s) {
  BOOST_TEST(type_name(json_kind::negative_integer) == std::string{"number"});
  BOOST_TEST(type_name(json_kind::unsigned_integer) == std::string{"number"});
  BOOST_TEST(type_name(json_kind::other_number) == std::string{"number"});
  BOOST_TEST(type_name(json_kind::boolean) == std::string{"boolean"});
  BOOST_TEST(type_name(json_kind::object) == std::string{"object"});
}

BOOST_AUTO_TEST_SUITE_END()
