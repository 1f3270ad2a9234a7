// actorshop-bench: the load and the measurements of scripts/bench.sh.
//
//   actorshop-bench get --port=P [--path=/] [--connections=C] [--seconds=S]
//                       [--operator-token-file=F] [--rate=R]
//       Closed-loop GETs (the hello-world baseline), or open loop at R
//       requests/s; prints "per_s <n>", and p50/p99 on stderr.
//   actorshop-bench run --port=P --db-url=URL --pid=PID [--users=N]
//       [--connections=C] [--seconds=S] [--hello-per-s=X]
//       [--pgbench-per-s=Y] [--out=FILE]
//       The whole order flow against a running actorshop (process PID on
//       database URL): registers N users, deposits, places orders at the
//       highest rate it sustains and then at half of it, reads balances,
//       waits for every order to be final and notified, audits the
//       database, prints a table and writes the figures as JSON. Exits 1
//       when an invariant does not hold.
//   actorshop-bench report --out=FILE --hello-per-s=X --pgbench-per-s=Y
//       --pgbench-cpu-us=Z [--restart-s=T]
//       Completes run's figures with the baselines measured after it (A-B-A:
//       each baseline is the mean of before and after, "noisy" when they
//       differ by more than 25%) and prints the table.
//   actorshop-bench instructions --port=P --db-url=URL --pid=PID
//       --users=N --orders=N --reads=N --rate=R
//       The fixed load of scripts/bench.sh --instructions, actorshop under
//       callgrind: N orders, then N balance reads, at R requests/s, each
//       phase dumped by callgrind_control.
//   actorshop-bench pgbench --command=CMD [--pg-skip=DB]
//       Runs the pgbench command line CMD; prints "per_s <tps>" and
//       "cpu_us_per_txn <us>" (pgbench's CPU and PostgreSQL's, per
//       transaction).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench/http_load.hpp"
#include "common/metrics.hpp"
#include "storage/pg/audit.hpp"

namespace {

using namespace shop::bench;
using json = nlohmann::json;
using namespace std::chrono_literals;

// -- options ------------------------------------------------------------------

struct options {
  std::string mode;
  uint16_t port = 8080;
  std::string path = "/";
  std::string db_url;
  long pid = 0;
  size_t users = 1000;
  /// Orders of the phase at the highest rate; 0: as many as `seconds` allow.
  size_t orders = 0;
  size_t connections = 64;
  double seconds = 10;
  double hello_per_s = 0;
  double pgbench_per_s = 0;
  /// pgbench's CPU per transaction (server and client), in microseconds.
  double pgbench_cpu_us = 0;
  /// report mode: the restart-to-ready time.
  double restart_s = 0;
  /// pgbench mode: the pgbench command line, and a database whose
  /// server processes do not count (actorshop's autovacuum after a run).
  std::string command;
  std::string pg_skip;
  std::string out;
  /// instructions mode: the fixed rate (--rate, 20 when not given) and the
  /// balance reads; get mode: open loop at --rate (0: closed loop).
  double rate = 0;
  size_t reads = 500;
  /// run mode: where the per-second series goes (for the picture).
  std::string series;
  uint64_t seed = 42;
  /// The operators' bearer secret (its file's content).
  std::string operator_token;
  /// The argon2id cost actorshop runs with, for the report.
  std::string hash_cost = "minimum";
  /// login mode: the user who logs in, again and again.
  std::string email;
  std::string password = "bench password";
};

bool parse(int argc, char** argv, options& o) {
  if (argc < 2)
    return false;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos)
      return false;
    auto key = arg.substr(2, eq - 2);
    auto val = arg.substr(eq + 1);
    if (key == "port")
      o.port = static_cast<uint16_t>(std::stoul(val));
    else if (key == "path")
      o.path = val;
    else if (key == "db-url")
      o.db_url = val;
    else if (key == "pid")
      o.pid = std::stol(val);
    else if (key == "users")
      o.users = std::stoul(val);
    else if (key == "orders")
      o.orders = std::stoul(val);
    else if (key == "connections")
      o.connections = std::stoul(val);
    else if (key == "seconds")
      o.seconds = std::stod(val);
    else if (key == "hello-per-s")
      o.hello_per_s = std::stod(val);
    else if (key == "pgbench-per-s")
      o.pgbench_per_s = std::stod(val);
    else if (key == "pgbench-cpu-us")
      o.pgbench_cpu_us = std::stod(val);
    else if (key == "restart-s")
      o.restart_s = std::stod(val);
    else if (key == "command")
      o.command = val;
    else if (key == "pg-skip")
      o.pg_skip = val;
    else if (key == "rate")
      o.rate = std::stod(val);
    else if (key == "reads")
      o.reads = std::stoul(val);
    else if (key == "series")
      o.series = val;
    else if (key == "out")
      o.out = val;
    else if (key == "seed")
      o.seed = std::stoull(val);
    else if (key == "operator-token-file") {
      std::ifstream in{val};
      std::getline(in, o.operator_token);
    } else if (key == "hash-cost")
      o.hash_cost = val;
    else if (key == "email")
      o.email = val;
    else
      return false;
  }
  return o.mode == "get" || (o.mode == "login" && !o.email.empty())
         || (o.mode == "report" && !o.out.empty())
         || (o.mode == "pgbench" && !o.command.empty())
         || (o.mode == "instructions" && !o.db_url.empty() && o.pid > 0
             && o.orders > 0)
         || (o.mode == "run" && !o.db_url.empty() && o.pid > 0
             && !o.operator_token.empty());
}

load_options load_for(const options& o, size_t connections = 0) {
  load_options lo;
  lo.port = o.port;
  lo.connections = connections != 0 ? connections : o.connections;
  lo.duration
    = std::chrono::milliseconds(static_cast<int64_t>(o.seconds * 1000));
  lo.progress = true;
  return lo;
}

// -- the measured process -----------------------------------------------------

/// A field of /proc/<pid>/status in kB ("VmHWM:", "VmRSS:"), in MB.
double status_mb(long pid, const char* field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::stod(line.substr(std::strlen(field))) / 1024.0;
  return 0;
}

/// Peak resident set (VmHWM) of `pid` in MB.
double peak_rss_mb(long pid) {
  return status_mb(pid, "VmHWM:");
}

