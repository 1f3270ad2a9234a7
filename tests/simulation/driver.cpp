#include "driver.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/supervisor.hpp"
#include "audit.hpp"
#include "chaos.hpp"
#include "client.hpp"
#include "common/log.hpp"
#include "config.hpp"
#include "invariants.hpp"

namespace shop::sim {

namespace {

using namespace std::chrono_literals;

/// A run that takes longer than this did not quiesce.
constexpr uint64_t max_steps = 300'000;
constexpr caf::timespan max_virtual_time = 10min;

/// How often, per step, a fault strikes while the budget lasts.
constexpr double fault_rate = 1.0 / 250;

using supervisor_actor = caf::stateful_actor<supervisor_state>;

/// The supervisor behind a service handle. Everything runs on this thread,
/// so reading its state between two steps is safe.
supervisor_actor* supervisor_of(const caf::actor& handle) {
  return dynamic_cast<supervisor_actor*>(
    caf::actor_cast<caf::abstract_actor*>(handle));
}

/// One scenario: the actor system, the store, the chaos and the clients.
class scenario {
public:
  explicit scenario(const scenario_options& opts)
    : opts_(opts), w_(opts.seed), chaos_(w_), db_(store_),
      sched_(
        dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
    w_.verbose = opts.verbose;
  }

  scenario_result run() {
    setup();
    auto quiesced = drive();
    scenario_result res;
    res.seed = opts_.seed;
    res.quiesced = quiesced;
    judge(quiesced, res);
    shutdown();
    w_.stats.scenarios = 1;
    w_.stats.virtual_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed()).count());
    res.stats = w_.stats;
    res.trace = mix(mix(w_.trace, digest(db_)), w_.stats.steps);
    return res;
  }

private:
  void setup() {
    auto& rng = w_.rng;
    chaos_.settings = chaos_settings::draw(rng);
    kills_left_ = rng.between(0, 3);
    failures_left_ = rng.between(0, 2);
    outages_left_ = rng.chance(0.3) ? 1 : 0;
    audit_->check_effects = opts_.audit;
    auto repos = audited(make_memory_repositories(store_), audit_);
    if (opts_.audit) {
      chaos_.audit_ack
        = [this](const std::string& topic, const std::string& subscriber,
                 int64_t seq) { return audit_ack(topic, subscriber, seq); };
    }
    service_options so;
    so.detached = false;
    so.catalog = sim_catalog();
    // libsodium's cheapest argon2id: 1,000 scenarios stay fast.
    so.passwords.cost = hash_cost::minimum;
    so.peer_timeout = 100ms;
    static constexpr size_t windows[] = {1, 2, 3, 64};
    so.relay_window = windows[rng.below(4)];
    // Half the scenarios hold very few events in memory: the relays read
    // the rest back in pages while subscribers run at different speeds.
    static constexpr size_t in_memory[] = {8192, 8192, 3, 1};
    so.admission.max_events_in_memory = in_memory[rng.below(4)];
    so.faults = opts_.faults;
    so.wrap_subscriber
      = [this](caf::actor_system& sys, const std::string& topic,
               const std::string& subscriber, caf::actor target) {
          return spawn_chaos_proxy(sys, chaos_, topic, subscriber,
                                   std::move(target));
        };
    w_.svc = spawn_services(sys_, repos, so);
    auto clients = static_cast<int>(rng.between(3, 6));
    w_.own_user.assign(static_cast<size_t>(clients) + 1, 0);
    for (int i = 0; i < clients; ++i)
      clients_.push_back(
        spawn_client(sys_, w_, i, static_cast<size_t>(rng.between(3, 10))));
    // And one on the money boundaries, on an account of its own.
    clients_.push_back(spawn_edge_client(sys_, w_, clients));
    start_ = sched_.clock().current_time;
    w_.note(
      "seed " + std::to_string(opts_.seed) + ": " + std::to_string(clients)
      + " clients, relay window " + std::to_string(so.relay_window) + ", "
      + std::to_string(so.admission.max_events_in_memory)
      + " events in memory, up to " + std::to_string(kills_left_) + " kills, "
      + std::to_string(failures_left_) + " failed commits and "
      + std::to_string(outages_left_) + " outages");
  }

  caf::timespan elapsed() const {
    return sched_.clock().current_time - start_;
  }

  bool clients_done() const {
    return w_.clients_done == static_cast<int>(clients_.size());
  }

