// The password pool as production runs it: detached workers and hashers on
// threads of their own, CAF's real scheduler. The one actor test that is not
// deterministic: it waits for conditions (with deadlines), never for a fixed
// time, and checks only what holds in every interleaving.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/system.hpp"
#include "common/log.hpp"
#include "storage/memory/memory_repositories.hpp"

using namespace shop;
using namespace std::chrono_literals;

namespace {

const std::string secret = "correct horse battery staple";

struct threaded_config : caf::actor_system_config {
  threaded_config() {
    set("logger.verbosity", caf::atom("quiet"));
    register_types(*this);
  }
};

/// Whether `cond()` holds within 10 s (polled).
bool eventually(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

struct threaded {
  threaded_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<memory_store> store = std::make_shared<memory_store>();
  services svc;
  // Last, so that it is gone before the system waits for its actors.
  caf::scoped_actor self{sys};

  threaded() {
    log::set_level(log::level::off);
    service_options opts;
    opts.detached = true;
    opts.passwords.cost = hash_cost::minimum;
    opts.passwords.threads = 2;
    opts.passwords.queue = 8;
    svc = spawn_services(sys, make_memory_repositories(store), opts);
  }

  ~threaded() {
    stop_services(svc);
  }

  template <class R, class Handle, class... Ts>
  caf::expected<R> ask(const Handle& dest, Ts&&... xs) {
    std::optional<caf::expected<R>> result;
    self->request(dest, 10s, std::forward<Ts>(xs)...)
      .receive([&](R& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return std::move(*result);
  }

  /// The Users worker now (invalid while it restarts).
  caf::actor users_worker() {
    auto x
      = ask<caf::actor>(caf::actor_cast<caf::actor>(svc.users), atom::worker_v);
    return x ? *x : caf::actor{};
  }

  std::string why(const caf::expected<user>& x) {
    return x ? std::string{"ok"} : sys.render(x.error());
  }
};

register_user registration(std::string email) {
  register_user x;
  x.email = std::move(email);
  x.name = "Threaded";
  x.password = secret;
  return x;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(password_threads, threaded)

BOOST_AUTO_TEST_CASE(register_login_and_set_password_on_real_threads) {
  auto u = ask<user>(svc.users, registration("t@example.com"));
  BOOST_REQUIRE_MESSAGE(u, why(u));
  auto in = ask<user>(svc.users, credentials{"T@example.com", secret});
  BOOST_REQUIRE_MESSAGE(in, why(in));
  BOOST_TEST(in->id == u->id);
  auto wrong = ask<user>(svc.users, credentials{"t@example.com", "wrong one"});
  BOOST_REQUIRE(!wrong);
  BOOST_TEST((wrong.error() == errc::invalid_credentials));
  auto set = ask<user>(svc.users, set_password{u->id, "a new password"});
  BOOST_REQUIRE_MESSAGE(set, why(set));
  BOOST_TEST(
    bool(ask<user>(svc.users, credentials{"t@example.com", "a new password"})));
}

BOOST_AUTO_TEST_CASE(jobs_within_the_bound_all_succeed) {
  auto u = ask<user>(svc.users, registration("many@example.com"));
  BOOST_REQUIRE_MESSAGE(u, why(u));
  // 2 threads + 8 waiting: ten logins at once all fit.
  std::vector<decltype(self->request(svc.users, 10s, credentials{}))> handles;
  for (int i = 0; i < 10; ++i)
    handles.push_back(
      self->request(svc.users, 10s, credentials{"many@example.com", secret}));
  for (auto& h : handles)
    h.receive([&](user& x) { BOOST_TEST(x.id == u->id); },
              [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
}

BOOST_AUTO_TEST_CASE(restarts_leave_no_hasher_thread_behind) {
  BOOST_REQUIRE(bool(ask<user>(svc.users, registration("r@example.com"))));
  auto running = sys.registry().running();
  for (int i = 0; i < 3; ++i) {
    auto old = users_worker();
    BOOST_REQUIRE(old);
    caf::anon_send_exit(old, caf::exit_reason::kill);
    BOOST_REQUIRE(eventually([&] {
      auto now = users_worker();
      return now && now.id() != old.id();
    }));
  }
  // Three workers and their six hashers ended; one of each pair runs.
  BOOST_TEST(eventually([&] { return sys.registry().running() == running; }),
             "running actors: " << sys.registry().running() << ", expected "
                                << running);
  auto in = ask<user>(svc.users, credentials{"r@example.com", secret});
  BOOST_REQUIRE_MESSAGE(in, why(in));
}

BOOST_AUTO_TEST_SUITE_END()