/// The highest resident set (VmRSS) of `pid` while it runs, sampled every
/// 50 ms from start() to stop().
class rss_sampler {
public:
  explicit rss_sampler(long pid) : pid_(pid) {
    max_ = status_mb(pid_, "VmRSS:");
    thread_ = std::thread{[this] {
      while (!done_.load()) {
        auto now = status_mb(pid_, "VmRSS:");
        auto seen = max_.load();
        while (now > seen && !max_.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(50ms);
      }
    }};
  }

  rss_sampler(const rss_sampler&) = delete;
  rss_sampler& operator=(const rss_sampler&) = delete;

  ~rss_sampler() {
    stop();
  }

  /// Stops sampling; returns the highest VmRSS seen, in MB.
  double stop() {
    if (thread_.joinable()) {
      done_ = true;
      thread_.join();
    }
    return max_.load();
  }

private:
  long pid_;
  std::atomic<double> max_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

/// CPU seconds used so far by every PostgreSQL server process, the
/// backends that exited included (they count in the postmaster's children
/// time), but those
/// whose title names the database `skip` (a backend or autovacuum worker of
/// another measurement's database; shared processes always count).
double postgres_cpu_seconds(const std::string& skip = {},
                            size_t* processes = nullptr) {
  double total = 0;
  size_t count = 0;
  for (auto& entry : std::filesystem::directory_iterator{"/proc"}) {
    auto name = entry.path().filename().string();
    if (name.empty() || name[0] < '0' || name[0] > '9')
      continue;
    std::ifstream comm{entry.path() / "comm"};
    std::string cmd;
    if (!std::getline(comm, cmd) || cmd != "postgres")
      continue;
    if (!skip.empty()) {
      std::ifstream in{entry.path() / "cmdline"};
      std::string title{std::istreambuf_iterator<char>{in}, {}};
      if (title.find(" " + skip + " ") != std::string::npos)
        continue;
    }
    auto pid = std::stol(name);
    total += shop::metrics::cpu_seconds_of(pid)
             + shop::metrics::exited_children_cpu_seconds_of(pid);
    ++count;
  }
  if (processes)
    *processes = count;
  return total;
}

// -- phases -------------------------------------------------------------------

void progress(const std::string& text) {
  std::cerr << "bench: " << text << std::endl;
}

/// The benchmark's users as clients see them: id and bearer credentials.
struct bench_users {
  std::vector<int64_t> ids;
  /// "Bearer <token>" of each, from POST /login.
  std::vector<std::string> auth;
  double register_per_s = 0;
  double login_per_s = 0;
};

/// Runs `make(i)` for every i < n as one load, then again for those
/// answered 429 or 503 (the front's admission control), after the longest
/// Retry-After they carried, as a client that honours it would; `take(i, a)`
/// sees every other answer. Returns the load's throughput over all rounds
/// and how many answers were 2xx.
std::pair<double, size_t>
run_with_retries(const options& o, size_t n,
                 const std::function<request(size_t)>& make,
                 const std::function<void(size_t, const answer&)>& take) {
  std::vector<size_t> todo(n);
  for (size_t i = 0; i < n; ++i)
    todo[i] = i;
  size_t ok = 0;
  size_t answered = 0;
  double seconds = 0;
  for (int round = 0; !todo.empty() && round < 30; ++round) {
    auto lo = load_for(o);
    lo.duration = std::chrono::hours(1);
    lo.max_requests = todo.size();
    std::vector<size_t> again;
    uint32_t wait_s = 0;
    auto res = run_load(
      lo, [&](size_t k) { return make(todo[k]); },
      [&](size_t k, const answer& a) {
        if (a.status == 429 || a.status == 503) {
          again.push_back(todo[k]);
          wait_s = std::max(wait_s, a.retry_after);
          return;
        }
        take(todo[k], a);
      });
    ok += res.ok;
    answered += res.answered - again.size();
    seconds += res.seconds;
    if (!again.empty()) {
      progress(fmt::format("  {} answered 429/503, retrying after {} s",
                           again.size(), wait_s));
      std::this_thread::sleep_for(std::chrono::seconds(std::min(wait_s, 5u)));
    }
    todo = std::move(again);
  }
  return {seconds > 0 ? static_cast<double>(answered) / seconds : 0.0, ok};
}

/// Registers `n` users, logs each in as a client would and deposits
/// 1,000.00 to each with their own token.
bench_users setup_users(const options& o, const std::string& tag) {
  // Registrations and logins hash a password: with at most half as many
  // connections as the hashing queue holds (64 by default), a client that
  // sends the next as soon as one is answered does not keep the queue full
  // and live on refusals (at 100,000 users and 64 connections, with the
  // hasher below the front in priority, 83% of a round of logins came back
  // 503 and 30 rounds of retries did not log every user in).
  auto hashing = o;
  hashing.connections = std::min<size_t>(o.connections, 32);
  bench_users us;
  us.ids.assign(o.users, 0);
  us.auth.assign(o.users, "");
  auto email
    = [&](size_t i) { return fmt::format("u{}-{}@bench.example", i, tag); };
  auto [reg_per_s, reg_ok] = run_with_retries(
    hashing, o.users,
    [&](size_t i) {
      json body{{"email", email(i)},
                {"name", fmt::format("Bench user {}", i)},
                {"password", o.password}};
      return request{"POST", "/register", body.dump()};
    },
    [&](size_t i, const answer& a) {
      if (a.status == 201)
        us.ids[i] = json::parse(a.body).value("userId", int64_t{0});
    });
  us.register_per_s = reg_per_s;
  progress(fmt::format("registered {} users ({:.0f}/s)", reg_ok, reg_per_s));
  auto [login_per_s, login_ok] = run_with_retries(
    hashing, o.users,
    [&](size_t i) {
      json body{{"email", email(i)}, {"password", o.password}};
      return request{"POST", "/login", body.dump()};
    },
    [&](size_t i, const answer& a) {
      if (a.status == 200)
        us.auth[i] = "Bearer " + json::parse(a.body).value("token", "");
    });
  us.login_per_s = login_per_s;
  progress(fmt::format("logged {} users in ({:.0f}/s at cost {})", login_ok,
                       login_per_s, o.hash_cost));
  auto [dep_per_s, dep_ok] = run_with_retries(
    o, o.users,
    [&](size_t i) {
      // Keyed: a deposit retried after a 503 is applied once.
      json body{{"sum", "1000.00"}};
      return request{"POST", "/deposit", body.dump(), us.auth[i],
                     fmt::format("setup-{}-{}", tag, i)};
    },
    [](size_t, const answer&) {});
  progress(fmt::format("deposited to {} users ({:.0f}/s)", dep_ok, dep_per_s));
  if (reg_ok != o.users || login_ok != o.users || dep_ok != o.users)
    throw std::runtime_error("setup failed: not every user registered, "
                             "logged in and deposited");
  return us;
}

/// Orders of random catalog items (the Laptop and the Headphones are too
/// expensive for most users after a while: those orders are rejected).
struct order_phase {
  load_result load;
  int64_t first_order = INT64_MAX;
  int64_t last_order = 0;
  /// Answers 503 overloaded: admission control refused the order (the
  /// backlog to Billing is at its bound when Orders accepts faster than
  /// the rest completes).
  size_t refused = 0;
  /// The first answer that was neither 201 nor a refusal (status 0: the
  /// connection failed).
  std::string first_failure;

  double accepted_per_s() const {
    return load.seconds > 0 ? static_cast<double>(load.ok) / load.seconds : 0;
  }

  double refused_per_s() const {
    return load.seconds > 0 ? static_cast<double>(refused) / load.seconds : 0;
  }

  /// Every answer was an order or a refusal.
  bool clean() const {
    return load.ok + refused == load.answered;
  }
};

/// Whether `a` is admission control's refusal.
bool is_overloaded(const answer& a) {
  return a.status == 503
         && a.body.find(R"("error":"overloaded")") != std::string::npos;
}

/// The createOrder requests of a phase: random catalog items for random
/// users, the same sequence for the same seed. The bodies are made once: at
/// 40,000 requests/s the client's own work shows in every latency.
class order_requests {
public:
  order_requests(const bench_users& users, uint64_t seed)
    : users_(users), rng_(seed), pick_user_(0, users.ids.size() - 1),
      pick_item_(1, 6) {
    for (int item = 1; item <= 6; ++item)
      bodies_.push_back(json{{"itemId", item}, {"quantity", 1}}.dump());
  }

  request next() {
    auto i = pick_user_(rng_);
    auto item = static_cast<size_t>(pick_item_(rng_));
    return request{"POST", "/createOrder", bodies_[item - 1], users_.auth[i]};
  }

private:
  const bench_users& users_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<size_t> pick_user_;
  std::uniform_int_distribution<int> pick_item_;
  std::vector<std::string> bodies_;
};

order_phase place_orders(const options& o, const bench_users& users,
                         double rate, uint64_t seed) {
  order_requests orders{users, seed};
  order_phase phase;
  auto lo = load_for(o);
  lo.rate = rate;
  if (o.orders != 0 && (rate == 0 || o.mode == "instructions")) {
    lo.duration = std::chrono::hours(24);
    lo.max_requests = o.orders;
  }
  phase.load = run_load(
    lo, [&](size_t) { return orders.next(); },
    [&](size_t, const answer& a) {
      if (is_overloaded(a)) {
        ++phase.refused;
        return;
      }
      if (a.status != 201) {
        if (phase.first_failure.empty())
          phase.first_failure = fmt::format("{} {}", a.status, a.body);
        return;
      }
      auto id = json::parse(a.body).value("orderId", int64_t{0});
      phase.first_order = std::min(phase.first_order, id);
      phase.last_order = std::max(phase.last_order, id);
    });
  return phase;
}

/// Waits until every order from `first` on is notified; returns their
/// timings.
std::vector<shop::pg::order_timing>
wait_until_complete(const options& o, int64_t first, size_t expected) {
  auto deadline = clock_type::now() + 300s;
  for (;;) {
    auto done
      = static_cast<size_t>(shop::pg::audit_notified_orders(o.db_url, first));
    if (done >= expected) {
      auto timings = shop::pg::audit_order_timings(o.db_url, first);
      size_t notified = 0;
      for (auto& t : timings)
        notified += t.notified != 0;
      if (notified == timings.size())
        return timings;
    }
    if (clock_type::now() > deadline)
      throw std::runtime_error(
        fmt::format("only {} of {} orders completed after 300 s", done,
                    expected));
    std::this_thread::sleep_for(50ms);
  }
}

struct completion {
  double per_s = 0;
  latencies end_to_end;
};

completion completion_of(const std::vector<shop::pg::order_timing>& ts) {
  completion c;
  if (ts.empty())
    return c;
  auto first = ts.front().created;
  auto last = ts.front().notified;
  for (auto& t : ts) {
    first = std::min(first, t.created);
    last = std::max(last, t.notified);
    c.end_to_end.add_ms(t.notified - t.created);
  }
  auto span = std::max<int64_t>(last - first, 1);
  c.per_s = static_cast<double>(ts.size()) * 1000.0 / static_cast<double>(span);
  return c;
}

/// One step of the overload phase: orders offered open-loop at a fixed
/// rate above what the system sustains, answered 201 (accepted) or 503
/// overloaded (refused by admission control, at once); the client does not
/// retry (docs/performance.md, "Overload").
struct overload_step {
  double offered_per_s = 0;
  order_phase orders;
  size_t rejected = 0;
  /// Answers that were neither (a timeout's 503 service_unavailable, a
  /// failed connection): none is expected.
  size_t other = 0;
  latencies accepted_latency;
  latencies rejected_latency;
  double rss_before_mb = 0;
  double rss_max_mb = 0;
  completion done;
};

/// The "orderId" of a createOrder answer, read without a JSON parser.
int64_t order_id_of(const std::string& body) {
  static const std::string key = R"("orderId":)";
  auto pos = body.find(key);
  if (pos == std::string::npos)
    return 0;
  return std::strtoll(body.c_str() + pos + key.size(), nullptr, 10);
}

/// Connections of the overload phase: an open-loop client needs enough that
/// requests never wait for one (a wait counts in their latency).
constexpr size_t overload_connections = 512;

overload_step overload(const options& o, const bench_users& users, double rate,
                       uint64_t seed) {
  overload_step step;
  step.offered_per_s = rate;
  order_requests orders{users, seed};
  auto lo = load_for(o, overload_connections);
  lo.rate = rate;
  rss_sampler rss{o.pid};
  step.rss_before_mb = status_mb(o.pid, "VmRSS:");
  auto& phase = step.orders;
  phase.load = run_load(
    lo, [&](size_t) { return orders.next(); },
    // Answers read without a JSON parser, as the requests are made: the
    // client's work shows in the latencies.
    [&](size_t, const answer& a) {
      if (a.status == 201) {
        step.accepted_latency.add(a.latency);
        auto id = order_id_of(a.body);
        phase.first_order = std::min(phase.first_order, id);
        phase.last_order = std::max(phase.last_order, id);
        return;
      }
      if (is_overloaded(a)) {
        ++step.rejected;
        step.rejected_latency.add(a.latency);
        return;
      }
      ++step.other;
      if (phase.first_failure.empty())
        phase.first_failure = fmt::format("{} {}", a.status, a.body);
    });
  if (phase.load.ok > 0) {
    auto timings = wait_until_complete(o, phase.first_order, phase.load.ok);
    step.done = completion_of(timings);
  }
  step.rss_max_mb = rss.stop();
  return step;
}

/// The refusals' path with the CPUs to itself: createOrder requests at
/// `rate` over the overload phase's connections, with users' tokens, that
/// the front answers by itself (400: no itemId), after the same token check
/// and JSON parse as a refusal and with nothing reaching a service. Beside
/// the 3x step it tells the front's own latency at that rate apart from the
/// wait for a core that the accepted orders cause (docs/performance.md,
/// "Overload").
struct front_alone_step {
  load_result load;
  /// Answers other than 400 missing_field: none is expected.
  size_t other = 0;
};

front_alone_step front_alone(const options& o, const bench_users& users,
                             double rate) {
  front_alone_step step;
  auto lo = load_for(o, overload_connections);
  lo.rate = rate;
  size_t next = 0;
  const std::string body = R"({"quantity":1})";
  step.load = run_load(
    lo,
    [&](size_t) {
      return request{"POST", "/createOrder", body,
                     users.auth[next++ % users.auth.size()]};
    },
    [&](size_t, const answer& a) {
      step.other += a.status != 400
                    || a.body.find(R"("error":"missing_field")")
                         == std::string::npos;
    });
  return step;
}

/// The overload step's figures under `prefix` ("overload_2x_").
void write_overload(json& fig, const std::string& prefix, overload_step& s,
                    double sustained_completed_per_s) {
  auto secs = std::max(s.orders.load.seconds, 1e-9);
  fig[prefix + "offered_per_s"] = s.offered_per_s;
  fig[prefix + "accepted_per_s"] = static_cast<double>(s.orders.load.ok) / secs;
  fig[prefix + "rejected_per_s"] = static_cast<double>(s.rejected) / secs;
  fig[prefix + "other_answers"] = s.other;
  fig[prefix + "accepted_p50_ms"] = s.accepted_latency.quantile_ms(0.5);
  fig[prefix + "accepted_p99_ms"] = s.accepted_latency.quantile_ms(0.99);
  fig[prefix + "reject_p50_ms"] = s.rejected_latency.quantile_ms(0.5);
  fig[prefix + "reject_p99_ms"] = s.rejected_latency.quantile_ms(0.99);
  fig[prefix + "rss_growth_mb"] = std::max(0.0, s.rss_max_mb - s.rss_before_mb);
  fig[prefix + "completed_per_s"] = s.done.per_s;
  fig[prefix + "completed_ratio"] = sustained_completed_per_s > 0
                                      ? s.done.per_s / sustained_completed_per_s
                                      : 0.0;
  fig[prefix + "end_to_end_p99_ms"] = s.done.end_to_end.quantile_ms(0.99);
}

/// One phase's answers per second, for the picture (bench/plot.gp): a block
/// of "<t> <answers/s> <p50 ms> <p99 ms>" lines per phase, t counting on
/// from the previous phase's end.
class series_writer {
public:
  void add(const std::string& phase, load_result& res) {
    names_ += (names_.empty() ? "" : " ") + phase;
    text_ += "# " + phase + "\n";
    for (size_t i = 0; i < res.per_second.size(); ++i) {
      auto& l = res.per_second[i];
      // The last second is partial: its rate would read low.
      if (i + 1 == res.per_second.size() && i > 0)
        break;
      text_ += fmt::format("{} {} {:.3f} {:.3f}\n", t_ + static_cast<double>(i),
                           l.size(), l.quantile_ms(0.5), l.quantile_ms(0.99));
    }
    text_ += "\n\n";
    t_ += static_cast<double>(res.per_second.size());
  }

  /// Writes the series to `path`; the phases' names, in order, come first
  /// as a comment (plot.gp titles the curves with them).
  void write(const std::string& path) const {
    std::ofstream out{path};
    out << "# phases: " << names_ << "\n" << text_;
  }

  const std::string& names() const noexcept {
    return names_;
  }

private:
  std::string names_;
  std::string text_;
  double t_ = 0;
};

int run(const options& o) {
  auto tag = std::to_string(
    std::chrono::system_clock::now().time_since_epoch().count());
  progress(fmt::format("{} users, {} connections, {:.0f} s per phase", o.users,
                       o.connections, o.seconds));
  auto users = setup_users(o, tag);
  series_writer series;
  // At the highest rate: closed loop.
  auto cpu0 = shop::metrics::cpu_seconds_of(o.pid);
  auto pg_cpu0 = postgres_cpu_seconds();
  auto self_cpu0 = shop::metrics::cpu_seconds_of(getpid());
  progress("orders at the highest rate...");
  auto max = place_orders(o, users, 0, o.seed);
  series.add("orders-max", max.load);
  progress(fmt::format("  accepted {} orders ({:.0f}/s), refused {} (503 "
                       "overloaded), {} other answers; waiting for them to "
                       "complete",
                       max.load.ok, max.accepted_per_s(), max.refused,
                       max.load.answered - max.load.ok - max.refused));
  auto max_timings = wait_until_complete(o, max.first_order, max.load.ok);
  auto max_done = completion_of(max_timings);
  progress(fmt::format("  completed: {:.0f}/s", max_done.per_s));
  // At half of it: open loop.
  auto half_rate = max.accepted_per_s() / 2;
  progress(fmt::format("orders at half that rate ({:.0f}/s)...", half_rate));
  auto half = place_orders(o, users, half_rate, o.seed + 1);
  series.add("orders-half", half.load);
  auto half_timings = wait_until_complete(o, half.first_order, half.load.ok);
  auto half_done = completion_of(half_timings);
  auto cpu1 = shop::metrics::cpu_seconds_of(o.pid);
  auto pg_cpu1 = postgres_cpu_seconds();
  auto self_cpu1 = shop::metrics::cpu_seconds_of(getpid());
  auto orders_placed = static_cast<double>(max.load.ok + half.load.ok);
  // Balance reads: closed loop, each user with their own token (a JWT the
  // front verifies), and back to back the operator's static secret for the
  // same users (no token to verify): A-B-A, so drift shows.
  std::mt19937_64 rng{o.seed + 2};
  std::uniform_int_distribution<size_t> pick_user(0, users.ids.size() - 1);
  size_t bad_reads = 0;
  auto operator_auth = "Bearer " + o.operator_token;
  auto read_phase = [&](bool tokens) {
    progress(tokens ? "balance reads with user tokens..."
                    : "balance reads with the operator secret...");
    return run_load(
      load_for(o),
      [&](size_t) {
        auto i = pick_user(rng);
        if (tokens)
          return request{"GET", "/myBalance", "", users.auth[i]};
        return request{"GET", fmt::format("/myBalance?userId={}", users.ids[i]),
                       "", operator_auth};
      },
      [&](size_t, const answer& a) { bad_reads += a.status != 200; });
  };
  auto reads = read_phase(true);
  series.add("reads-tokens", reads);
  auto operator_reads = read_phase(false);
  series.add("reads-operator", operator_reads);
  auto reads_again = read_phase(true);
  series.add("reads-tokens-again", reads_again);
  auto token_reads_per_s = (reads.per_s() + reads_again.per_s()) / 2;
  // The front alone: GET /health asks nobody and needs no credentials.
  progress("GET /health...");
  size_t bad_health = 0;
  auto health = run_load(
    load_for(o),
    [](size_t) {
      return request{"GET", "/health", ""};
    },
    [&](size_t, const answer& a) { bad_health += a.status != 200; });
  series.add("health", health);
  auto rss = peak_rss_mb(o.pid);
  // Overload: open loop at 2x and 3x the highest rate sustained above
  // (admission control answers what the system cannot take with 503).
  auto sustained = max.accepted_per_s();
  std::vector<overload_step> over;
  for (int k : {2, 3}) {
    progress(fmt::format("overload: orders offered at {}x ({:.0f}/s), {} "
                         "connections...",
                         k, k * sustained, overload_connections));
    over.push_back(overload(o, users, k * sustained, o.seed + 2 + k));
    auto& s = over.back();
    series.add(fmt::format("overload-{}x", k), s.orders.load);
    progress(
      fmt::format("  accepted {}, refused {} (503 overloaded), other "
                  "{}{}; completed {:.0f}/s",
                  s.orders.load.ok, s.rejected, s.other,
                  s.other > 0 ? " (first: " + s.orders.first_failure + ")" : "",
                  s.done.per_s));
  }
  progress(fmt::format("overload: the front alone at the 3x rate ({:.0f}/s, "
                       "400 answers, no service)...",
                       3 * sustained));
  auto alone = front_alone(o, users, 3 * sustained);
  series.add("front-alone-3x", alone.load);
  progress(fmt::format("  p50 {:.1f} ms, p99 {:.1f} ms, other answers {}",
                       alone.load.latency.quantile_ms(0.5),
                       alone.load.latency.quantile_ms(0.99), alone.other));
  // What the relays read back from the database (their backlog outgrew
  // what they hold in memory), from the operator's GET /metrics.
  double page_reads = 0;
  {
    auto lo = load_for(o, 1);
    lo.max_requests = 1;
    lo.duration = std::chrono::minutes(1);
    lo.progress = false;
    run_load(
      lo,
      [&](size_t) {
        return request{"GET", "/metrics", "", operator_auth};
      },
      [&](size_t, const answer& a) {
        std::istringstream in{a.body};
        std::string line;
        const std::string name = "actorshop_outbox_page_reads_total{";
        while (std::getline(in, line))
          if (line.rfind(name, 0) == 0)
            page_reads += std::stod(line.substr(line.rfind(' ') + 1));
      });
  }
  // Invariants.
  progress("auditing the database...");
  auto report = shop::pg::audit_database(o.db_url);
  bool ok = report.ok() && bad_reads == 0 && bad_health == 0 && alone.other == 0
            && max.clean() && half.clean();
  // Figures; scripts/bench.sh adds the baselines measured after this run,
  // and `report` the ratios.
  json fig;
  fig["create_order_per_s"] = max.accepted_per_s();
  fig["create_order_refused_per_s_at_max"] = max.refused_per_s();
  fig["create_order_refused_per_s_at_half"] = half.refused_per_s();
  fig["completed_orders_per_s"] = max_done.per_s;
  fig["balance_reads_per_s"] = token_reads_per_s;
  fig["balance_reads_per_s_runs"] = {reads.per_s(), reads_again.per_s()};
  fig["balance_reads_operator_per_s"] = operator_reads.per_s();
  fig["balance_reads_token_ratio"]
    = operator_reads.per_s() > 0 ? token_reads_per_s / operator_reads.per_s()
                                 : 0.0;
  fig["health_per_s"] = health.per_s();
  fig["register_per_s"] = users.register_per_s;
  fig["login_per_s"] = users.login_per_s;
  fig["password_hash_cost"] = o.hash_cost;
  fig["half_rate_per_s"] = half_rate;
  fig["create_order_p50_ms_at_max"] = max.load.latency.quantile_ms(0.5);
  fig["create_order_p99_ms_at_max"] = max.load.latency.quantile_ms(0.99);
  fig["create_order_p999_ms_at_max"] = max.load.latency.quantile_ms(0.999);
  fig["create_order_p50_ms_at_half"] = half.load.latency.quantile_ms(0.5);
  fig["create_order_p99_ms_at_half"] = half.load.latency.quantile_ms(0.99);
  fig["create_order_p999_ms_at_half"] = half.load.latency.quantile_ms(0.999);
  fig["end_to_end_p50_ms_at_max"] = max_done.end_to_end.quantile_ms(0.5);
  fig["end_to_end_p99_ms_at_max"] = max_done.end_to_end.quantile_ms(0.99);
  fig["end_to_end_p50_ms_at_half"] = half_done.end_to_end.quantile_ms(0.5);
  fig["end_to_end_p99_ms_at_half"] = half_done.end_to_end.quantile_ms(0.99);
  fig["peak_rss_mb"] = rss;
  fig["outbox_page_reads"] = page_reads;
  write_overload(fig, "overload_2x_", over[0], max_done.per_s);
  write_overload(fig, "overload_3x_", over[1], max_done.per_s);
  fig["overload_3x_front_alone_per_s"] = alone.load.per_s();
  fig["overload_3x_front_alone_p50_ms"] = alone.load.latency.quantile_ms(0.5);
  fig["overload_3x_front_alone_p99_ms"] = alone.load.latency.quantile_ms(0.99);
  fig["overload_3x_front_alone_other_answers"] = alone.other;
  // The issue's keys: the figures at 3x.
  for (auto key :
       {"offered_per_s", "accepted_per_s", "rejected_per_s", "accepted_p99_ms",
        "reject_p99_ms", "rss_growth_mb", "completed_ratio"})
    fig[std::string{"overload_"} + key]
      = fig[std::string{"overload_3x_"} + key];
  auto per_1000 = [&](double cpu) {
    return orders_placed > 0 ? cpu * 1000.0 / orders_placed : 0.0;
  };
  fig["cpu_s_per_1000_orders"] = per_1000(cpu1 - cpu0);
  fig["postgres_cpu_s_per_1000_orders"] = per_1000(pg_cpu1 - pg_cpu0);
  fig["load_client_cpu_s_per_1000_orders"] = per_1000(self_cpu1 - self_cpu0);
  // Seconds per 1,000 orders are milliseconds per order: * 1000 for us.
  fig["cpu_us_per_order"]
    = per_1000((cpu1 - cpu0) + (pg_cpu1 - pg_cpu0) + (self_cpu1 - self_cpu0))
      * 1000.0;
  fig["hello_world_per_s_before"] = o.hello_per_s;
  fig["pgbench_insert_per_s_before"] = o.pgbench_per_s;
  fig["pgbench_cpu_us_per_txn_before"] = o.pgbench_cpu_us;
  fig["users"] = o.users;
  fig["connections"] = o.connections;
  fig["seconds_per_phase"] = o.seconds;
  fig["orders"] = max.load.ok + half.load.ok;
  fig["invariants_ok"] = ok ? 1 : 0;
  fig["audit_checks_passed"] = report.passed();
  fig["audit_checks"] = report.checks.size();
  fig["failed_reads"] = bad_reads + bad_health;
  if (!report.ok())
    std::cout << shop::pg::to_string(report) << "\n";
  if (!o.out.empty()) {
    std::ofstream out{o.out};
    out << fig.dump(2) << '\n';
    progress("figures written to " + o.out);
    if (!o.series.empty())
      series.write(o.series);
  }
  return ok ? 0 : 1;
}

/// Completes a run's figures (FILE, from `run`) with the baselines measured
/// after it and the restart time, then prints the table. A baseline is the
/// mean of its measurements before and after the run; the run is noisy when
/// they differ by more than 25% (something else used the machine).
int report(const options& o) {
  json fig;
  {
    std::ifstream in{o.out};
    if (!in)
      throw std::runtime_error("cannot read " + o.out);
    in >> fig;
  }
  auto mean_of = [&](const std::string& key, double after) {
    auto before = fig.value(key + "_before", 0.0);
    fig[key + "_after"] = after;
    auto mean = (before + after) / 2;
    fig[key] = mean;
    return std::make_pair(mean,
                          mean > 0 ? std::abs(before - after) / mean : 0.0);
  };
  auto [hello, hello_drift] = mean_of("hello_world_per_s", o.hello_per_s);
  auto [pgbench, pgbench_drift]
    = mean_of("pgbench_insert_per_s", o.pgbench_per_s);
  auto [pgbench_cpu, cpu_drift]
    = mean_of("pgbench_cpu_us_per_txn", o.pgbench_cpu_us);
  auto drift = std::max({hello_drift, pgbench_drift, cpu_drift});
  fig["baseline_drift"] = drift;
  fig["noisy"] = drift > 0.25;
  if (o.restart_s > 0)
    fig["restart_to_ready_s"] = o.restart_s;
  auto quotient
    = [](double x, double base) { return base > 0 ? x / base : 0.0; };
  auto get = [&](const char* key) { return fig.value(key, 0.0); };
  fig["completed_orders_vs_pgbench"]
    = quotient(get("completed_orders_per_s"), pgbench);
  fig["cpu_per_order_vs_pgbench_txn"]
    = quotient(get("cpu_us_per_order"), pgbench_cpu);
  fig["balance_reads_vs_hello"] = quotient(get("balance_reads_per_s"), hello);
  fig["health_vs_hello"] = quotient(get("health_per_s"), hello);
  {
    std::ofstream out{o.out};
    out << fig.dump(2) << '\n';
  }
  auto row = [](const std::string& name, const std::string& value,
                const std::string& vs) {
    std::cout << fmt::format("  {:<44} {:>12}  {}\n", name, value, vs);
  };
  auto num = [](double x) { return fmt::format("{:.0f}", x); };
  auto times = [](double x) { return fmt::format("{:.2f}x", x); };
  auto ms3 = [&](const std::string& prefix, const std::string& at) {
    return fmt::format("{:.1f}/{:.1f}/{:.1f} ms",
                       get((prefix + "p50_ms_at_" + at).c_str()),
                       get((prefix + "p99_ms_at_" + at).c_str()),
                       get((prefix + "p999_ms_at_" + at).c_str()));
  };
  auto ms2 = [&](const std::string& at) {
    return fmt::format("{:.0f}/{:.0f} ms",
                       get(("end_to_end_p50_ms_at_" + at).c_str()),
                       get(("end_to_end_p99_ms_at_" + at).c_str()));
  };
  std::cout << "\nactorshop bench: " << fig.value("users", 0) << " users, "
            << fig.value("connections", 0) << " connections, "
            << get("seconds_per_phase") << " s per phase"
            << (fig["noisy"].get<bool>()
                  ? "  (NOISY: baselines drifted "
                      + fmt::format("{:.0f}%", drift * 100) + ")"
                  : "")
            << "\n";
  row("createOrder accepted /s (max)", num(get("create_order_per_s")),
      fmt::format("refused {:.0f}/s (503 overloaded)",
                  get("create_order_refused_per_s_at_max")));
  row("orders completed /s (end to end)", num(get("completed_orders_per_s")),
      times(get("completed_orders_vs_pgbench")) + " of pgbench insert");
  row("CPU us per order (actorshop+PostgreSQL+client)",
      num(get("cpu_us_per_order")),
      times(get("cpu_per_order_vs_pgbench_txn")) + " of a pgbench insert");
  row("GET /myBalance /s (user tokens)", num(get("balance_reads_per_s")),
      times(get("balance_reads_vs_hello")) + " of hello-world");
  row("GET /myBalance /s (operator secret)",
      num(get("balance_reads_operator_per_s")),
      times(get("balance_reads_token_ratio")) + " with tokens vs without");
  row("GET /health /s", num(get("health_per_s")),
      times(get("health_vs_hello")) + " of hello-world");
  row(fmt::format("POST /login /s (cost {})",
                  fig.value("password_hash_cost", std::string{})),
      num(get("login_per_s")), "");
  row("createOrder p50/p99/p99.9 at max", ms3("create_order_", "max"), "");
  row(fmt::format("createOrder p50/p99/p99.9 at half ({:.0f}/s)",
                  get("half_rate_per_s")),
      ms3("create_order_", "half"), "");
  row("end to end p50/p99 at max", ms2("max"), "");
  row("end to end p50/p99 at half", ms2("half"), "");
  row("peak RSS", fmt::format("{:.0f} MB", get("peak_rss_mb")), "");
  row("outbox pages read back from the database", num(get("outbox_page_reads")),
      "a backlog longer than a relay holds in memory");
  for (auto k : {"2x", "3x"}) {
    auto key = [&](const char* name) {
      return get(fmt::format("overload_{}_{}", k, name).c_str());
    };
    row(fmt::format("overload {}: offered /s", k), num(key("offered_per_s")),
        fmt::format("accepted {:.0f}/s, refused {:.0f}/s, other answers {:.0f}",
                    key("accepted_per_s"), key("rejected_per_s"),
                    key("other_answers")));
    row(fmt::format("overload {}: accepted p50/p99", k),
        fmt::format("{:.1f}/{:.1f} ms", key("accepted_p50_ms"),
                    key("accepted_p99_ms")),
        fmt::format("refusals p50/p99 {:.1f}/{:.1f} ms", key("reject_p50_ms"),
                    key("reject_p99_ms")));
    row(fmt::format("overload {}: completed /s", k),
        num(key("completed_per_s")),
        fmt::format("{} of the highest sustained; RSS +{:.0f} MB; end to end "
                    "p99 {:.0f} ms",
                    times(key("completed_ratio")), key("rss_growth_mb"),
                    key("end_to_end_p99_ms")));
  }
  row("overload 3x rate, the front alone: p50/p99",
      fmt::format("{:.1f}/{:.1f} ms", get("overload_3x_front_alone_p50_ms"),
                  get("overload_3x_front_alone_p99_ms")),
      fmt::format("400s answered by the front, no order on the CPUs; other "
                  "answers {:.0f}",
                  get("overload_3x_front_alone_other_answers")));
  row("  actorshop's CPU seconds per 1,000 orders",
      fmt::format("{:.2f}", get("cpu_s_per_1000_orders")), "");
  row("  PostgreSQL's CPU seconds per 1,000 orders",
      fmt::format("{:.2f}", get("postgres_cpu_s_per_1000_orders")), "");
  row("  the load client's CPU seconds per 1,000",
      fmt::format("{:.2f}", get("load_client_cpu_s_per_1000_orders")), "");
  if (o.restart_s > 0)
    row("restart to ready", fmt::format("{:.2f} s", o.restart_s), "");
  row("baseline: RESTinio hello-world /s", num(hello),
      fmt::format("before {:.0f}, after {:.0f}",
                  get("hello_world_per_s_before"),
                  get("hello_world_per_s_after")));
  row("baseline: pgbench single-row insert /s", num(pgbench),
      fmt::format("before {:.0f}, after {:.0f}",
                  get("pgbench_insert_per_s_before"),
                  get("pgbench_insert_per_s_after")));
  row("baseline: pgbench CPU us per insert", num(pgbench_cpu),
      fmt::format("before {:.0f}, after {:.0f}",
                  get("pgbench_cpu_us_per_txn_before"),
                  get("pgbench_cpu_us_per_txn_after")));
  std::cout << "  invariants: "
            << (fig.value("invariants_ok", 0) == 1 ? "hold" : "BROKEN") << " ("
            << fig.value("audit_checks_passed", 0) << "/"
            << fig.value("audit_checks", 0) << " audit checks, "
            << fig.value("failed_reads", 0) << " failed reads)\n";
  return fig.value("invariants_ok", 0) == 1 ? 0 : 1;
}

/// For --instructions: a fixed load at a fixed, low rate against actorshop
/// running under callgrind (process `pid`): `orders` orders, then `reads`
/// balance reads, each phase dumped on its own (callgrind_control -d), so
/// the counts per order and per read come from one dump each. Prints
/// "orders N", "reads M".
int instructions(const options& o) {
  auto tag = std::to_string(
    std::chrono::system_clock::now().time_since_epoch().count());
  auto users = setup_users(o, tag);
  auto control = [&](const std::string& args) {
    auto cmd = fmt::format("callgrind_control {} {} >/dev/null", args, o.pid);
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("failed: " + cmd);
  };
  const double rate = o.rate > 0 ? o.rate : 20.0;
  control("-i on");
  control("-z");
  auto placed = place_orders(o, users, rate, o.seed);
  wait_until_complete(o, placed.first_order, placed.load.ok);
  control("-d orders");
  std::mt19937_64 rng{o.seed + 2};
  std::uniform_int_distribution<size_t> pick_user(0, users.ids.size() - 1);
  auto lo = load_for(o);
  lo.rate = rate;
  lo.duration = std::chrono::hours(1);
  lo.max_requests = o.reads;
  size_t bad = 0;
  auto reads = run_load(
    lo,
    [&](size_t) {
      return request{"GET", "/myBalance", "", users.auth[pick_user(rng)]};
    },
    [&](size_t, const answer& a) { bad += a.status != 200; });
  control("-d reads");
  // Under callgrind a connection now and then fails (status 0) and its
  // request is lost; the counts divide by the answered ones, which is exact
  // to a fraction of a per cent while few fail.
  auto lost = (o.orders - placed.load.ok) + (o.reads - reads.ok);
  if (lost != 0)
    progress(fmt::format("  {} orders and {} reads failed (first: {})",
                         o.orders - placed.load.ok, o.reads - reads.ok,
                         placed.first_failure));
  if (bad != 0 || lost * 100 > o.orders + o.reads)
    throw std::runtime_error(
      fmt::format("not every order or read succeeded: {} of {} orders "
                  "(first failure: {}), {} of {} reads ({} not 200)",
                  placed.load.ok, o.orders, placed.first_failure, reads.ok,
                  o.reads, bad));
  std::cout << "orders " << placed.load.ok << "\nreads " << reads.ok << "\n";
  return 0;
}

/// Runs pgbench (`command`, its output on stdout) and measures it: the
/// transactions per second it reports, and the CPU per transaction of
/// pgbench itself and of every PostgreSQL server process meanwhile.
int pgbench(const options& o) {
  size_t processes = 0;
  auto pg0 = postgres_cpu_seconds(o.pg_skip, &processes);
  rusage before{};
  getrusage(RUSAGE_CHILDREN, &before);
  auto* pipe = popen(o.command.c_str(), "r");
  if (!pipe)
    throw std::runtime_error("cannot run pgbench");
  std::string output;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof buf, pipe))
    output.append(buf, n);
  auto status = pclose(pipe);
  // pgbench's backends exit after it did: their CPU counts once the
  // postmaster reaped them (as many server processes as before, or 5 s).
  auto pg1 = 0.0;
  for (auto deadline = clock_type::now() + 5s;;) {
    size_t now = 0;
    pg1 = postgres_cpu_seconds(o.pg_skip, &now);
    if (now <= processes || clock_type::now() > deadline)
      break;
    std::this_thread::sleep_for(10ms);
  }
  rusage after{};
  getrusage(RUSAGE_CHILDREN, &after);
  std::cerr << output;
  if (status != 0)
    throw std::runtime_error("pgbench failed");
  auto seconds_of = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec)
           + static_cast<double>(tv.tv_usec) / 1e6;
  };
  auto client = seconds_of(after.ru_utime) - seconds_of(before.ru_utime)
                + seconds_of(after.ru_stime) - seconds_of(before.ru_stime);
  double tps = 0;
  int64_t txns = 0;
  std::istringstream lines{output};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("tps = ", 0) == 0 && tps == 0)
      tps = std::stod(line.substr(6));
    if (line.rfind("number of transactions actually processed: ", 0) == 0)
      txns = std::stoll(line.substr(43));
  }
  if (txns <= 0)
    throw std::runtime_error("pgbench reported no transactions");
  std::cout << fmt::format("per_s {:.1f}\n", tps)
            << fmt::format("cpu_us_per_txn {:.1f}\n",
                           (client + pg1 - pg0) * 1e6
                             / static_cast<double>(txns));
  return 0;
}

