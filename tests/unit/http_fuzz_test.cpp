// Property test of request parsing with random and mutated input: huge
// numbers, deep nesting, invalid UTF-8, truncated JSON, random bytes. For
// every input, every parser must return (never throw or crash) either a
// client error (4xx, a code, a message, and a body that is valid JSON) or a
// command that obeys the rules of docs/api.md.
//
// The seed is fixed so a failure reproduces; ACTORSHOP_FUZZ_SEED and
// ACTORSHOP_FUZZ_CASES run other or more cases.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/money.hpp"
#include "http/request_parsing.hpp"
#include "support/fuzz_input.hpp"

using namespace shop;
using namespace shop::http;
using namespace shop::test::fuzz;

namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    return fallback;
  return std::strtoull(value, nullptr, 10);
}

const uint64_t seed = env_or("ACTORSHOP_FUZZ_SEED", 20240501);
const size_t cases = env_or("ACTORSHOP_FUZZ_CASES", 10000);

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string{s}).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

bool has_control(std::string_view s) {
  for (auto ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F)
      return true;
  }
  return false;
}

// -- the property -------------------------------------------------------------

/// Counts cases and failures; stops reporting details after a few.
struct tally {
  size_t cases = 0;
  size_t accepted = 0;
  size_t rejected = 0;
  size_t failures = 0;

  void fail(const std::string& what, std::string_view input) {
    ++failures;
    if (failures <= 10)
      BOOST_ERROR(what << " for input '" << escaped(input) << "' (seed " << seed
                       << ")");
  }
};

/// The client error must be a 4xx with a code, a message and a JSON body.
void check_error(tally& t, const api_error& err, std::string_view input) {
  ++t.rejected;
  if (err.status < 400 || err.status > 499)
    t.fail("status " + std::to_string(err.status), input);
  if (err.code.empty() || err.message.empty())
    t.fail("empty code or message", input);
  try {
    auto body = nlohmann::json::parse(to_json(err));
    if (body.value("error", "") != err.code)
      t.fail("error body does not carry the code", input);
  } catch (const nlohmann::json::exception& e) {
    t.fail(std::string{"error body is not JSON: "} + e.what(), input);
  }
}

bool valid_id(int64_t x) {
  return x > 0;
}

bool valid_sum(money x) {
  return x.is_positive() && x.cents() <= money::max_cents;
}

/// Runs `parse` on `input`: it must not throw, and its answer must be an
/// error or a command for which `valid` holds.
template <class T, class Parse, class Valid>
void probe(tally& t, std::string_view input, Parse parse, Valid valid) {
  ++t.cases;
  try {
    auto res = parse(input);
    if (!res) {
      check_error(t, res.error(), input);
      return;
    }
    ++t.accepted;
    if (!valid(*res))
      t.fail("accepted an invalid command", input);
  } catch (const std::exception& e) {
    t.fail(std::string{"threw "} + e.what(), input);
  } catch (...) {
    t.fail("threw a non-exception", input);
  }
}

void probe_all_bodies(tally& t, std::string_view body) {
  probe<register_user>(t, body, parse_register, [](const register_user& x) {
    return !x.email.empty() && x.email.size() <= 254 && !x.name.empty()
           && valid_utf8(x.email) && valid_utf8(x.name) && !has_control(x.email)
           && !has_control(x.name) && x.email.find('@') != std::string::npos
           && x.password.size() >= min_password_bytes
           && x.password.size() <= max_password_bytes && valid_utf8(x.password)
           && x.idempotency_key.empty();
  });
  // userId is optional in bodies (0: the token's user).
  auto user_ok = [](user_id x) { return x == 0 || valid_id(x); };
  probe<user_id>(t, body, parse_create_account, user_ok);
  probe<deposit>(t, body, parse_deposit, [&](const deposit& x) {
    return user_ok(x.user) && valid_sum(x.sum) && x.idempotency_key.empty();
  });
  probe<payment>(t, body, parse_payment, [&](const payment& x) {
    return user_ok(x.user) && valid_sum(x.sum) && x.idempotency_key.empty();
  });
  probe<credentials>(t, body, parse_login, [](const credentials& x) {
    return !x.email.empty() && x.password.size() >= min_password_bytes
           && x.password.size() <= max_password_bytes;
  });
  probe<create_order>(t, body, parse_create_order, [&](const create_order& x) {
    return user_ok(x.user) && valid_id(x.item) && x.quantity >= 1
           && x.quantity <= 1000 && x.idempotency_key.empty();
  });
}

