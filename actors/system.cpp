#include "actors/system.hpp"

#include <memory>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/billing.hpp"
#include "actors/notifications.hpp"
#include "actors/orders.hpp"
#include "actors/supervisor.hpp"
#include "actors/users.hpp"

namespace shop {

namespace {

/// Spawns a worker, detached (own thread, for blocking storage calls) or
/// scheduled (for deterministic tests).
template <class F, class Deps>
caf::actor spawn_worker(caf::actor_system& sys, bool detached, F fun,
                        Deps deps) {
  if (detached)
    return caf::actor_cast<caf::actor>(
      sys.spawn<caf::detached>(fun, std::move(deps)));
  return caf::actor_cast<caf::actor>(sys.spawn(fun, std::move(deps)));
}

} // namespace

std::vector<caf::actor> services::supervisors() const {
  return {caf::actor_cast<caf::actor>(users),
          caf::actor_cast<caf::actor>(billing),
          caf::actor_cast<caf::actor>(orders),
          caf::actor_cast<caf::actor>(notifications)};
}

services spawn_services(caf::actor_system& sys, repository_factories repos,
                        service_options opts) {
  // The supervisors come first: they are the stable handles every worker
  // factory below refers to. Workers start on atom::start, once all exist.
  auto wiring = std::make_shared<services>();
  auto detached = opts.detached;
  auto timeout = opts.peer_timeout;
  auto users = sys.spawn(
    supervisor, "users", [wiring, detached, timeout, repos](caf::actor_system& sys) {
      users_deps deps{repos.users,
                      {wiring->billing, wiring->orders, wiring->notifications},
                      timeout};
      return spawn_worker(sys, detached, users_service, std::move(deps));
    });
  auto billing = sys.spawn(
    supervisor, "billing", [wiring, detached, timeout, repos](caf::actor_system& sys) {
      billing_deps deps{repos.billing,
                        {wiring->orders, wiring->notifications},
                        wiring->users,
                        timeout};
      return spawn_worker(sys, detached, billing_service, std::move(deps));
    });
  auto orders = sys.spawn(
    supervisor, "orders",
    [wiring, detached, timeout, repos, catalog = opts.catalog](caf::actor_system& sys) {
      orders_deps deps{repos.orders, catalog, {wiring->billing}, timeout};
      return spawn_worker(sys, detached, orders_service, std::move(deps));
    });
  auto notifications = sys.spawn(
    supervisor, "notifications",
    [wiring, detached, timeout, repos](caf::actor_system& sys) {
      notifications_deps deps{repos.notifications, wiring->users, timeout};
      return spawn_worker(sys, detached, notifications_service,
                          std::move(deps));
    });
  wiring->users = caf::actor_cast<users_actor>(users);
  wiring->billing = caf::actor_cast<billing_actor>(billing);
  wiring->orders = caf::actor_cast<orders_actor>(orders);
  wiring->notifications = caf::actor_cast<notifications_actor>(notifications);
  for (auto& sup : {users, billing, orders, notifications})
    caf::anon_send(sup, atom::start_v);
  return *wiring;
}

void stop_services(const services& svc) {
  for (auto& sup : svc.supervisors())
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

} // namespace shop