/// Logs one user in again and again for `seconds` (closed loop): the
/// login throughput at the cost the user's hash was made with.
int login(const options& o) {
  size_t bad = 0;
  auto res = run_load(
    load_for(o),
    [&](size_t) {
      json body{{"email", o.email}, {"password", o.password}};
      return request{"POST", "/login", body.dump()};
    },
    [&](size_t, const answer& a) { bad += a.status != 200; });
  std::cout << fmt::format("per_s {:.1f}\n", res.per_s());
  std::cerr << fmt::format("bench: POST /login: {} answers in {:.1f} s, {} not "
                           "200, p50 {:.1f} ms, p99 {:.1f} ms\n",
                           res.answered, res.seconds, bad,
                           res.latency.quantile_ms(0.5),
                           res.latency.quantile_ms(0.99));
  return bad == 0 ? 0 : 1;
}

int get(const options& o) {
  auto lo = load_for(o);
  lo.rate = o.rate;
  auto path = o.path;
  // With --operator-token-file, as the operator (no token to verify).
  auto auth = o.operator_token.empty() ? std::string{}
                                       : "Bearer " + o.operator_token;
  size_t bad = 0;
  auto res = run_load(
    lo,
    [&](size_t) {
      return request{"GET", path, "", auth};
    },
    [&](size_t, const answer& a) { bad += a.status != 200; });
  std::cout << fmt::format("per_s {:.0f}\n", res.per_s());
  std::cerr << fmt::format("bench: GET {}: {} answers in {:.1f} s, {} not 200, "
                           "p50 {:.2f} ms, p99 {:.2f} ms\n",
                           path, res.answered, res.seconds, bad,
                           res.latency.quantile_ms(0.5),
                           res.latency.quantile_ms(0.99));
  return bad == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    if (!parse(argc, argv, o)) {
      std::cerr << "usage: actorshop-bench get --port=P [--path=/] "
                   "[--connections=C] [--seconds=S] [--operator-token-file=F] "
                   "[--rate=R]\n"
                   "       actorshop-bench run --port=P --db-url=URL "
                   "--pid=PID [--users=N] [--connections=C] [--seconds=S] "
                   "[--hello-per-s=X] [--pgbench-per-s=Y] [--out=FILE] "
                   "--operator-token-file=F [--hash-cost=LEVEL]\n"
                   "       actorshop-bench login --port=P --email=E "
                   "[--connections=C] [--seconds=S]\n"
                   "       actorshop-bench report --out=FILE "
                   "--hello-per-s=X --pgbench-per-s=Y --pgbench-cpu-us=Z "
                   "[--restart-s=T]\n"
                   "       actorshop-bench pgbench --command=CMD "
                   "[--pg-skip=DB]\n"
                   "       actorshop-bench instructions --port=P --db-url=URL "
                   "--pid=PID --users=N --orders=N --reads=N --rate=R\n";
      return 2;
    }
    if (o.mode == "get")
      return get(o);
    if (o.mode == "report")
      return report(o);
    if (o.mode == "pgbench")
      return pgbench(o);
    if (o.mode == "instructions")
      return instructions(o);
    return o.mode == "login" ? login(o) : run(o);
  } catch (const std::exception& e) {
    std::cerr << "actorshop-bench: " << e.what() << '\n';
    return 1;
  }
}
