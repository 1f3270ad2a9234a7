// Admission control, service side (actors/load.hpp): a publisher whose
// outbox backlog is over its bound refuses new work that would publish more,
// says so to the node (the HTTP front's shortcut) and in its status (GET
// /ready), keeps serving reads, and accepts again once its subscribers
// caught up; every order it accepted is still decided exactly once. Billing
// over its own bound refuses new ORDER_CREATED, so the pressure reaches
// Orders, whose backlog then makes it refuse new orders.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/load.hpp"
#include "actors/outbox.hpp"
#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

namespace {

struct valve_state {
  caf::actor target;
  bool open = false;
  /// Deliveries waiting for the valve to open: replay them in order.
  std::vector<std::function<void()>> held;
};

/// Forwards the delivery `e` to the valve's target and its answer back through
/// `rp`.
template <class Event>
void pass(caf::stateful_actor<valve_state>* self, caf::response_promise rp,
          const Event& e) {
  self->request(self->state.target, caf::infinite, e)
    .then([rp]() mutable { rp.deliver(caf::unit); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

template <class Event>
caf::result<void> take(caf::stateful_actor<valve_state>* self, const Event& e) {
  auto rp = self->make_response_promise();
  if (self->state.open)
    pass(self, rp, e);
  else
    self->state.held.push_back([self, rp, e] { pass(self, rp, e); });
  return rp;
}

/// A subscriber stand-in that holds every delivery until it gets
/// atom::start, then passes the held ones and every later one to the real
/// subscriber: a subscriber that stalls and comes back.
caf::behavior valve(caf::stateful_actor<valve_state>* self, caf::actor target) {
  self->state.target = std::move(target);
  return {
    [self](const event_batch<order_created>& e) { return take(self, e); },
    [self](const event_batch<order_processed>& e) { return take(self, e); },
    [self](atom::start) {
      self->state.open = true;
      auto held = std::move(self->state.held);
      for (auto& f : held)
        f();
    },
  };
}

/// All services with every publisher's backlog bounded at 4 events, and
/// the deliveries of `topic` behind valves the test opens.
struct stalled : fixture {
  static inline std::shared_ptr<std::vector<caf::actor>> valves;

  static service_options options(std::string topic,
                                 admission_settings bounds = {4, 4096, 4096}) {
    auto opts = test_options();
    opts.admission = bounds;
    valves = std::make_shared<std::vector<caf::actor>>();
    opts.wrap_subscriber
      = [topic, vs = valves](caf::actor_system& sys, const std::string& t,
                             const std::string&, caf::actor target) {
          if (t != topic)
            return target;
          vs->push_back(sys.spawn(valve, target));
          return vs->back();
        };
    return opts;
  }

  explicit stalled(std::string topic,
                   admission_settings bounds = {4, 4096, 4096})
    : fixture(options(std::move(topic), bounds)) {
  }

  ~stalled() {
    for (auto& v : *valves)
      caf::anon_send_exit(v, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void open_valves() {
    for (auto& v : *valves)
      caf::anon_send(v, atom::start_v);
    sched.run();
  }

  /// A user with enough money for every order of the test.
  user_id rich_user() {
    auto id = register_ok("rich@example.com", "Rich");
    auto acc = ask<account>(svc.billing, deposit{id, units(100000)});
    BOOST_REQUIRE_MESSAGE(acc, why(acc));
    return id;
  }

  service_status status_of(const orders_actor& service) {
    auto h = self->request(caf::actor_cast<caf::actor>(service), caf::infinite,
                           atom::status_v);
    sched.run();
    service_status result;
    h.receive([&](service_status& x) { result = std::move(x); },
              [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
    return result;
  }

  /// Places orders until one is refused; returns the accepted ones.
  std::vector<order> place_until_refused(user_id id, size_t at_most) {
    std::vector<order> accepted;
    for (size_t i = 0; i < at_most; ++i) {
      auto o = ask<order>(svc.orders, create_order{id, 3, 1});
      if (!o) {
        BOOST_TEST(is(o.error(), errc::overloaded), why(o));
        return accepted;
      }
      accepted.push_back(*o);
    }
    BOOST_FAIL("no order was refused");
    return accepted;
  }
};

struct billing_stalled : stalled {
  billing_stalled() : stalled("order_created") {
  }
};

struct outcomes_stalled : stalled {
  outcomes_stalled() : stalled("order_processed") {
  }
};

/// Billing stalled; Orders holds at most 3 events in memory, bound 50.
struct paged : stalled {
  paged() : stalled("order_created", {50, 4096, 3}) {
  }

  /// A gauge of Orders' relay.
  static double relay_gauge(const char* name) {
    return metrics::registry::global()
      .get_gauge(name, "", {{"service", "orders"}, {"topic", "order_created"}})
      .value();
  }
};

/// Options where ORDER_PROCESSED to Notifications waits behind valves
/// (kept in `valves`) and every relay holds `in_memory` events at most.
service_options
notifications_behind(size_t in_memory,
                     std::shared_ptr<std::vector<caf::actor>> valves) {
  auto opts = fixture::test_options();
  opts.admission = {4096, 4096, in_memory};
  opts.wrap_subscriber
    = [valves](caf::actor_system& sys, const std::string& topic,
               const std::string& subscriber, caf::actor target) {
        if (topic != "order_processed" || subscriber != "notifications")
          return target;
        valves->push_back(sys.spawn(valve, target));
        return valves->back();
      };
  return opts;
}

} // namespace

// One subscriber far ahead of the other, and a restart that holds fewer
// events in memory than the distance between them: the one ahead waits,
// the one behind gets every event in pages, and nothing is sent twice or
// lost.
BOOST_AUTO_TEST_CASE(a_subscriber_ahead_of_what_a_relay_holds_waits) {
  auto valves = std::make_shared<std::vector<caf::actor>>();
  fixture f{notifications_behind(4096, valves)};
  auto id = f.register_ok("far@example.com", "Far");
  BOOST_REQUIRE(f.ask<account>(f.svc.billing, deposit{id, units(100000)}));
  std::vector<order> accepted;
  for (int i = 0; i < 20; ++i) {
    auto o = f.ask<order>(f.svc.orders, create_order{id, 3, 1});
    BOOST_REQUIRE_MESSAGE(o, f.why(o));
    accepted.push_back(*o);
  }
  // Orders has every outcome, Notifications none.
  for (auto& o : accepted)
    BOOST_TEST(f.order_of(o.id).status == order_status::paid);
  BOOST_TEST(f.messages().empty());
  // The same storage under relays that hold four events.
  stop_services(f.svc);
  f.sched.run();
  f.svc = spawn_services(f.sys, make_memory_repositories(f.store),
                         notifications_behind(4, valves));
  f.sched.run();
  // More outcomes after the one ahead: it must wait for the window to
  // reach them.
  for (int i = 0; i < 5; ++i) {
    auto o = f.ask<order>(f.svc.orders, create_order{id, 3, 1});
    BOOST_REQUIRE_MESSAGE(o, f.why(o));
    accepted.push_back(*o);
  }
  for (auto& v : *valves)
    caf::anon_send(v, atom::start_v);
  f.settle();
  BOOST_TEST(f.messages().size() == accepted.size());
  for (auto& o : accepted)
    BOOST_TEST(f.order_of(o.id).status == order_status::paid);
  BOOST_TEST(f.ledger_of(id).size() == 1u + accepted.size());
  for (auto& v : *valves)
    caf::anon_send_exit(v, caf::exit_reason::user_shutdown);
  f.sched.run();
}

BOOST_AUTO_TEST_SUITE(admission)

BOOST_FIXTURE_TEST_CASE(orders_refuses_new_orders_while_billing_is_behind,
                        billing_stalled) {
  auto id = rich_user();
  auto& load = *svc.load->of("orders");
  auto before = overload_rejections("orders", "backlog").value();
  // More than 4 outstanding: the fifth order is the last one taken.
  auto accepted = place_until_refused(id, 20);
  BOOST_TEST(accepted.size() == 5u);
  BOOST_TEST(load.shedding());
  BOOST_TEST(load.backlog() == 5);
  BOOST_TEST(overload_rejections("orders", "backlog").value() == before + 1);
  // Reads are served meanwhile, and GET /ready's status says why.
  BOOST_TEST(order_of(accepted.front().id).status == order_status::pending);
  auto status = status_of(svc.orders);
  BOOST_TEST(status.reachable);
  BOOST_TEST(status.overloaded);
  BOOST_TEST(status.problem.find("5 events") != std::string::npos,
             status.problem);
  // Billing comes back: everything accepted is decided, once.
  open_valves();
  BOOST_TEST(!load.shedding());
  BOOST_TEST(load.backlog() == 0);
  BOOST_TEST(!status_of(svc.orders).overloaded);
  for (auto& o : accepted)
    BOOST_TEST(order_of(o.id).status == order_status::paid);
  BOOST_TEST(messages().size() == accepted.size());
  auto next = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE_MESSAGE(next, why(next));
  settle();
  BOOST_TEST(order_of(next->id).status == order_status::paid);
  BOOST_TEST(ledger_of(id).size() == accepted.size() + 2);
}

BOOST_FIXTURE_TEST_CASE(billing_behind_its_subscribers_holds_orders_back,
                        outcomes_stalled) {
  auto id = rich_user();
  // Billing decides five orders (its backlog to Orders and Notifications
  // is then over 4) and refuses the next ORDER_CREATED; Orders keeps
  // those in its own backlog until that is over 4 too.
  auto accepted = place_until_refused(id, 40);
  BOOST_TEST(accepted.size() == 10u);
  BOOST_TEST(svc.load->of("billing")->shedding());
  BOOST_TEST(svc.load->of("orders")->shedding());
  BOOST_TEST(ledger_of(id).size() == 1u + 5u);
  open_valves();
  // Orders' relay asks again after its (short) backoff.
  settle();
  BOOST_TEST(!svc.load->of("billing")->shedding());
  BOOST_TEST(!svc.load->of("orders")->shedding());
  for (auto& o : accepted)
    BOOST_TEST(order_of(o.id).status == order_status::paid);
  BOOST_TEST(ledger_of(id).size() == 1u + accepted.size());
  BOOST_TEST(messages().size() == accepted.size());
}

// A publisher whose subscriber has no stored cursor (one added after the
// earlier events were pruned) starts it after them: its backlog is what is
// outstanding after that, not every event ever published, so it does not
// start out shedding (and could never stop: nothing would be acknowledged).
BOOST_FIXTURE_TEST_CASE(a_subscriber_without_a_cursor_does_not_start_shedding,
                        billing_stalled) {
  auto id = rich_user();
  auto repos = make_memory_repositories(store);
  // Ten events Orders published and pruned before Billing subscribed (no
  // cursor row), which Billing's inbox mark has as applied.
  orders_changes published;
  for (int64_t seq = 1; seq <= 10; ++seq)
    published.reliable.outbox.push_back(
      outbox_record{seq, "order_created", "x", 0, 0});
  repos.orders()->commit(published);
  orders_changes pruned;
  pruned.reliable.prune_outbox_through = 10;
  repos.orders()->commit(pruned);
  billing_changes applied;
  applied.reliable.inbox["order_created"] = 10;
  repos.billing()->commit(applied);
  crash(svc.billing);
  crash(svc.orders);
  // The restarted Orders delivers through a valve of its own.
  open_valves();
  BOOST_TEST(!svc.load->of("orders")->shedding());
  auto o = ask<order>(svc.orders, create_order{id, 3, 1});
  BOOST_REQUIRE_MESSAGE(o, why(o));
  settle();
  BOOST_TEST(order_of(o->id).status == order_status::paid);
}

// A relay holds at most --max-events-in-memory events; the others wait in
// storage and are read back in pages as acknowledgements make room, also
// after a restart, and every one is delivered.
BOOST_FIXTURE_TEST_CASE(a_relay_holds_a_bounded_number_of_events_in_memory,
                        paged) {
  auto id = rich_user();
  std::vector<order> accepted;
  for (int i = 0; i < 10; ++i) {
    auto o = ask<order>(svc.orders, create_order{id, 3, 1});
    BOOST_REQUIRE_MESSAGE(o, why(o));
    accepted.push_back(*o);
  }
  BOOST_TEST(relay_gauge("actorshop_outbox_backlog") == 10.0);
  BOOST_TEST(relay_gauge(events_in_memory_metric) == 3.0);
  // A restarted Orders reloads the first three only.
  crash(svc.orders);
  BOOST_TEST(relay_gauge("actorshop_outbox_backlog") == 10.0);
  BOOST_TEST(relay_gauge(events_in_memory_metric) == 3.0);
  open_valves();
  settle();
  BOOST_TEST(relay_gauge("actorshop_outbox_backlog") == 0.0);
  BOOST_TEST(relay_gauge(events_in_memory_metric) == 0.0);
  for (auto& o : accepted)
    BOOST_TEST(order_of(o.id).status == order_status::paid);
  BOOST_TEST(ledger_of(id).size() == 1u + accepted.size());
  BOOST_TEST(messages().size() == accepted.size());
}

BOOST_AUTO_TEST_SUITE_END()
