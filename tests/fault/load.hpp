#pragma once

// A seeded workload of registrations, deposits, payments and orders, and the
// driver that sends it from several client threads as real clients do: each
// user registers with a password, logs in (POST /login) and sends its own
// requests with its token; each command has its own Idempotency-Key and is
// retried until its answer is definitive.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "domain/money.hpp"
#include "fault/retrying_client.hpp"

namespace shop::test {

enum class op_kind { deposit, payment, order };

/// One planned request after its user's registration.
struct planned_op {
  op_kind kind = op_kind::deposit;
  /// Index into workload::users.
  size_t user = 0;
  /// Deposits and payments. Unique per user and kind, so each one can be
  /// found in the ledger.
  money sum;
  int64_t item = 0;
  int quantity = 1;
  std::string key;
};

struct planned_user {
  std::string email;
  std::string name;
  std::string password;
  std::string key;
};

struct workload {
  std::vector<planned_user> users;
  std::vector<planned_op> ops;

  /// A registration and a login per user, and the ops.
  size_t requests() const noexcept {
    return 2 * users.size() + ops.size();
  }
};

struct workload_size {
  size_t users = 300;
  size_t deposits_per_user = 10;
  size_t orders_per_user = 10;
  size_t payments_per_user = 2;
};

/// A seeded workload. `tag` keeps keys and emails apart between runs on the
/// same database.
inline workload make_workload(uint64_t seed, const std::string& tag,
                              workload_size size) {
  std::mt19937_64 rng{seed};
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>{lo, hi}(rng);
  };
  // Mostly cheap items, so most orders are paid and some are rejected.
  static const int64_t items[] = {3, 3, 3, 4, 4, 5, 5, 6, 6, 2, 1};
  workload w;
  for (size_t u = 0; u < size.users; ++u) {
    auto id = tag + "-" + std::to_string(u);
    w.users.push_back(planned_user{id + "@example.com", "User " + id,
                                   "password of " + id, id + "-register"});
    for (size_t j = 0; j < size.deposits_per_user; ++j) {
      planned_op op;
      op.kind = op_kind::deposit;
      op.user = u;
      // Whole units plus j cents: unique per user (j < 100).
      op.sum = money::from_cents(pick(20, 200) * 100 + static_cast<int64_t>(j));
      op.key = id + "-deposit-" + std::to_string(j);
      w.ops.push_back(op);
    }
    for (size_t j = 0; j < size.payments_per_user; ++j) {
      planned_op op;
      op.kind = op_kind::payment;
      op.user = u;
      op.sum = money::from_cents(pick(1, 40) * 100 + static_cast<int64_t>(j));
      op.key = id + "-payment-" + std::to_string(j);
      w.ops.push_back(op);
    }
    for (size_t j = 0; j < size.orders_per_user; ++j) {
      planned_op op;
      op.kind = op_kind::order;
      op.user = u;
      op.item = items[pick(0, std::size(items) - 1)];
      op.quantity = static_cast<int>(pick(1, 3));
      op.key = id + "-order-" + std::to_string(j);
      w.ops.push_back(op);
    }
  }
  return w;
}

/// Runs a workload from several client threads against one address. Each
/// thread registers its users (user index % threads) and then sends their
/// requests in a shuffled order.
class load_driver {
public:
  load_driver(const workload& w, std::string host, uint16_t port,
              size_t threads, uint64_t seed)
    : w_(w), host_(std::move(host)), port_(port), threads_(threads),
      seed_(seed), user_ids(w.users.size(), 0), user_tokens(w.users.size()),
      user_results(w.users.size()), results(w.ops.size()) {
  }

  load_driver(const load_driver&) = delete;
  load_driver& operator=(const load_driver&) = delete;

  /// Stops the clients (a test that failed early must not wait for every
  /// remaining request to give up) and waits for them.
  ~load_driver() {
    stopping_ = true;
    join();
  }

  void start() {
    for (size_t t = 0; t < threads_; ++t)
      pool_.emplace_back([this, t] { run(t); });
  }

  void join() {
    for (auto& t : pool_)
      if (t.joinable())
        t.join();
  }

  /// Requests answered definitively (or given up).
  size_t done() const noexcept {
    return done_.load();
  }