  /// Runs until nothing is left to do. Returns whether the system quiesced.
  bool drive() {
    for (;;) {
      if (chaos_.active && clients_done()) {
        chaos_.active = false;
        w_.note("every client is done: the network heals");
      }
      if (chaos_.active)
        inject_faults();
      if (outage_ && sched_.clock().current_time >= outage_end_)
        end_outage();
      if (w_.stats.steps >= max_steps || elapsed() > max_virtual_time)
        return false;
      if (sched_.has_job()) {
        // Now and then the clock jumps while messages wait: timers race
        // with deliveries.
        if (chaos_.active && sched_.has_pending_timeout()
            && w_.rng.chance(0.01))
          advance_clock();
        run_random_job();
      } else if (sched_.has_pending_timeout()) {
        advance_clock();
      } else if (outage_) {
        end_outage();
      } else {
        return clients_done();
      }
    }
  }

  /// Runs one message of a random actor that has work (each actor still
  /// sees its own mailbox in order, as CAF guarantees).
  void run_random_job() {
    auto& jobs = sched_.jobs;
    auto i = static_cast<std::ptrdiff_t>(w_.rng.below(jobs.size()));
    std::rotate(jobs.begin(), jobs.begin() + i, jobs.begin() + i + 1);
    if (auto* a = dynamic_cast<caf::local_actor*>(jobs.front())) {
      w_.trace = mix(w_.trace, a->id());
      if (w_.verbose)
        w_.note(std::string{"run "} + a->name() + " #"
                + std::to_string(a->id()));
    }
    sched_.run_once();
    ++w_.stats.steps;
  }

  /// Jumps to the next timer and fires everything due.
  void advance_clock() {
    auto& clock = sched_.clock();
    auto next = clock.schedule().begin()->first;
    auto step = std::max(caf::timespan{0}, next - clock.current_time);
    w_.trace = mix(w_.trace, static_cast<uint64_t>(step.count()));
    sched_.advance_time(step);
  }

  void inject_faults() {
    auto& rng = w_.rng;
    if (kills_left_ > 0 && rng.chance(fault_rate)) {
      auto sups = w_.svc.supervisors();
      auto& sup = sups[rng.below(sups.size())];
      auto* sv = supervisor_of(sup);
      if (sv != nullptr && sv->state.worker) {
        w_.note("kill the " + sv->state.service + " worker");
        caf::anon_send_exit(sv->state.worker, caf::exit_reason::kill);
        --kills_left_;
        ++w_.stats.kills;
        w_.trace = mix(w_.trace, 0xdead0000 + sup.id());
      }
    }
    if (failures_left_ > 0 && rng.chance(fault_rate)) {
      w_.note("the next commit fails");
      store_->fail_next_commits(1);
      --failures_left_;
      w_.trace = mix(w_.trace, 0xfa11);
    }
    if (outages_left_ > 0 && !outage_ && rng.chance(fault_rate)) {
      auto length = std::chrono::milliseconds(rng.between(5, 400));
      w_.note("storage goes down for " + std::to_string(length.count())
              + " ms");
      store_->set_unavailable(true);
      outage_ = true;
      outage_end_ = sched_.clock().current_time + length;
      --outages_left_;
      ++w_.stats.outages;
      w_.trace = mix(w_.trace, 0xd0e5);
    }
  }

  void end_outage() {
    w_.note("storage is back");
    store_->set_unavailable(false);
    outage_ = false;
  }

  /// An acknowledgement promises that the effect is committed.
  std::string audit_ack(const std::string& topic, const std::string& subscriber,
                        int64_t seq) {
    // The harness reads committed data even while services cannot.
    if (outage_)
      store_->set_unavailable(false);
    auto inbox = db_.reliability(subscriber).inbox;
    if (outage_)
      store_->set_unavailable(true);
    auto i = inbox.find(topic);
    auto mark = i == inbox.end() ? int64_t{0} : i->second;
    if (mark >= seq)
      return {};
    return subscriber + " acknowledged " + topic + " #" + std::to_string(seq)
           + " while its committed inbox mark is #" + std::to_string(mark);
  }

