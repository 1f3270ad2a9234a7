#pragma once

// Drives all four services on CAF's deterministic test scheduler with the
// in-memory repositories: no threads, no clock, every message delivered
// when the test says `run()`.

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/messages.hpp"
#include "actors/system.hpp"
#include "common/log.hpp"
#include "storage/memory/memory_repositories.hpp"
#include "support/print.hpp"

namespace shop::test {

/// Config for deterministic runs: the testing scheduler and our types.
struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
    register_types(*this);
  }
};

/// The demo catalog: 1 Laptop 1500, 2 Headphones 300, 3 Book 25.
inline std::vector<item> demo_catalog() {
  return {{1, "Laptop", money::from_cents(150000)},
          {2, "Headphones", money::from_cents(30000)},
          {3, "Book", money::from_cents(2500)}};
}

inline money units(int64_t n) {
  return money::from_cents(n * 100);
}

/// The password the shortcuts register users with.
inline const std::string default_password = "correct horse";

/// A registration with the default password (and an Idempotency-Key).
inline register_user registration(std::string email, std::string name,
                                  std::string key = {}) {
  register_user x;
  x.email = std::move(email);
  x.name = std::move(name);
  x.password = default_password;
  x.idempotency_key = std::move(key);
  return x;
}

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<memory_store> store = std::make_shared<memory_store>();
  services svc;
  caf::scoped_actor self{sys};

  /// Options for a deterministic run on the demo catalog.
  static service_options test_options() {
    service_options opts;
    opts.detached = false;
    opts.catalog = demo_catalog();
    // libsodium's cheapest argon2id: the suites stay fast.
    opts.passwords.cost = hash_cost::minimum;
    return opts;
  }

  explicit fixture(service_options opts = test_options()) {
    log::set_level(log::level::off);
    svc = spawn_services(sys, make_memory_repositories(store), opts);
    sched.run();
  }

  ~fixture() {
    stop_services(svc);
    sched.run();
  }

  /// Sends a request, runs the system until no message is left, and returns
  /// the reply (or the error). Fails the test if no reply arrived.
  template <class R, class Handle, class... Ts>
  caf::expected<R> ask(const Handle& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    BOOST_REQUIRE_MESSAGE(!self->mailbox().empty(), "no reply arrived");
    std::optional<caf::expected<R>> result;
    handle.receive([&](R& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return std::move(*result);
  }

  /// Like ask, for createAccount's two-part reply.
  caf::expected<std::pair<account, bool>> open_account(user_id id) {
    auto handle = self->request(svc.billing, caf::infinite, atom::open_v, id);
    sched.run();
    BOOST_REQUIRE_MESSAGE(!self->mailbox().empty(), "no reply arrived");
    std::optional<caf::expected<std::pair<account, bool>>> result;
    handle.receive([&](account& acc,
                       bool created) { result = std::make_pair(acc, created); },
                   [&](caf::error& err) { result = std::move(err); });
    return std::move(*result);
  }

  /// The error of a failed expected, for failure messages (Boost.Test builds
  /// messages eagerly, so this must be safe on success too).
  template <class T>
  std::string why(const caf::expected<T>& x) {
    return x ? std::string{"ok"} : sys.render(x.error());
  }

  // -- shortcuts for the flows the tests use ---------------------------------

  user_id register_ok(const std::string& email, const std::string& name,
                      const std::string& password = default_password) {
    auto cmd = registration(email, name);
    cmd.password = password;
    auto u = ask<user>(svc.users, cmd);
    BOOST_REQUIRE_MESSAGE(u, "register failed: " << why(u));
    return u->id;
  }

  /// Logs in: the user, or the error (invalid_credentials, overloaded).
  caf::expected<user> login(const std::string& email,
                            const std::string& password) {
    return ask<user>(svc.users, credentials{email, password});
  }

  money balance_of(user_id id) {
    auto acc = ask<account>(svc.billing, atom::balance_v, id);
    BOOST_REQUIRE_MESSAGE(acc, "balance failed: " << why(acc));
    return acc->balance;
  }

  order order_of(order_id id) {
    auto o = ask<order>(svc.orders, atom::get_v, id);
    BOOST_REQUIRE_MESSAGE(o, "getOrder failed: " << why(o));
    return *o;
  }

  std::vector<notification> messages(notification_filter filter = {}) {
    auto xs
      = ask<std::vector<notification>>(svc.notifications, atom::list_v, filter);
    BOOST_REQUIRE_MESSAGE(xs, "list failed: " << why(xs));
    return *xs;
  }

  std::vector<ledger_entry> ledger_of(user_id id) {
    auto xs = ask<std::vector<ledger_entry>>(svc.billing, atom::ledger_v, id);
    BOOST_REQUIRE_MESSAGE(xs, "ledger failed: " << why(xs));
    return *xs;
  }

  /// Delivers events as a publisher's relay would (consecutive events in one
  /// request) and runs until idle: the consumer's refusal, or a default
  /// (empty) error for an acknowledgement.
  template <class Handle, class Event>
  caf::error deliver(const Handle& dest, const event_batch<Event>& events) {
    auto handle = self->request(dest, caf::infinite, events);
    sched.run();
    BOOST_REQUIRE_MESSAGE(!self->mailbox().empty(), "no acknowledgement");
    caf::error result;
    handle.receive([] {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Delivers one event alone.
  template <class Handle, class Event>
  caf::error deliver(const Handle& dest, const Event& e) {
    return deliver(dest, event_batch<Event>{e});
  }

  /// The worker behind a service's supervisor (invalid while it restarts).
  template <class Handle>
  caf::actor worker_of(const Handle& service) {
    caf::actor worker;
    auto handle = self->request(caf::actor_cast<caf::actor>(service),
                                caf::infinite, atom::worker_v);
    sched.run();
    BOOST_REQUIRE_MESSAGE(!self->mailbox().empty(), "no reply arrived");
    handle.receive([&](caf::actor& x) { worker = std::move(x); },
                   [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
    return worker;
  }

  /// Kills a service's worker and lets its supervisor start a new one.
  template <class Handle>
  void crash(const Handle& service) {
    auto worker = worker_of(service);
    BOOST_REQUIRE(worker);
    caf::anon_send_exit(worker, caf::exit_reason::kill);
    settle();
    BOOST_REQUIRE(worker_of(service).id() != worker.id());
  }

  /// Lets every pending timer fire (supervisor backoff) and runs until idle.
  void settle() {
    for (int i = 0; i < 20 && (sched.has_pending_timeout() || sched.has_job());
         ++i) {
      sched.run();
      sched.trigger_timeouts();
    }
    sched.run();
  }
};

/// A subscriber stand-in that takes every event and never acknowledges it:
/// the event stays "in flight" until the test advances the clock.
inline caf::behavior black_hole(caf::event_based_actor* self) {
  return {
    [self](const event_batch<user_created>&) -> caf::result<void> {
      return self->make_response_promise();
    },
    [self](const event_batch<order_created>&) -> caf::result<void> {
      return self->make_response_promise();
    },
    [self](const event_batch<order_processed>&) -> caf::result<void> {
      return self->make_response_promise();
    },
  };
}

/// Options under which the services never receive the events of `topic`
/// from each other: the test publishes them itself.
inline service_options holding(std::string topic,
                               service_options opts = fixture::test_options()) {
  opts.wrap_subscriber = [topic](caf::actor_system& sys, const std::string& t,
                                 const std::string&, caf::actor target) {
    return t == topic ? sys.spawn(black_hole) : target;
  };
  return opts;
}

/// All services, but USER_CREATED never reaches anyone.
struct held_user_events : fixture {
  held_user_events() : fixture(holding("user_created")) {
  }
};

/// All services, but ORDER_PROCESSED never reaches anyone.
struct held_order_outcomes : fixture {
  held_order_outcomes() : fixture(holding("order_processed")) {
  }
};

/// True if `err` carries the service error code `code`.
inline bool is(const caf::error& err, errc code) {
  return err == code;
}

} // namespace shop::test