  size_t total() const noexcept {
    return w_.requests();
  }

  /// Problems seen by clients: unexpected answers, give-ups.
  std::vector<std::string> problems() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return problems_;
  }

  retry_stats stats;
  /// The server's id for each planned user (0: never registered).
  std::vector<int64_t> user_ids;
  /// Each planned user's token from POST /login (empty: never logged in).
  std::vector<std::string> user_tokens;
  std::vector<call_outcome> user_results;
  /// The definitive answer to each planned op.
  std::vector<call_outcome> results;

private:
  static std::string body_of(const planned_user& u) {
    return json{{"email", u.email}, {"name", u.name}, {"password", u.password}}
      .dump();
  }

  static std::string login_body_of(const planned_user& u) {
    return json{{"email", u.email}, {"password", u.password}}.dump();
  }

  std::string body_of(const planned_op& op) const {
    auto user = user_ids[op.user];
    if (op.kind == op_kind::order)
      return json{{"userId", user},
                  {"itemId", op.item},
                  {"quantity", op.quantity}}
        .dump();
    return json{{"userId", user}, {"sum", to_string(op.sum)}}.dump();
  }

  static const char* path_of(op_kind k) {
    switch (k) {
      case op_kind::deposit:
        return "/deposit";
      case op_kind::payment:
        return "/payment";
      default:
        return "/createOrder";
    }
  }

  void problem(std::string what) {
    std::lock_guard<std::mutex> guard{mtx_};
    problems_.push_back(std::move(what));
  }

  void check(const call_outcome& out, int expected, const std::string& what) {
    if (out.gave_up)
      problem(what + ": no definitive answer after "
              + std::to_string(out.attempts) + " attempts");
    else if (out.status != expected)
      problem(what + ": status " + std::to_string(out.status) + " " + out.body);
  }

  void run(size_t t) {
    std::vector<size_t> mine;
    for (size_t u = t; u < w_.users.size() && !stopping_; u += threads_) {
      auto& pu = w_.users[u];
      // Registering and logging in need no credentials.
      auto out = post_with_retries(host_, port_, "/register", body_of(pu),
                                   pu.key, "", stats, give_up_after,
                                   &stopping_);
      check(out, 201, "register " + pu.email);
      if (!out.gave_up && out.status == 201)
        user_ids[u] = json::parse(out.body).value("userId", int64_t{0});
      user_results[u] = std::move(out);
      ++done_;
      if (user_ids[u] != 0) {
        auto login = post_with_retries(host_, port_, "/login",
                                       login_body_of(pu), "", "", stats,
                                       give_up_after, &stopping_);
        check(login, 200, "login " + pu.email);
        if (!login.gave_up && login.status == 200) {
          auto body = json::parse(login.body);
          user_tokens[u] = body.value("token", "");
          if (body.value("userId", int64_t{0}) != user_ids[u])
            problem("login " + pu.email + ": " + login.body + ", registered as "
                    + std::to_string(user_ids[u]));
        }
      }
      ++done_;
    }
    for (size_t i = 0; i < w_.ops.size(); ++i)
      if (w_.ops[i].user % threads_ == t)
        mine.push_back(i);
    std::mt19937_64 rng{seed_ + t};
    std::shuffle(mine.begin(), mine.end(), rng);
    for (auto i : mine) {
      if (stopping_)
        return;
      auto& op = w_.ops[i];
      if (user_ids[op.user] == 0 || user_tokens[op.user].empty()) {
        results[i].gave_up = true;
        ++done_;
        continue;
      }
      // The user's own request, with the user's token.
      auto out = post_with_retries(host_, port_, path_of(op.kind), body_of(op),
                                   op.key, user_tokens[op.user], stats,
                                   give_up_after, &stopping_);
      check(out, op.kind == op_kind::order ? 201 : 200,
            std::string{path_of(op.kind)} + " " + op.key);
      results[i] = std::move(out);
      ++done_;
    }
  }

  static constexpr std::chrono::seconds give_up_after{90};

  const workload& w_;
  std::string host_;
  uint16_t port_;
  size_t threads_;
  uint64_t seed_;
  std::atomic<size_t> done_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mtx_;
  std::vector<std::string> problems_;
  std::vector<std::thread> pool_;
};

} // namespace shop::test
