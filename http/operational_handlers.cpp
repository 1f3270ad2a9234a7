#include "http/handlers.hpp"

// The handlers that serve the node itself rather than a service: health,
// readiness, metrics, the documents, the cluster view and the live event
// stream.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "http/event_stream.hpp"
#include "http/handler.hpp"
#include "http/metrics_text.hpp"
#include "http/responses.hpp"
#include "http/server.hpp"

namespace shop::http {

void get_console(handler_context&, const exchange_ptr& x) {
  x->reply(200, contract_document("console.html"), nullptr,
           "text/html; charset=utf-8");
}

void get_events(handler_context& ctx, const exchange_ptr& x) {
  if (!ctx.svc.feed)
    return x->fail(
      api_error{503, "service_unavailable", "this node has no event feed"});
  if (x->is_head())
    return x->reply(200, "", nullptr, "text/event-stream");
  // The place is held from here until the stream ends, or given back when
  // the stream never opens (the lambda holding it is dropped).
  auto slot = ctx.streams.reserve(ctx.opts.max_event_streams);
  if (!slot) {
    api_error err{503, "service_unavailable",
                  "too many event streams are open, retry later",
                  "all " + std::to_string(ctx.opts.max_event_streams)
                    + " event streams (--http-max-event-streams) are taken"};
    // A stream whose client went away ends within two keep-alive periods.
    err.retry_after = static_cast<uint32_t>(
      std::max<int64_t>(1,
                        (2 * ctx.opts.event_keepalive.count() + 999) / 1000));
    return x->fail(err);
  }
  auto* c = &ctx;
  x->open_stream(": the events of this node, as they commit\n\n",
                 [c, slot](std::shared_ptr<event_sink> sink) {
                   auto stream = spawn_event_stream(c->sys, std::move(sink),
                                                    c->streams, slot,
                                                    c->opts.event_keepalive);
                   caf::anon_send(c->svc.feed, atom::join_v, stream);
                 });
}

void get_health(handler_context&, const exchange_ptr& x) {
  x->reply(200, health_json());
}

/// Ready when every service answers on this node: a local one whose worker
/// runs (its storage loaded), a remote one whose node is connected.
void get_ready(handler_context& ctx, const exchange_ptr& x) {
  ask(
    ctx, x, nullptr, ctx.svc.directory,
    [x](std::vector<service_status>& xs) {
      bool ready = std::all_of(xs.begin(), xs.end(),
                               [](auto& s) { return s.reachable; });
      x->reply(ready ? 200 : 503,
               ready_json(ready, xs, x->caller().is_operator()));
    },
    atom::status_v);
}

void get_metrics(handler_context&, const exchange_ptr& x) {
  x->reply(200, to_prometheus(metrics::registry::global().collect()), nullptr,
           prometheus_content_type);
}

void get_openapi(handler_context&, const exchange_ptr& x) {
  x->reply(200, contract_document("openapi.yaml"), nullptr, "application/yaml");
}

void get_asyncapi(handler_context&, const exchange_ptr& x) {
  x->reply(200, contract_document("asyncapi.yaml"), nullptr,
           "application/yaml");
}

void get_cluster(handler_context& ctx, const exchange_ptr& x) {
  auto node = caf::to_string(ctx.sys.node());
  ask(
    ctx, x, nullptr, ctx.svc.directory,
    [x, node](std::vector<service_status>& xs) {
      x->reply(200, cluster_json(node, xs));
    },
    atom::status_v);
}

} // namespace shop::http
