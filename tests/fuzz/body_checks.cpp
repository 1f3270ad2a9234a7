#include "body_checks.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/money.hpp"
#include "fuzz_support.hpp"
#include "http/request_parsing.hpp"

namespace shop::fuzz {

namespace {

using json = nlohmann::json;
using http::parsed;

/// The codes a body parser may answer with.
const std::vector<std::string_view> body_codes
  = {"invalid_json", "missing_field", "invalid_field", "invalid_amount"};

/// The outcome the reference expects: the first failing rule's code, or ""
/// when the body is accepted.
struct reference {
  std::string code;

  /// Takes the code of a failed rule unless an earlier one failed.
  template <class T>
  bool holds(const expected<T>& x) {
    if (!code.empty())
      return false;
    if (!x.value)
      code = x.code;
    return code.empty();
  }
};

/// Checks the parts every body parser shares: determinism, agreement with
/// the reference on acceptance and on the error code, the error's shape.
template <class T, class Equal>
void check_outcome(const parsed<T>& got, const parsed<T>& again,
                   const reference& ref, Equal equal) {
  FUZZ_CHECK(static_cast<bool>(got) == static_cast<bool>(again),
             "parsing the same body twice gives the same verdict");
  if (got) {
    FUZZ_CHECK(equal(*got, *again),
               "parsing the same body twice gives the same command");
    FUZZ_CHECK(ref.code.empty(),
               "a body the rules of docs/api.md reject is rejected");
    return;
  }
  FUZZ_CHECK(same_error(got.error(), again.error()),
             "parsing the same body twice gives the same error");
  check_client_error(got.error(), body_codes);
  FUZZ_CHECK(!ref.code.empty(),
             "a body the rules of docs/api.md accept is accepted");
  FUZZ_CHECK(got.error().code == ref.code,
             "a rejected body gets the code of the first broken rule");
}

void check_id(int64_t id) {
  FUZZ_CHECK(id > 0, "an accepted id is positive");
}

/// A userId of a body: positive, or 0 when the body had none.
void check_optional_id(int64_t id) {
  FUZZ_CHECK(id >= 0, "an accepted userId is positive or absent (0)");
}

/// The canonical body `doc` with "userId": `id` (as `as_string` says),
/// or without one for 0.
json with_user(json doc, int64_t id, bool as_string) {
  if (id != 0)
    doc["userId"] = as_string ? json(std::to_string(id)) : json(id);
  return doc;
}

void check_sum(money sum) {
  FUZZ_CHECK(sum.cents() > 0 && sum.cents() <= money::max_cents,
             "an accepted sum is within (0, max]");
}

/// The command's own idempotency key and correlation are the HTTP front's
/// to fill in from the headers, never the body's.
template <class Command>
void check_untouched(const Command& cmd) {
  FUZZ_CHECK(cmd.idempotency_key.empty() && cmd.correlation.empty(),
             "a body never sets the Idempotency-Key or the correlation");
}

/// The canonical bodies of an accepted command: numbers as JSON numbers and
/// as numeric strings. Each must parse back to the same command.
template <class Parse, class Equal, class Command>
void check_round_trip(Parse parse, Equal equal, const Command& cmd,
                      const json& numbers, const json& strings) {
  for (auto* doc : {&numbers, &strings}) {
    auto back = parse(doc->dump());
    FUZZ_CHECK(static_cast<bool>(back),
               "the canonical body of an accepted command is accepted");
    FUZZ_CHECK(equal(*back, cmd),
               "the canonical body of an accepted command parses back to "
               "the same command");
  }
}

/// A JSON number with the amount's exact decimal text (12.5, 200).
json amount_number(money x) {
  return json::parse(to_string(x));
}

template <class Command>
void check_user_sum(std::string_view body,
                    parsed<Command> (*parse)(std::string_view)) {
  auto equal = [](const Command& a, const Command& b) {
    return a.user == b.user && a.sum == b.sum
           && a.idempotency_key == b.idempotency_key
           && a.correlation == b.correlation;
  };
  auto got = parse(body);
  auto again = parse(body);
  auto view = read_body(body);
  reference ref{body_error(body, view)};
  auto user = expect_optional_id(view, "userId");
  auto sum = expect_sum(view, "sum");
  if (ref.holds(user) && ref.holds(sum) && got) {
    FUZZ_CHECK(got->user == *user.value,
               "the userId is the one the client sent");
    FUZZ_CHECK(got->sum.cents() == *sum.value,
               "the sum is exactly the amount the client sent, never "
               "rounded");
  }
  check_outcome(got, again, ref, equal);
  if (!got)
    return;
  check_optional_id(got->user);
  check_sum(got->sum);
  check_untouched(*got);
  check_round_trip(parse, equal, *got,
                   with_user(json{{"sum", amount_number(got->sum)}}, got->user,
                             false),
                   with_user(json{{"sum", to_string(got->sum)}}, got->user,
                             true));
}

} // namespace

void check_register_body(std::string_view body) {
  auto equal = [](const register_user& a, const register_user& b) {
    return a.email == b.email && a.name == b.name && a.password == b.password
           && a.idempotency_key == b.idempotency_key
           && a.correlation == b.correlation;
  };
  auto got = http::parse_register(body);
  auto again = http::parse_register(body);
  auto view = read_body(body);
  reference ref{body_error(body, view)};
  auto email_text = expect_string(view, "email");
  auto name_text = expect_string(view, "name");
  if (ref.holds(email_text) && ref.holds(name_text)) {
    auto email = expect_email(*email_text.value);
    auto name = expect_name(*name_text.value);
    auto password = expect_password(view);
    if (ref.holds(email) && ref.holds(name) && ref.holds(password) && got) {
      FUZZ_CHECK(got->email == *email.value,
                 "the email is the one sent, trimmed");
      FUZZ_CHECK(got->name == *name.value, "the name is the one sent, "
                                           "trimmed");
      FUZZ_CHECK(got->password == *password.value,
                 "the password is the one sent, byte for byte");
    }
  }
  check_outcome(got, again, ref, equal);
  if (!got)
    return;
  FUZZ_CHECK(valid_utf8(got->email) && valid_utf8(got->name),
             "an accepted email and name are valid UTF-8");
  // parse_email and parse_name are the normal forms: applying them again
  // changes nothing.
  auto email = http::parse_email(got->email);
  auto name = http::parse_name(got->name);
  FUZZ_CHECK(email && *email == got->email, "the email is normalized");
  FUZZ_CHECK(name && *name == got->name, "the name is normalized");
  check_untouched(*got);
  FUZZ_CHECK(got->password.size() >= 8 && got->password.size() <= 256
               && valid_utf8(got->password),
             "an accepted password is 8 to 256 bytes of UTF-8");
  json doc{{"email", got->email},
           {"name", got->name},
           {"password", got->password}};
  check_round_trip(http::parse_register, equal, *got, doc, doc);
}

void check_create_account_body(std::string_view body) {
  auto equal = [](user_id a, user_id b) { return a == b; };
  auto got = http::parse_create_account(body);
  auto again = http::parse_create_account(body);
  auto view = read_body(body);
  reference ref{body_error(body, view)};
  auto user = expect_optional_id(view, "userId");
  if (ref.holds(user) && got)
    FUZZ_CHECK(*got == *user.value, "the userId is the one the client sent");
  check_outcome(got, again, ref, equal);
  if (!got)
    return;
  check_optional_id(*got);
  check_round_trip(http::parse_create_account, equal, *got,
                   with_user(json::object(), *got, false),
                   with_user(json::object(), *got, true));
}

void check_deposit_body(std::string_view body) {
  check_user_sum<deposit>(body, http::parse_deposit);
}

void check_payment_body(std::string_view body) {
  check_user_sum<payment>(body, http::parse_payment);
}

void check_create_order_body(std::string_view body) {
  auto equal = [](const create_order& a, const create_order& b) {
    return a.user == b.user && a.item == b.item && a.quantity == b.quantity
           && a.idempotency_key == b.idempotency_key
           && a.correlation == b.correlation;
  };
  auto got = http::parse_create_order(body);
  auto again = http::parse_create_order(body);
  auto view = read_body(body);
  reference ref{body_error(body, view)};
  auto user = expect_optional_id(view, "userId");
  auto item = expect_id(view, "itemId");
  auto quantity = expect_quantity(view);
  if (ref.holds(user) && ref.holds(item) && ref.holds(quantity) && got) {
    FUZZ_CHECK(got->user == *user.value && got->item == *item.value,
               "the ids are the ones the client sent");
    FUZZ_CHECK(got->quantity == *quantity.value,
               "the quantity is the one sent, 1 when absent");
  }
  check_outcome(got, again, ref, equal);
  if (!got)
    return;
  check_optional_id(got->user);
  check_id(got->item);
  FUZZ_CHECK(got->quantity >= 1 && got->quantity <= 1000,
             "an accepted quantity is within 1..1000");
  check_untouched(*got);
  check_round_trip(http::parse_create_order, equal, *got,
                   with_user(json{{"itemId", got->item},
                                  {"quantity", got->quantity}},
                             got->user, false),
                   with_user(json{{"itemId", std::to_string(got->item)},
                                  {"quantity", std::to_string(got->quantity)}},
                             got->user, true));
}

} // namespace shop::fuzz
