#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "http/request_parsing.hpp"

using namespace shop;
using namespace shop::http;

namespace {

/// The error code and status of a rejected parse; fails when it succeeded.
template <class T>
api_error rejected(const parsed<T>& p) {
  BOOST_TEST_REQUIRE(!p, "accepted, but should be rejected");
  return p.error();
}

/// The value of an accepted parse; fails with the error message otherwise.
template <class T>
const T& accepted(const parsed<T>& p) {
  BOOST_TEST_REQUIRE(static_cast<bool>(p), "rejected: " << p.error().code
                                                        << ": "
                                                        << p.error().message);
  return *p;
}

/// A deposit body with `sum` as raw JSON.
std::string deposit_body(const std::string& sum_json) {
  return R"({"userId":1,"sum":)" + sum_json + "}";
}

/// A createAccount body with `id` as raw JSON.
std::string account_body(const std::string& id_json) {
  return R"({"userId":)" + id_json + "}";
}

std::string register_body(const std::string& email_json,
                          const std::string& name_json) {
  return R"({"email":)" + email_json + R"(,"name":)" + name_json
         + R"(,"password":"correct horse"})";
}

query_params query(const std::string& raw) {
  return accepted(parse_query(raw));
}

} // namespace

// -- bodies in general --------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_bodies)

