// actorshop-bench: the load and the measurements of scripts/bench.sh.
//
//   actorshop-bench get --port=P [--path=/] [--connections=C] [--seconds=S]
//       Closed-loop GETs (the hello-world baseline); prints "per_s <n>".
//   actorshop-bench run --port=P --db-url=URL --pid=PID [--users=N]
//       [--connections=C] [--seconds=S] [--hello-per-s=X]
//       [--pgbench-per-s=Y] [--out=FILE]
//       The whole order flow against a running actorshop (process PID on
//       database URL): registers N users, deposits, places orders at the
//       highest rate it sustains and then at half of it, reads balances,
//       waits for every order to be final and notified, audits the
//       database, prints a table and writes the figures as JSON. Exits 1
//       when an invariant does not hold.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

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
  std::string out;
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

/// Peak resident set (VmHWM) of `pid` in MB.
double peak_rss_mb(long pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

/// CPU seconds used so far by every PostgreSQL server process.
double postgres_cpu_seconds() {
  double total = 0;
  for (auto& entry : std::filesystem::directory_iterator{"/proc"}) {
    auto name = entry.path().filename().string();
    if (name.empty() || name[0] < '0' || name[0] > '9')
      continue;
    std::ifstream comm{entry.path() / "comm"};
    std::string cmd;
    if (std::getline(comm, cmd) && cmd == "postgres")
      total += shop::metrics::cpu_seconds_of(std::stol(name));
  }
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

/// Registers `n` users, logs each in as a client would and deposits
/// 1,000.00 to each with their own token.
bench_users setup_users(const options& o, const std::string& tag) {
  bench_users us;
  us.ids.assign(o.users, 0);
  us.auth.assign(o.users, "");
  auto lo = load_for(o);
  lo.duration = std::chrono::hours(1);
  lo.max_requests = o.users;
  auto email
    = [&](size_t i) { return fmt::format("u{}-{}@bench.example", i, tag); };
  auto reg = run_load(
    lo,
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
  us.register_per_s = reg.per_s();
  progress(fmt::format("registered {} users ({:.0f}/s)", reg.ok, reg.per_s()));
  auto login = run_load(
    lo,
    [&](size_t i) {
      json body{{"email", email(i)}, {"password", o.password}};
      return request{"POST", "/login", body.dump()};
    },
    [&](size_t i, const answer& a) {
      if (a.status == 200)
        us.auth[i] = "Bearer " + json::parse(a.body).value("token", "");
    });
  us.login_per_s = login.per_s();
  progress(fmt::format("logged {} users in ({:.0f}/s at cost {})", login.ok,
                       login.per_s(), o.hash_cost));
  auto dep = run_load(
    lo,
    [&](size_t i) {
      json body{{"sum", "1000.00"}};
      return request{"POST", "/deposit", body.dump(), us.auth[i]};
    },
    [](size_t, const answer&) {});
  progress(
    fmt::format("deposited to {} users ({:.0f}/s)", dep.ok, dep.per_s()));
  if (reg.ok != o.users || login.ok != o.users || dep.ok != o.users)
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
};

order_phase place_orders(const options& o, const bench_users& users,
                         double rate, uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<size_t> pick_user(0, users.ids.size() - 1);
  std::uniform_int_distribution<int> pick_item(1, 6);
  order_phase phase;
  auto lo = load_for(o);
  lo.rate = rate;
  if (rate == 0 && o.orders != 0) {
    lo.duration = std::chrono::hours(24);
    lo.max_requests = o.orders;
  }
  phase.load = run_load(
    lo,
    [&](size_t) {
      auto i = pick_user(rng);
      json body{{"itemId", pick_item(rng)}, {"quantity", 1}};
      return request{"POST", "/createOrder", body.dump(), users.auth[i]};
    },
    [&](size_t, const answer& a) {
      if (a.status != 201)
        return;
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

std::string ratio(double x, double base) {
  return base > 0 ? fmt::format("{:.2f}x", x / base) : "-";
}

int run(const options& o) {
  auto tag = std::to_string(
    std::chrono::system_clock::now().time_since_epoch().count());
  progress(fmt::format("{} users, {} connections, {:.0f} s per phase", o.users,
                       o.connections, o.seconds));
  auto users = setup_users(o, tag);
  // At the highest rate: closed loop.
  auto cpu0 = shop::metrics::cpu_seconds_of(o.pid);
  auto pg_cpu0 = postgres_cpu_seconds();
  auto self_cpu0 = shop::metrics::cpu_seconds_of(getpid());
  progress("orders at the highest rate...");
  auto max = place_orders(o, users, 0, o.seed);
  progress(fmt::format("  accepted {} orders ({:.0f}/s, {} errors), waiting "
                       "for them to complete",
                       max.load.ok, max.load.per_s(),
                       max.load.answered - max.load.ok));
  auto max_timings = wait_until_complete(o, max.first_order, max.load.ok);
  auto max_done = completion_of(max_timings);
  progress(fmt::format("  completed: {:.0f}/s", max_done.per_s));
  // At half of it: open loop.
  auto half_rate = max.load.per_s() / 2;
  progress(fmt::format("orders at half that rate ({:.0f}/s)...", half_rate));
  auto half = place_orders(o, users, half_rate, o.seed + 1);
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
  auto operator_reads = read_phase(false);
  auto reads_again = read_phase(true);
  auto token_reads_per_s = (reads.per_s() + reads_again.per_s()) / 2;
  auto rss = peak_rss_mb(o.pid);
  // Invariants.
  progress("auditing the database...");
  auto report = shop::pg::audit_database(o.db_url);
  bool ok = report.ok() && bad_reads == 0 && max.load.ok == max.load.answered
            && half.load.ok == half.load.answered;
  // Figures.
  json fig;
  fig["create_order_per_s"] = max.load.per_s();
  fig["completed_orders_per_s"] = max_done.per_s;
  fig["balance_reads_per_s"] = token_reads_per_s;
  fig["balance_reads_per_s_runs"] = {reads.per_s(), reads_again.per_s()};
  fig["balance_reads_operator_per_s"] = operator_reads.per_s();
  fig["balance_reads_token_ratio"]
    = operator_reads.per_s() > 0 ? token_reads_per_s / operator_reads.per_s()
                                 : 0.0;
  fig["register_per_s"] = users.register_per_s;
  fig["login_per_s"] = users.login_per_s;
  fig["password_hash_cost"] = o.hash_cost;
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
  fig["cpu_s_per_1000_orders"]
    = orders_placed > 0 ? (cpu1 - cpu0) * 1000.0 / orders_placed : 0.0;
  auto per_1000 = [&](double cpu) {
    return orders_placed > 0 ? cpu * 1000.0 / orders_placed : 0.0;
  };
  fig["postgres_cpu_s_per_1000_orders"] = per_1000(pg_cpu1 - pg_cpu0);
  fig["load_client_cpu_s_per_1000_orders"] = per_1000(self_cpu1 - self_cpu0);
  fig["hello_world_per_s"] = o.hello_per_s;
  fig["pgbench_insert_per_s"] = o.pgbench_per_s;
  fig["users"] = o.users;
  fig["connections"] = o.connections;
  fig["orders"] = max.load.ok + half.load.ok;
  fig["invariants_ok"] = ok ? 1 : 0;
  // The table.
  auto row = [](const std::string& name, const std::string& value,
                const std::string& vs) {
    std::cout << fmt::format("  {:<44} {:>12}  {}\n", name, value, vs);
  };
  auto num = [](double x) { return fmt::format("{:.0f}", x); };
  std::cout << "\nactorshop bench: " << o.users << " users, " << o.connections
            << " connections, " << o.seconds << " s per phase\n";
  row("createOrder accepted /s (max)", num(max.load.per_s()), "");
  row("orders completed /s (end to end)", num(max_done.per_s),
      ratio(max_done.per_s, o.pgbench_per_s) + " of pgbench insert");
  row("GET /myBalance /s (user tokens)", num(token_reads_per_s),
      ratio(token_reads_per_s, o.hello_per_s) + " of hello-world");
  row("GET /myBalance /s (operator secret)", num(operator_reads.per_s()),
      ratio(token_reads_per_s, operator_reads.per_s())
        + " with tokens vs without");
  row(fmt::format("POST /login /s (cost {})", o.hash_cost),
      num(users.login_per_s), "");
  row("createOrder p50/p99/p99.9 at max",
      fmt::format("{:.1f}/{:.1f}/{:.1f} ms", max.load.latency.quantile_ms(0.5),
                  max.load.latency.quantile_ms(0.99),
                  max.load.latency.quantile_ms(0.999)),
      "");
  row(fmt::format("createOrder p50/p99/p99.9 at half ({:.0f}/s)", half_rate),
      fmt::format("{:.1f}/{:.1f}/{:.1f} ms", half.load.latency.quantile_ms(0.5),
                  half.load.latency.quantile_ms(0.99),
                  half.load.latency.quantile_ms(0.999)),
      "");
  row("end to end p50/p99 at max",
      fmt::format("{:.0f}/{:.0f} ms", max_done.end_to_end.quantile_ms(0.5),
                  max_done.end_to_end.quantile_ms(0.99)),
      "");
  row("end to end p50/p99 at half",
      fmt::format("{:.0f}/{:.0f} ms", half_done.end_to_end.quantile_ms(0.5),
                  half_done.end_to_end.quantile_ms(0.99)),
      "");
  row("peak RSS", fmt::format("{:.0f} MB", rss), "");
  row("actorshop's CPU seconds per 1,000 orders",
      fmt::format("{:.2f}", fig["cpu_s_per_1000_orders"].get<double>()), "");
  row("  PostgreSQL's CPU seconds per 1,000 orders",
      fmt::format("{:.2f}",
                  fig["postgres_cpu_s_per_1000_orders"].get<double>()),
      "");
  row("  the load client's CPU seconds per 1,000",
      fmt::format("{:.2f}",
                  fig["load_client_cpu_s_per_1000_orders"].get<double>()),
      "");
  row("baseline: RESTinio hello-world /s", num(o.hello_per_s), "");
  row("baseline: pgbench single-row insert /s", num(o.pgbench_per_s), "");
  std::cout << "  invariants: " << (ok ? "hold" : "BROKEN") << " ("
            << report.passed() << "/" << report.checks.size()
            << " audit checks, " << bad_reads << " failed reads)\n";
  if (!report.ok())
    std::cout << shop::pg::to_string(report) << "\n";
  if (!o.out.empty()) {
    std::ofstream out{o.out};
    out << fig.dump(2) << '\n';
    progress("figures written to " + o.out);
  }
  return ok ? 0 : 1;
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
  auto path = o.path;
  size_t bad = 0;
  auto res = run_load(
    lo,
    [&](size_t) {
      return request{"GET", path, ""};
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
                   "[--connections=C] [--seconds=S]\n"
                   "       actorshop-bench run --port=P --db-url=URL "
                   "--pid=PID [--users=N] [--connections=C] [--seconds=S] "
                   "[--hello-per-s=X] [--pgbench-per-s=Y] [--out=FILE] "
                   "--operator-token-file=F [--hash-cost=LEVEL]\n"
                   "       actorshop-bench login --port=P --email=E "
                   "[--connections=C] [--seconds=S]\n";
      return 2;
    }
    if (o.mode == "get")
      return get(o);
    return o.mode == "login" ? login(o) : run(o);
  } catch (const std::exception& e) {
    std::cerr << "actorshop-bench: " << e.what() << '\n';
    return 1;
  }
}