void report(const tally& t, const char* what) {
  BOOST_TEST_MESSAGE(what << ": " << t.cases << " cases, " << t.accepted
                          << " accepted, " << t.rejected << " rejected, "
                          << t.failures << " failures (seed " << seed << ")");
  BOOST_TEST(t.failures == 0u);
  BOOST_TEST(t.cases == t.accepted + t.rejected + t.failures);
}

} // namespace

BOOST_AUTO_TEST_SUITE(request_parsing_fuzz)

BOOST_AUTO_TEST_CASE(bodies_never_throw_and_obey_the_rules) {
  rng_type rng{seed};
  tally t;
  for (const auto& s : seeds())
    probe_all_bodies(t, s);
  for (const auto& s : nasties())
    probe_all_bodies(t, s);
  for (size_t i = 0; i < cases; ++i)
    probe_all_bodies(t, random_body(rng));
  report(t, "bodies");
  // The generator must reach both outcomes, or it tests little.
  BOOST_TEST(t.accepted > 0u);
  BOOST_TEST(t.rejected > t.accepted);
}

BOOST_AUTO_TEST_CASE(query_strings_never_throw_and_obey_the_rules) {
  rng_type rng{seed + 1};
  static const char* parts[] = {"userId=",
                                "orderId=",
                                "limit=",
                                "&",
                                "=",
                                "%",
                                "%2",
                                "%41",
                                "+",
                                "1",
                                "0",
                                "-1",
                                "99999999999999999999",
                                "x",
                                "%00",
                                "%zz"};
  tally t;
  for (size_t i = 0; i < cases; ++i) {
    std::string q;
    if (pick(rng, 4) == 0) {
      q = random_bytes(rng, 40);
    } else {
      auto n = pick(rng, 8);
      for (size_t j = 0; j < n; ++j)
        q += parts[pick(rng, std::size(parts))];
    }
    probe<notification_filter>(
      t, q,
      [](std::string_view raw) -> parsed<notification_filter> {
        auto params = parse_query(raw);
        if (!params)
          return params.error();
        return parse_messages_query(*params);
      },
      [](const notification_filter& f) {
        return f.user >= 0 && f.order >= 0 && f.limit >= 1 && f.limit <= 1000;
      });
    probe<int64_t>(
      t, q,
      [](std::string_view raw) -> parsed<int64_t> {
        auto params = parse_query(raw);
        if (!params)
          return params.error();
        return parse_id_param(*params, "userId");
      },
      valid_id);
  }
  report(t, "query strings");
  BOOST_TEST(t.accepted > 0u);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_never_throw_and_obey_the_rules) {
  rng_type rng{seed + 2};
  tally t;
  for (size_t i = 0; i < cases; ++i) {
    std::vector<std::string> owned;
    auto n = pick(rng, 10) == 0 ? 2 : 1;
    for (size_t j = 0; j < n; ++j)
      owned.push_back(pick(rng, 2) == 0 ? random_bytes(rng, 300)
                                        : std::string(pick(rng, 300), 'k'));
    std::vector<std::string_view> views{owned.begin(), owned.end()};
    probe<std::string>(
      t, owned.front(),
      [&](std::string_view) { return parse_idempotency_key(views); },
      [&](const std::string& key) {
        return n == 1 && key == owned.front() && !key.empty()
               && key.size() <= 255 && !has_control(key)
               && std::all_of(key.begin(), key.end(), [](char c) {
                    return static_cast<unsigned char>(c) < 0x80;
                  });
      });
  }
  report(t, "Idempotency-Key headers");
  BOOST_TEST(t.accepted > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
