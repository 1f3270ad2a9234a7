#include "actors/system.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/balance_view.hpp"
#include "actors/billing.hpp"
#include "actors/feed.hpp"
#include "actors/load.hpp"
#include "actors/remote.hpp"
#include "actors/service_table.hpp"
#include "actors/supervisor.hpp"

namespace shop {

std::vector<caf::actor> services::supervisors() const {
  std::vector<caf::actor> result;
  for (auto& x : service_table())
    result.push_back(x.handle(*this));
  return result;
}

std::vector<std::pair<std::string, caf::actor>>
service_context::subscribers(caf::actor_system& sys, const char* topic) const {
  std::vector<std::pair<std::string, caf::actor>> result;
  for (auto& x : service_table()) {
    if (std::find(x.consumes.begin(), x.consumes.end(), topic)
        == x.consumes.end())
      continue;
    auto hdl = x.handle(svc);
    if (opts.wrap_subscriber)
      hdl = opts.wrap_subscriber(sys, topic, x.name, hdl);
    result.emplace_back(x.name, std::move(hdl));
  }
  return result;
}

services spawn_services(caf::actor_system& sys, repository_factories repos,
                        service_options opts) {
  // The supervisors come first: they are the stable handles every worker
  // factory below refers to. Workers start on atom::start, once all exist.
  auto ctx = std::make_shared<service_context>();
  ctx->opts = std::move(opts);
  ctx->repos = std::move(repos);
  ctx->settings.peer_timeout = ctx->opts.peer_timeout;
  ctx->settings.relay_window = ctx->opts.relay_window;
  ctx->settings.idempotency_retention = ctx->opts.idempotency_retention;
  ctx->settings.passwords = ctx->opts.passwords;
  ctx->settings.faults = ctx->opts.faults;
  ctx->settings.admission = ctx->opts.admission;
  ctx->svc.load = std::make_shared<node_load>(service_names());
  ctx->settings.load = ctx->svc.load;
  ctx->settings.feed_audience = std::make_shared<std::atomic<size_t>>(0);
  ctx->svc.feed
    = sys.spawn<caf::hidden>(event_feed, ctx->settings.feed_audience);
  ctx->settings.feed = ctx->svc.feed;
  auto& place = ctx->opts.place;
  if (place.runs(billing_state::name))
    ctx->svc.balances = std::make_shared<balance_view>();
  // A supervisor for a service this node runs, a proxy for the others.
  std::map<std::string, caf::actor> handles;
  for (auto& x : service_table()) {
    caf::actor hdl;
    if (place.runs(x.name)) {
      worker_factory factory = [ctx, spawn = x.spawn](caf::actor_system& sys) {
        return spawn(sys, *ctx);
      };
      hdl = sys.spawn(supervisor, x.name, std::move(factory),
                      ctx->svc.load->of(x.name));
    } else {
      hdl = sys.spawn(remote_service, x.name, place.peers.at(x.name),
                      place.dials(x.name));
    }
    x.bind(ctx->svc, hdl);
    handles.emplace(x.name, std::move(hdl));
  }
  std::vector<std::string> local{place.local.begin(), place.local.end()};
  ctx->svc.directory = sys.spawn(node_directory, handles, local);
  for (auto& [name, hdl] : handles)
    if (!place.runs(name))
      caf::anon_send(hdl, atom::join_v, ctx->svc.directory);
  for (auto& name : place.local)
    caf::anon_send(handles[name], atom::start_v);
  return ctx->svc;
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
