#pragma once

// A client that retries like a real one: the same Idempotency-Key on a
// timeout, a lost or refused connection or a 503, with the caller's bearer
// token (a user's, from POST /login). Also the fault tests' small helpers
// (seeds, sizes from the environment, amounts from JSON).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "domain/money.hpp"
#include "http/server_fixture.hpp"
#include "support/http_client.hpp"

namespace shop::test {

/// A number from the environment (to run bigger or other scenarios), else
/// `fallback`.
inline uint64_t env_number(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    return fallback;
  return std::strtoull(value, nullptr, 10);
}

/// A seed: ACTORSHOP_FAULT_SEED if set, else fresh. Tests print it, so a
/// failing run can be repeated with the same workload and kill points (the
/// timing of a real process never repeats exactly).
inline uint64_t fault_seed() {
  static const uint64_t seed
    = env_number("ACTORSHOP_FAULT_SEED",
                 static_cast<uint64_t>(
                   std::chrono::steady_clock::now().time_since_epoch().count())
                   % 1'000'000'007);
  return seed;
}

/// An amount as the API writes it (a JSON number) turned back into money.
inline money money_of(const json& x) {
  if (x.is_number_integer() && x.get<int64_t>() == 0)
    return money{}; // parse_money takes positive amounts only
  auto res = parse_money(x.is_string() ? x.get<std::string>() : x.dump());
  BOOST_TEST_REQUIRE(res.value.has_value(), "not an amount: " << x.dump());
  return *res.value;
}

// -- a client that retries ----------------------------------------------------

/// Counters shared by all client threads.
struct retry_stats {
  std::atomic<size_t> requests{0};
  std::atomic<size_t> connection_errors{0};
  std::atomic<size_t> unavailable{0};
};

/// The definitive answer to one request, after retries.
struct call_outcome {
  int status = 0;
  std::string body;
  size_t attempts = 0;
  /// No definitive answer before the deadline.
  bool gave_up = false;
};

/// POSTs `body` to `path` with `key` (none when empty, e.g. for /login) and
/// `bearer` (none when empty: an anonymous client) until the answer is
/// definitive: a timeout, a lost or refused connection and a 503 are retried
/// with the same key after a short backoff, as a real client does; anything
/// else is the answer. Gives up after `give_up_after`, or at once when
/// `abort` is set (a test that failed and is tearing down).
inline call_outcome
post_with_retries(const std::string& host, uint16_t port,
                  const std::string& path, const std::string& body,
                  const std::string& key, const std::string& bearer,
                  retry_stats& stats,
                  std::chrono::seconds give_up_after = std::chrono::seconds(90),
                  const std::atomic<bool>* abort = nullptr) {
  using namespace std::chrono;
  http_client client{host, port, seconds(10)};
  client.bearer = bearer;
  call_outcome out;
  auto deadline = steady_clock::now() + give_up_after;
  auto backoff = milliseconds(5);
  // An experiment, never set in the suite: a broken client that sends each
  // retry under a fresh key, to show that the checks catch the doubled
  // effects this causes (docs/reliability.md).
  static const bool fresh_keys = env_number("ACTORSHOP_FAULT_BROKEN_CLIENT", 0)
                                 != 0;
  for (;;) {
    ++out.attempts;
    ++stats.requests;
    try {
      auto attempt_key = fresh_keys && !key.empty()
                           ? key + "-try" + std::to_string(out.attempts)
                           : key;
      auto resp = attempt_key.empty()
                    ? client.post(path, body)
                    : client.post_with_key(path, body, attempt_key);
      if (resp.status != 503) {
        out.status = resp.status;
        out.body = std::move(resp.body);
        return out;
      }
      ++stats.unavailable;
    } catch (const http_error&) {
      ++stats.connection_errors;
    }
    if (steady_clock::now() >= deadline || (abort != nullptr && *abort)) {
      out.gave_up = true;
      return out;
    }
    // The client's backoff between retries, not a wait for a condition.
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds(200));
  }
}

} // namespace shop::test