  std::string pending_work() const {
    std::ostringstream out;
    out << sched_.jobs.size() << " actors with messages, "
        << sched_.clock().schedule().size() << " timers pending, "
        << w_.clients_done << "/" << clients_.size() << " clients done, "
        << w_.stats.steps << " steps, "
        << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed())
             .count()
        << " ms simulated";
    return out.str();
  }

  void judge(bool quiesced, scenario_result& res) {
    verdict v;
    v.expect(quiesced, "quiescence", [&] {
      return "the system did not come to rest: " + pending_work();
    });
    for (auto& f : chaos_.findings)
      v.violations.push_back("[ack-after-commit] " + f);
    for (auto& f : audit_->findings)
      v.violations.push_back((f.find("applied twice") != std::string::npos
                                ? "[applied-once] "
                                : "[constraints] ")
                             + f);
    uint64_t restarts = 0;
    for (auto& sup : w_.svc.supervisors())
      if (auto* sv = supervisor_of(sup))
        restarts += sv->state.restarts;
    w_.stats.restarts = restarts;
    w_.stats.failed_commits = audit_->failed_commits;
    // Each kill and each storage call that failed because the harness said
    // so stops at most one worker; any other death is a service failing on
    // its own (an exception, a refused commit).
    auto faults
      = w_.stats.kills + audit_->failed_commits + audit_->failed_calls;
    v.expect(restarts <= faults, "restarts", [&] {
      return std::to_string(restarts) + " worker restarts but only "
             + std::to_string(faults) + " faults injected";
    });
    api services{sys_, sched_};
    check_invariants(w_, db_, services, v);
    w_.stats.checks = v.checks - v.violations.size();
    res.violations = std::move(v.violations);
  }

  void shutdown() {
    // A supervisor may still start a worker on its way out (a due restart
    // ahead of the exit): that worker gets no proxies, so none outlives us.
    chaos_.closed = true;
    stop_services(w_.svc);
    for (auto& p : chaos_.proxies)
      caf::anon_send_exit(p, caf::exit_reason::kill);
    for (auto& c : clients_)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    if (outage_)
      end_outage();
    // Timers too: a worker inside an `await` handles nothing else, not even
    // its exit, until the awaited answer or its timeout arrives.
    for (size_t i = 0; i < 1'000'000; ++i) {
      if (sched_.has_job())
        sched_.run_once();
      else if (sched_.has_pending_timeout())
        advance_clock();
      else
        break;
    }
  }

  // Everything the actors point to is declared before (destroyed after) the
  // actor system.
  scenario_options opts_;
  world w_;
  chaos_control chaos_;
  std::shared_ptr<memory_store> store_ = std::make_shared<memory_store>();
  store_view db_;
  std::shared_ptr<audit_log> audit_ = std::make_shared<audit_log>();
  sim_config cfg_;
  caf::actor_system sys_{cfg_};
  caf::scheduler::test_coordinator& sched_;
  std::vector<caf::actor> clients_;
  caf::actor_clock::time_point start_;
  int64_t kills_left_ = 0;
  int64_t failures_left_ = 0;
  int64_t outages_left_ = 0;
  bool outage_ = false;
  caf::actor_clock::time_point outage_end_;
};

std::string env_line(const scenario_result& r, const scenario_options& o) {
  std::string line = "ACTORSHOP_SIM_SEED=" + std::to_string(r.seed);
  if (o.faults.skip_dedup || o.faults.ack_before_commit) {
    line += " ACTORSHOP_SIM_FAULTS=";
    line += o.faults.skip_dedup ? "skip_dedup" : "";
    line += o.faults.skip_dedup && o.faults.ack_before_commit ? "," : "";
    line += o.faults.ack_before_commit ? "ack_before_commit" : "";
  }
  if (!o.audit)
    line += " ACTORSHOP_SIM_AUDIT=0";
  return line;
}

} // namespace

std::string scenario_result::first_invariant() const {
  if (violations.empty())
    return {};
  auto& v = violations.front();
  return v.substr(1, v.find(']') - 1);
}

std::string scenario_result::report() const {
  std::ostringstream out;
  out << "simulation seed " << seed << " FAILED: " << violations.size()
      << " violation(s)" << (quiesced ? "" : ", did not quiesce") << '\n';
  size_t shown = 0;
  for (auto& v : violations) {
    if (++shown > 20) {
      out << "  ... and " << violations.size() - 20 << " more\n";
      break;
    }
    out << "  " << v << '\n';
  }
  auto& s = stats;
  out << "  figures: " << s.operations << " operations (" << s.attempts
      << " attempts), " << s.kills << " kills, " << s.failed_commits
      << " failed commits, " << s.outages << " outages, " << s.restarts
      << " restarts, " << s.deliveries << " deliveries (" << s.duplicates
      << " duplicated, " << s.delayed << " delayed, " << s.dropped
      << " dropped, " << s.acks_dropped << " acks dropped, " << s.republished
      << " repeated under a new seq), " << s.steps << " steps, " << s.virtual_ms
      << " ms simulated\n";
  out << "  replay: " << env_line(*this, options)
      << " ACTORSHOP_SIM_VERBOSE=1 build/tests/simulation_tests "
         "--run_test=seeded_scenarios";
  return out.str();
}

scenario_result run_scenario(const scenario_options& opts) {
  log::set_level(opts.verbose ? log::level::debug : log::level::off);
  auto res = scenario{opts}.run();
  res.options = opts;
  return res;
}

} // namespace shop::sim
