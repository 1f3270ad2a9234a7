#include "actors/system.hpp"

#include <map>
#include <memory>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/billing.hpp"
#include "actors/feed.hpp"
#include "actors/notifications.hpp"
#include "actors/orders.hpp"
#include "actors/remote.hpp"
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

/// Everything the worker factories need; complete before any worker starts.
struct wiring {
  services svc;
  service_options opts;
  worker_settings settings;

  /// The handle through which `topic` reaches `subscriber`.
  template <class Subscriber, class Handle>
  std::pair<std::string, Subscriber>
  subscriber(caf::actor_system& sys, const char* topic, std::string name,
             const Handle& target) {
    auto hdl = caf::actor_cast<caf::actor>(target);
    if (opts.wrap_subscriber)
      hdl = opts.wrap_subscriber(sys, topic, name, hdl);
    return {std::move(name), caf::actor_cast<Subscriber>(hdl)};
  }
};

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
  auto w = std::make_shared<wiring>();
  w->opts = std::move(opts);
  w->settings.peer_timeout = w->opts.peer_timeout;
  w->settings.relay_window = w->opts.relay_window;
  w->settings.idempotency_retention = w->opts.idempotency_retention;
  w->settings.faults = w->opts.faults;
  w->settings.feed_audience = std::make_shared<std::atomic<size_t>>(0);
  w->svc.feed = sys.spawn<caf::hidden>(event_feed, w->settings.feed_audience);
  w->settings.feed = w->svc.feed;
  auto detached = w->opts.detached;
  auto place = w->opts.place;
  // A supervisor for a service this node runs, a proxy for the others.
  auto spawn_service = [&](const std::string& name, worker_factory factory) {
    if (place.runs(name))
      return sys.spawn(supervisor, name, std::move(factory));
    return sys.spawn(remote_service, name, place.peers.at(name));
  };
  auto users = spawn_service(
    "users", [w, detached, repos](caf::actor_system& sys) {
      using sub = user_created_subscriber;
      users_deps deps{
        repos.users,
        {w->subscriber<sub>(sys, user_created_topic, "billing", w->svc.billing),
         w->subscriber<sub>(sys, user_created_topic, "orders", w->svc.orders),
         w->subscriber<sub>(sys, user_created_topic, "notifications",
                            w->svc.notifications)},
        w->settings};
      return spawn_worker(sys, detached, users_service, std::move(deps));
    });
  auto billing = spawn_service(
    "billing", [w, detached, repos](caf::actor_system& sys) {
      using sub = order_processed_subscriber;
      billing_deps deps{
        repos.billing,
        {w->subscriber<sub>(sys, order_processed_topic, "orders",
                            w->svc.orders),
         w->subscriber<sub>(sys, order_processed_topic, "notifications",
                            w->svc.notifications)},
        w->svc.users, w->settings};
      return spawn_worker(sys, detached, billing_service, std::move(deps));
    });
  auto orders = spawn_service(
    "orders", [w, detached, repos](caf::actor_system& sys) {
      using sub = order_created_subscriber;
      orders_deps deps{repos.orders,
                       w->opts.catalog,
                       {w->subscriber<sub>(sys, order_created_topic, "billing",
                                           w->svc.billing)},
                       w->svc.users,
                       w->settings};
      return spawn_worker(sys, detached, orders_service, std::move(deps));
    });
  auto notifications = spawn_service(
    "notifications", [w, detached, repos](caf::actor_system& sys) {
      notifications_deps deps{repos.notifications, w->svc.users, w->settings};
      return spawn_worker(sys, detached, notifications_service,
                          std::move(deps));
    });
  w->svc.users = caf::actor_cast<users_actor>(users);
  w->svc.billing = caf::actor_cast<billing_actor>(billing);
  w->svc.orders = caf::actor_cast<orders_actor>(orders);
  w->svc.notifications = caf::actor_cast<notifications_actor>(notifications);
  std::map<std::string, caf::actor> handles{{"users", users},
                                            {"billing", billing},
                                            {"orders", orders},
                                            {"notifications", notifications}};
  std::vector<std::string> local{place.local.begin(), place.local.end()};
  w->svc.directory = sys.spawn(node_directory, handles, local);
  for (auto& name : place.local)
    caf::anon_send(handles[name], atom::start_v);
  return w->svc;
}

void stop_services(const services& svc) {
  for (auto& sup : svc.supervisors())
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  if (svc.directory)
    caf::anon_send_exit(svc.directory, caf::exit_reason::user_shutdown);
  if (svc.feed)
    caf::anon_send_exit(svc.feed, caf::exit_reason::user_shutdown);
}

} // namespace shop