BOOST_AUTO_TEST_CASE(malformed_json_is_invalid_json) {
  const std::vector<std::string> bodies{
    "",
    "   \n",
    "{",
    "}",
    R"({"userId":})",
    R"({'userId':1})",
    R"({"userId":1,})",
    R"({userId:1})",
    "nul",
    R"({"userId":1} x)",
    "{} {}",
    R"({"userId":01})",
    R"({"userId":1e400})",
    R"({"userId":"1)",
    std::string(1, '\0'),
  };
  for (const auto& body : bodies) {
    BOOST_TEST_CONTEXT("body '" << body << "'") {
      auto err = rejected(parse_create_account(body));
      BOOST_TEST(err.status == 400);
      BOOST_TEST(err.code == "invalid_json");
    }
  }
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_objects_are_invalid_json) {
  for (std::string body : {"[]", "[1]", "1", R"("x")", "null", "true"}) {
    BOOST_TEST_CONTEXT("body " << body) {
      auto err = rejected(parse_create_account(body));
      BOOST_TEST(err.code == "invalid_json");
      BOOST_TEST(err.message.find("object") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_invalid_json) {
  const std::vector<std::string> bodies{
    register_body("\"\xFF@b.c\"", R"("Ann")"),
    register_body(R"("a@b.c")", "\"\xC3\""),
    register_body(R"("a@b.c")", "\"\xED\xA0\x80\""),  // surrogate
    register_body(R"("a@b.c")", "\"\xC0\xAF\""),      // overlong
    register_body(R"("a@b.c")", R"("\ud800")"),       // lone surrogate
    register_body(R"("a@b.c")", R"("\udc00\ud800")"), // reversed pair
  };
  for (const auto& body : bodies) {
    BOOST_TEST_CONTEXT("body " << body) {
      BOOST_TEST(rejected(parse_register(body)).code == "invalid_json");
    }
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_rejected_before_parsing) {
  std::string deep = R"({"userId":1,"x":)" + std::string(10'000, '[')
                     + std::string(10'000, ']') + "}";
  auto err = rejected(parse_create_account(deep));
  BOOST_TEST(err.code == "invalid_json");
  BOOST_TEST(err.message.find("nests deeper") != std::string::npos);
  // Unbalanced deep input as well.
  BOOST_TEST(rejected(parse_create_account(std::string(100'000, '{'))).code
             == "invalid_json");
}

BOOST_AUTO_TEST_CASE(moderate_nesting_in_ignored_fields_is_fine) {
  std::string body
    = R"({"userId":1,"x":)" + std::string(20, '[') + std::string(20, ']') + "}";
  BOOST_TEST(accepted(parse_create_account(body)) == 1);
}

BOOST_AUTO_TEST_CASE(json_depth_scan) {
  BOOST_TEST(!exceeds_json_depth("{}", 1));
  BOOST_TEST(exceeds_json_depth("{[]}", 1));
  BOOST_TEST(!exceeds_json_depth("{[]}", 2));
  BOOST_TEST(!exceeds_json_depth("[][][]", 1));
  // Brackets inside strings, also after escaped quotes, do not count.
  BOOST_TEST(!exceeds_json_depth(R"({"a":"[[[[\"[[[["})", 1));
  BOOST_TEST(!exceeds_json_depth(R"({"a\\":"[[["})", 1));
  BOOST_TEST(exceeds_json_depth(R"({"a\\":[[]]})", 2));
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored) {
  auto cmd = accepted(parse_deposit(
    R"({"note":"hi","userId":3,"sum":5,"extra":{"a":[1,2,{"b":null}]}})"));
  BOOST_TEST(cmd.user == 3);
  BOOST_TEST(cmd.sum.cents() == 500);
}

// nlohmann stops at a NUL byte as at the end of the input, so a body with
// anything after a NUL was accepted as the object before it (found by the
// body fuzz targets; reproducers in tests/fuzz/regressions/). No JSON text
// holds a NUL: such bodies are invalid_json.
BOOST_AUTO_TEST_CASE(nothing_hides_behind_a_nul_byte) {
  using namespace std::string_literals;
  for (auto body : {"{\"userId\":1}\0"s, "{\"userId\":1}\0{\"userId\":2}"s,
                    "{\"userId\":1} \0 garbage"s, "\0{\"userId\":1}"s,
                    "{\"userId\":\"1\0\"}"s}) {
    BOOST_TEST_CONTEXT("body of " << body.size() << " bytes") {
      auto err = rejected(parse_create_account(body));
      BOOST_TEST(err.code == "invalid_json");
      BOOST_TEST(err.message.find("NUL") != std::string::npos);
    }
  }
  // Escaped, a NUL is a character like any other (and then refused by the
  // field's own rule).
  BOOST_TEST(rejected(parse_create_account(R"({"userId":"1\u0000"})")).code
             == "invalid_field");
}

BOOST_AUTO_TEST_CASE(surrounding_whitespace_is_accepted) {
  BOOST_TEST(accepted(parse_create_account(" \n\t{\"userId\":2}\r\n")) == 2);
}

BOOST_AUTO_TEST_SUITE_END()

// -- ids ----------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_ids)

BOOST_AUTO_TEST_CASE(accepted_ids) {
  struct good {
    std::string json;
    int64_t value;
  };
  const std::vector<good> table{
    {"1", 1},
    {"7", 7},
    {R"("7")", 7},
    {R"("007")", 7},
    {"9223372036854775807", INT64_MAX},
    {R"("9223372036854775807")", INT64_MAX},
  };
  for (const auto& g : table) {
    BOOST_TEST_CONTEXT("userId " << g.json) {
      BOOST_TEST(accepted(parse_create_account(account_body(g.json)))
                 == g.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejected_ids) {
  const std::vector<std::string> table{
    "0",
    R"("0")",
    "-1",
    R"("-1")",
    "7.5",
    "7.0",
    "1e2",
    R"("7.5")",
    R"("")",
    R"(" 7")",
    R"("7 ")",
    R"("+7")",
    R"("0x7")",
    R"("abc")",
    "9223372036854775808",
    R"("9223372036854775808")",
    "18446744073709551615",
    "18446744073709551616",
    R"("99999999999999999999999")",
    "true",
    "false",
    "[]",
    "[1]",
    "{}",
    R"({"id":1})",
  };
  for (const auto& json : table) {
    BOOST_TEST_CONTEXT("userId " << json) {
      auto err = rejected(parse_create_account(account_body(json)));
      BOOST_TEST(err.status == 400);
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'userId'") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_or_null_ids) {
  // userId is optional in bodies (the token says who the user is): absent
  // and null leave it 0, for the handler to fill in or require.
  for (std::string body : {"{}", R"({"userId":null})", R"({"userid":1})"}) {
    BOOST_TEST_CONTEXT("body " << body) {
      BOOST_TEST(accepted(parse_create_account(body)) == 0);
      BOOST_TEST(
        accepted(parse_deposit(body.substr(0, body.size() - 1)
                               + (body == "{}" ? "" : ",") + R"("sum":1})"))
          .user
        == 0);
    }
  }
  BOOST_TEST(accepted(parse_create_order(R"({"itemId":2})")).user == 0);
  auto err = rejected(parse_create_order(R"({"userId":0,"itemId":2})"));
  BOOST_TEST(err.code == "invalid_field");
}

BOOST_AUTO_TEST_CASE(passwords) {
  auto body = [](const std::string& password_json) {
    return R"({"email":"a@b.c","name":"A","password":)" + password_json + "}";
  };
  BOOST_TEST(accepted(parse_register(body(R"("12345678")"))).password
             == "12345678");
  // Taken as sent: no trimming, any UTF-8.
  BOOST_TEST(accepted(parse_register(body(R"("  pass word  ")"))).password
             == "  pass word  ");
  BOOST_TEST(accepted(parse_register(body("\"\u00e9\u00e9\u00e9\u00e9\"")))
               .password.size()
             == 8u);
  auto max = "\"" + std::string(256, 'x') + "\"";
  BOOST_TEST(accepted(parse_register(body(max))).password.size() == 256u);
  const std::vector<std::string>
    bad_passwords{R"("1234567")", "\"" + std::string(257, 'x') + "\"",
                  R"("")",        "12345678",
                  "null",         "[]"};
  for (const auto& bad : bad_passwords) {
    BOOST_TEST_CONTEXT("password " << bad) {
      auto err = rejected(parse_register(body(bad)));
      BOOST_TEST((err.code == "invalid_field" || err.code == "missing_field"));
      BOOST_TEST(err.message.find("password") != std::string::npos);
      // The error never echoes the password.
      BOOST_TEST(err.message.find("1234567") == std::string::npos);
    }
  }
  BOOST_TEST(rejected(parse_register(R"({"email":"a@b.c","name":"A"})")).code
             == "missing_field");
  BOOST_TEST(!parse_password("\xC0\xAF12345678"));
  BOOST_TEST(!!parse_password("12345678"));
  auto login = accepted(
    parse_login(R"({"email":" Ann@Example.com ","password":"12345678"})"));
  BOOST_TEST(login.email == "Ann@Example.com");
  BOOST_TEST(login.password == "12345678");
  BOOST_TEST(rejected(parse_login(R"({"email":"a@b.c"})")).code
             == "missing_field");
  auto set
    = accepted(parse_set_password(R"({"userId":3,"password":"12345678"})"));
  BOOST_TEST(set.user == 3);
  BOOST_TEST(rejected(parse_set_password(R"({"password":"12345678"})")).code
             == "missing_field");
}

BOOST_AUTO_TEST_CASE(the_error_names_the_bad_field) {
  auto err = rejected(parse_create_order(R"({"userId":1,"itemId":"x"})"));
  BOOST_TEST(err.code == "invalid_field");
  BOOST_TEST(err.message.find("'itemId'") != std::string::npos);
  err = rejected(parse_create_order(R"({"userId":1})"));
  BOOST_TEST(err.code == "missing_field");
  BOOST_TEST(err.message.find("'itemId'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(id_text) {
  BOOST_TEST(accepted(parse_id_text("42", "orderId")) == 42);
  for (std::string text :
       {"", "0", "-3", "4.0", " 4", "4 ", "1e3", "9223372036854775808"}) {
    BOOST_TEST_CONTEXT("text '" << text << "'") {
      auto err = rejected(parse_id_text(text, "orderId"));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'orderId'") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// -- sums ---------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_sums)

BOOST_AUTO_TEST_CASE(accepted_sums_are_exact) {
  struct good {
    std::string json;
    int64_t cents;
  };
  const std::vector<good> table{
    {"500", 50'000},
    {"12.5", 1'250},
    {"0.01", 1},
    {"0.1", 10},
    {"0.29", 29}, // 0.29 * 100 is 28.999999999999996 as a double
    {"1.15", 115},
    {"500.0", 50'000},
    {"12.50", 1'250},
    {"1e3", 100'000},
    {"1.5E2", 15'000},
    {"123456789.12", 12'345'678'912},
    {"10000000000000", 1'000'000'000'000'000},
    {"1e13", 1'000'000'000'000'000},
    {"9999999999999.99", 999'999'999'999'999},
    {R"("500")", 50'000},
    {R"("12.50")", 1'250},
    {R"("0.01")", 1},
    {R"("007")", 700},
    {R"("10000000000000.00")", 1'000'000'000'000'000},
  };
  for (const auto& g : table) {
    BOOST_TEST_CONTEXT("sum " << g.json) {
      auto cmd = accepted(parse_deposit(deposit_body(g.json)));
      BOOST_TEST(cmd.user == 1);
      BOOST_TEST(cmd.sum.cents() == g.cents);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejected_sums_are_invalid_amount) {
  const std::vector<std::string> table{
    "0",
    "0.0",
    "-0.0",
    "-5",
    "-0.01",
    "0.001",
    "12.345",
    "0.30000000000000004",
    "1e-5",
    "1e-400",
    "10000000000000.01",
    "1e14",
    "99999999999999999999",
    "1e300",
    R"("0")",
    R"("-5")",
    R"("0.001")",
    R"("1e3")",
    R"("12,5")",
    R"("")",
    R"(" 5")",
    R"("5 ")",
    R"("abc")",
    R"(".5")",
    R"("5.")",
    R"("+5")",
    R"("10000000000000.01")",
    R"("NaN")",
    R"("Infinity")",
  };
  for (const auto& json : table) {
    BOOST_TEST_CONTEXT("sum " << json) {
      auto err = rejected(parse_deposit(deposit_body(json)));
      BOOST_TEST(err.status == 400);
      BOOST_TEST(err.code == "invalid_amount");
      BOOST_TEST(err.message.find("'sum'") != std::string::npos);
    }
  }
}

// A JSON number with more precision than cents used to be rounded through
// its double (10000000000000.0001 became the maximum, 0.10000000000000000001
// ten cents); found by the deposit and payment fuzz targets, reproducers in
// tests/fuzz/regressions/. Its exact value counts: such sums are refused,
// zeros that carry no value are not precision.
BOOST_AUTO_TEST_CASE(json_numbers_are_never_rounded) {
  for (std::string json :
       {"10000000000000.0001", "0.10000000000000000001", "12.5000000000000001",
        "9999999999999.9999999", "0.0100000000000000001e0", "1e-1000000000",
        "123456789012345678.9"}) {
    BOOST_TEST_CONTEXT("sum " << json) {
      BOOST_TEST(rejected(parse_deposit(deposit_body(json))).code
                 == "invalid_amount");
    }
  }
  struct good {
    std::string json;
    int64_t cents;
  };
  for (const auto& g :
       std::vector<good>{{"12.500", 1'250},
                         {"1.25e1", 1'250},
                         {"1250E-2", 1'250},
                         {"0.000000000000000000000000000000000000000000001e45",
                          100},
                         {"100000000000000000000000000000000000000000000e-41",
                          100'000},
                         {"9999999999999.990000000000000000",
                          999'999'999'999'999}}) {
    BOOST_TEST_CONTEXT("sum " << g.json) {
      BOOST_TEST(accepted(parse_deposit(deposit_body(g.json))).sum.cents()
                 == g.cents);
    }
  }
  auto reason = [](const std::string& json) {
    return rejected(parse_payment(deposit_body(json))).message;
  };
  BOOST_TEST(reason("0.10000000000000000001").find("two fraction digits")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(amount_messages_give_the_reason) {
  auto reason = [](const std::string& json) {
    return rejected(parse_payment(deposit_body(json))).message;
  };
  BOOST_TEST(reason("-5").find("greater than zero") != std::string::npos);
  BOOST_TEST(reason("0").find("greater than zero") != std::string::npos);
  BOOST_TEST(reason("0.001").find("two fraction digits") != std::string::npos);
  BOOST_TEST(reason("1e-5").find("two fraction digits") != std::string::npos);
  BOOST_TEST(reason("1e14").find("exceed") != std::string::npos);
  BOOST_TEST(reason("1e300").find("exceed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sums_of_the_wrong_type_are_invalid_field) {
  for (std::string json : {"true", "[]", "[5]", "{}", R"({"v":5})"}) {
    BOOST_TEST_CONTEXT("sum " << json) {
      BOOST_TEST(rejected(parse_deposit(deposit_body(json))).code
                 == "invalid_field");
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_sums) {
  BOOST_TEST(rejected(parse_deposit(R"({"userId":1})")).code
             == "missing_field");
  BOOST_TEST(rejected(parse_payment(R"({"userId":1,"sum":null})")).code
             == "missing_field");
  BOOST_TEST(rejected(parse_payment(R"({"sum":null})")).message.find("sum")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(payment_parses_like_deposit) {
  auto cmd = accepted(parse_payment(R"({"userId":"9","sum":"0.5"})"));
  BOOST_TEST(cmd.user == 9);
  BOOST_TEST(cmd.sum.cents() == 50);
}

BOOST_AUTO_TEST_SUITE_END()

// -- orders -------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_orders)

BOOST_AUTO_TEST_CASE(quantity_defaults_to_one) {
  for (std::string body : {R"({"userId":1,"itemId":2})",
                           R"({"userId":1,"itemId":2,"quantity":null})"}) {
    auto cmd = accepted(parse_create_order(body));
    BOOST_TEST(cmd.user == 1);
    BOOST_TEST(cmd.item == 2);
    BOOST_TEST(cmd.quantity == 1);
  }
}

BOOST_AUTO_TEST_CASE(accepted_quantities) {
  struct good {
    std::string json;
    int32_t value;
  };
  for (const auto& g :
       std::vector<good>{{"1", 1}, {"3", 3}, {"1000", 1000}, {R"("5")", 5}}) {
    BOOST_TEST_CONTEXT("quantity " << g.json) {
      auto body = R"({"userId":"1","itemId":"2","quantity":)" + g.json + "}";
      BOOST_TEST(accepted(parse_create_order(body)).quantity == g.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejected_quantities) {
  for (std::string json :
       {"0", "1001", "-1", "2.5", "2.0", R"("0")", R"("1001")", R"("abc")",
        R"("")", "true", "[]", "99999999999999999999"}) {
    BOOST_TEST_CONTEXT("quantity " << json) {
      auto body = R"({"userId":1,"itemId":2,"quantity":)" + json + "}";
      auto err = rejected(parse_create_order(body));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'quantity'") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// -- registration -------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_register)

BOOST_AUTO_TEST_CASE(valid_registrations_are_trimmed) {
  auto cmd = accepted(parse_register(
    register_body(R"("  Ann@Example.COM ")", R"(" Ann Lee\t")")));
  BOOST_TEST(cmd.email == "Ann@Example.COM");
  BOOST_TEST(cmd.name == "Ann Lee");
  cmd = accepted(parse_register(register_body(R"("a@b")", R"("A")")));
  BOOST_TEST(cmd.email == "a@b");
  BOOST_TEST(cmd.name == "A");
}

BOOST_AUTO_TEST_CASE(non_ascii_names_count_characters_not_bytes) {
  std::string e_acute = "\xC3\xA9";
  std::string name200;
  for (int i = 0; i < 200; ++i)
    name200 += e_acute;
  auto cmd = accepted(
    parse_register(register_body(R"("a@b.c")", "\"" + name200 + "\"")));
  BOOST_TEST(cmd.name == name200);
  auto err = rejected(parse_register(
    register_body(R"("a@b.c")", "\"" + name200 + e_acute + "\"")));
  BOOST_TEST(err.code == "invalid_field");
  BOOST_TEST(err.message.find("'name'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejected_emails) {
  std::string local(252, 'a');
  const std::vector<std::string> table{
    R"("")",
    R"("   ")",
    R"("ab")",
    R"("a@@b")",
    R"("a@b@c")",
    R"("@b")",
    R"("a@")",
    R"("a b@c")",
    R"("a\tb@c")",
    R"("a@b\u0001")",
    R"("a@b\u007f")",
    R"("a@\u0085b")",
    "\"" + local + "@bc\"", // 255 bytes
  };
  for (const auto& json : table) {
    BOOST_TEST_CONTEXT("email " << json) {
      auto err = rejected(parse_register(register_body(json, R"("Ann")")));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'email'") != std::string::npos);
    }
  }
  // Exactly 254 bytes is fine.
  BOOST_TEST(
    accepted(parse_register(register_body("\"" + local + "@b\"", R"("Ann")")))
      .email.size()
    == 254);
}

BOOST_AUTO_TEST_CASE(rejected_names) {
  const std::vector<std::string> table{
    R"("")",         R"("   ")",
    R"("a\u0000b")", R"("a\nb")",
    R"("a\u001fb")", R"("a\u007fb")",
    R"("a\u0085b")", "\"" + std::string(201, 'x') + "\"",
  };
  for (const auto& json : table) {
    BOOST_TEST_CONTEXT("name " << json) {
      auto err = rejected(parse_register(register_body(R"("a@b.c")", json)));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'name'") != std::string::npos);
    }
  }
  BOOST_TEST(
    accepted(parse_register(register_body(R"("a@b.c")",
                                          "\"" + std::string(200, 'x') + "\"")))
      .name.size()
    == 200);
}

BOOST_AUTO_TEST_CASE(wrongly_typed_or_missing_fields) {
  auto err = rejected(parse_register(register_body("5", R"("Ann")")));
  BOOST_TEST(err.code == "invalid_field");
  BOOST_TEST(err.message.find("'email'") != std::string::npos);
  err = rejected(parse_register(register_body(R"("a@b.c")", "[]")));
  BOOST_TEST(err.code == "invalid_field");
  BOOST_TEST(err.message.find("'name'") != std::string::npos);
  err = rejected(parse_register(R"({"name":"Ann"})"));
  BOOST_TEST(err.code == "missing_field");
  BOOST_TEST(err.message.find("'email'") != std::string::npos);
  err = rejected(parse_register(R"({"email":"a@b.c","name":null})"));
  BOOST_TEST(err.code == "missing_field");
  BOOST_TEST(err.message.find("'name'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// -- query strings ------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(http_request_queries)

BOOST_AUTO_TEST_CASE(query_strings_are_split_and_decoded) {
  BOOST_TEST(query("").empty());
  auto q = query("userId=7&name=x%20y+z&&flag&a=1&");
  BOOST_TEST(q.size() == 4u);
  BOOST_TEST(q["userId"] == "7");
  BOOST_TEST(q["name"] == "x y z");
  BOOST_TEST(q["flag"] == "");
  BOOST_TEST(q["a"] == "1");
  BOOST_TEST(query("user%49d=%37")["userId"] == "7");
}

BOOST_AUTO_TEST_CASE(a_parameter_given_twice_is_rejected_by_name) {
  // Also when the two spellings differ only in their escapes.
  for (std::string raw : {"a=1&a=2", "a=1&a=1", "userId=1&user%49d=2"}) {
    BOOST_TEST_CONTEXT("query '" << raw << "'") {
      auto err = rejected(parse_query(raw));
      BOOST_TEST(err.code == "invalid_field");
      auto name = raw.substr(0, raw.find('='));
      BOOST_TEST(err.message.find("'" + name + "'") != std::string::npos,
                 err.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_escapes_are_rejected) {
  for (std::string raw : {"a=%zz", "a=%4", "a=%", "%g1=1"}) {
    BOOST_TEST_CONTEXT("query '" << raw << "'") {
      BOOST_TEST(rejected(parse_query(raw)).code == "invalid_field");
    }
  }
}

BOOST_AUTO_TEST_CASE(id_parameters) {
  BOOST_TEST(accepted(parse_id_param(query("userId=12"), "userId")) == 12);
  BOOST_TEST(rejected(parse_id_param(query(""), "userId")).code
             == "missing_field");
  BOOST_TEST(rejected(parse_id_param(query("userid=1"), "userId")).code
             == "missing_field");
  for (std::string raw :
       {"userId=", "userId=0", "userId=-1", "userId=1.5", "userId=abc",
        "userId=9223372036854775808", "userId=+1", "userId=%201"}) {
    BOOST_TEST_CONTEXT("query '" << raw << "'") {
      auto err = rejected(parse_id_param(query(raw), "userId"));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'userId'") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(message_filters) {
  auto f = accepted(parse_messages_query(query("")));
  BOOST_TEST(f.user == 0);
  BOOST_TEST(f.order == 0);
  BOOST_TEST(f.limit == 100);
  f = accepted(parse_messages_query(query("userId=7&orderId=5&limit=10")));
  BOOST_TEST(f.user == 7);
  BOOST_TEST(f.order == 5);
  BOOST_TEST(f.limit == 10);
  BOOST_TEST(accepted(parse_messages_query(query("limit=1"))).limit == 1);
  BOOST_TEST(accepted(parse_messages_query(query("limit=1000"))).limit == 1000);
}

BOOST_AUTO_TEST_CASE(rejected_message_filters) {
  struct bad {
    std::string raw;
    std::string field;
  };
  for (const auto& b : std::vector<bad>{{"limit=0", "limit"},
                                        {"limit=1001", "limit"},
                                        {"limit=-1", "limit"},
                                        {"limit=abc", "limit"},
                                        {"limit=", "limit"},
                                        {"limit=99999999999999999999", "limit"},
                                        {"userId=0", "userId"},
                                        {"userId=x", "userId"},
                                        {"orderId=", "orderId"},
                                        {"orderId=1.0", "orderId"}}) {
    BOOST_TEST_CONTEXT("query '" << b.raw << "'") {
      auto err = rejected(parse_messages_query(query(b.raw)));
      BOOST_TEST(err.code == "invalid_field");
      BOOST_TEST(err.message.find("'" + b.field + "'") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
