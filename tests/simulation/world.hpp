#pragma once

// The shared vocabulary of the simulation: the seeded dice every random
// decision comes from, the journal of client operations (what each client
// sent and what it was told), and the counters of one scenario. Everything
// runs on one thread (CAF's test coordinator), so no locking.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "actors/system.hpp"
#include "domain/types.hpp"

namespace shop::sim {

/// The one source of randomness of a scenario. Only std::mt19937_64, whose
/// output the standard fixes, and our own arithmetic on it (the standard
/// distributions differ between libraries): a seed replays identically.
class dice {
public:
  explicit dice(uint64_t seed) : gen_(seed) {
  }

  /// Uniform in [0, n); 0 when n == 0.
  uint64_t below(uint64_t n) {
    return n == 0 ? 0 : gen_() % n;
  }

  /// Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
  }

  /// True with probability p.
  bool chance(double p) {
    return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p;
  }

  /// Uniform in [lo, hi).
  double real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(gen_() >> 11) * 0x1.0p-53;
  }

private:
  std::mt19937_64 gen_;
};

/// 64-bit FNV-1a style mixing, for the trace hash.
inline uint64_t mix(uint64_t h, uint64_t x) {
  for (int i = 0; i < 8; ++i) {
    h ^= (x >> (i * 8)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline uint64_t mix(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h, s.size());
}

// -- the journal ------------------------------------------------------------

enum class op_kind : uint8_t {
  register_user,
  deposit,
  payment,
  order,
  /// A deposit under the key of an earlier successful deposit, with another
  /// body: must be refused with idempotency_key_reused and change nothing.
  key_reuse,
  /// A login (`credentials`): the client's own email (in any letter case)
  /// and password must name its own user; a wrong password, or another
  /// client's email with its own password, must get invalid_credentials.
  login,
};

const char* to_string(op_kind x);

/// One copy of a request and its retries. Most operations have one lane; a
/// "raced" operation sends the same request (same key) twice at once.
struct lane {
  int attempts = 0;
  bool done = false;
  /// Ran out of attempts while the answers were still transient.
  bool gave_up = false;
  /// The definitive answer, rendered (without wall-clock timestamps).
  std::string answer;
};

/// One client operation: the command, what the client was told, and what
/// the harness knows it must be told.
struct op_record {
  size_t id = 0;
  int client = 0;
  op_kind kind = op_kind::deposit;
  std::string key;

  // The command (the member matching `kind`).
  register_user reg;
  deposit dep;
  payment pay;
  create_order ord;
  credentials login;

  /// Set when the outcome is certain when the operation starts: success
  /// (`expect_ok`) or this refusal.
  bool expect_ok = false;
  std::optional<errc> expect_error;
  /// For a payment or order whose outcome is certain (the edge client's):
  /// paid, or not enough money.
  std::optional<payment_result> expect_result;
  /// For a login expected to succeed: the user it must name.
  user_id expect_user = 0;

  std::vector<lane> lanes;

  /// The definitive answer of lane 0: a reply or a refusal.
  std::optional<user> registered;
  std::optional<account> deposited;
  std::optional<payment_outcome> paid;
  std::optional<order> placed;
  std::optional<user> logged_in;
  std::optional<errc> refused;

  /// Whether lane 0's definitive answer is in (a reply or a refusal).
  bool answered() const {
    return registered || deposited || paid || placed || logged_in || refused;
  }

  bool done() const {
    for (auto& l : lanes)
      if (!l.done)
        return false;
    return !lanes.empty();
  }

  bool gave_up() const {
    for (auto& l : lanes)
      if (l.gave_up)
        return true;
    return false;
  }

  /// The operation in one line, for messages.
  std::string describe() const;
};

/// Counters of one scenario (summed over a run of scenarios).
struct scenario_stats {
  uint64_t scenarios = 0;
  uint64_t operations = 0;
  /// Of which logins.
  uint64_t logins = 0;
  uint64_t attempts = 0;
  uint64_t kills = 0;
  uint64_t failed_commits = 0;
  uint64_t outages = 0;
  uint64_t restarts = 0;
  uint64_t deliveries = 0;
  uint64_t duplicates = 0;
  uint64_t delayed = 0;
  uint64_t dropped = 0;
  uint64_t acks_dropped = 0;
  /// Earlier events a proxy sent again under a new seq.
  uint64_t republished = 0;
  uint64_t steps = 0;
  uint64_t virtual_ms = 0;
  uint64_t checks = 0;

  scenario_stats& operator+=(const scenario_stats& x);
};

/// What the clients need: the services, the dice, the journal, and the users
/// registered so far (so that operations can target them).
struct world {
  explicit world(uint64_t seed) : seed(seed), rng(seed) {
  }

  uint64_t seed;
  dice rng;
  services svc;
  std::vector<op_record> journal;
  /// Users whose registration some client saw succeed, in that order.
  std::vector<user> known_users;
  /// Per client: the user it registered (0 if none yet).
  std::vector<user_id> own_user;
  /// How many clients finished their script.
  int clients_done = 0;
  /// Per "topic/subscriber": how far the subscriber's seqs run ahead of the
  /// publisher's, by the repeats the chaos proxies inserted.
  std::map<std::string, int64_t> seq_shift;
  /// Print every step of interest to stderr (replaying one seed).
  bool verbose = false;
  scenario_stats stats;
  /// Running hash of everything that happened, for the determinism test.
  uint64_t trace = 0xcbf29ce484222325ULL;

  /// Prints a line when verbose.
  void note(const std::string& line) const;
};

/// The catalog of every scenario.
std::vector<item> sim_catalog();

/// Renders a reply or a refusal for comparisons and messages, leaving out
/// wall-clock fields.
std::string render(const user& x);
std::string render(const account& x);
std::string render(const payment_outcome& x);
std::string render(const order& x);

} // namespace shop::sim
