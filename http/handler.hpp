#pragma once

// What a handler is: a function of the server's context and one exchange
// (http/exchange.hpp), which parses the request, asks a service actor with
// ask() and answers from the reply. No handler sees RESTinio, so each runs
// in a test with a fake exchange and a fake service.

#include <atomic>
#include <chrono>
#include <tuple>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/load.hpp"
#include "actors/system.hpp"
#include "http/admission.hpp"
#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/errors.hpp"
#include "http/event_stream.hpp"
#include "http/exchange.hpp"
#include "http/server.hpp"

namespace shop::http {

/// What every handler needs, shared by all requests of one server run.
/// Outlives every exchange and every event stream of that run.
struct handler_context {
  caf::actor_system& sys;
  const services& svc;
  const server_options& opts;
  /// Checks credentials (opts.auth, never null).
  const authenticator& auth;
  /// Failed logins of this front.
  login_throttle throttle{};
  /// Set once a stop begins: new requests get 503 from then on.
  std::atomic<bool> stopping{false};
  /// The live event streams (GET /events); a stop ends them all.
  event_streams streams{};
  /// The actors that ask the services for the I/O threads (ask()).
  bridge_pool bridges{sys, opts.threads};
  /// This front's bound on requests in flight to each service.
  admission_gates gates{opts.max_in_flight};

  /// What the publisher `name` of this node says of its load (one that runs
  /// elsewhere never sheds here: its own refusal answers there); null
  /// without load entries.
  const service_load* load_of(const char* name) const noexcept {
    return svc.load ? svc.load->of(name) : nullptr;
  }
};

/// A route's handler.
using handler = void (*)(handler_context& ctx, const exchange_ptr& x);

/// Takes a place at `gate` for `x`, held until `x` is answered; when none
/// is free, answers 503 overloaded at once and returns false.
inline bool enter(service_gate& gate, const exchange_ptr& x) {
  if (!gate.try_enter()) {
    x->fail(overloaded(gate.service() + ": " + std::to_string(gate.limit())
                       + " requests of this front in flight "
                         "(--http-max-in-flight)"));
    return false;
  }
  x->hold(gate);
  return true;
}

/// Asks `handle` with `xs...` from the calling thread's bridge
/// (http/bridge.hpp), without blocking the calling (I/O) thread; `on_reply`
/// answers the request from the reply and must take concrete parameter types
/// (CAF checks them against the handle's interface). Errors and the timeout
/// (opts.request_timeout) become error responses (from_service_error).
/// The request takes a place at `gate` (the service's, http/admission.hpp;
/// null for the node directory) until it is answered; when none is free it
/// is answered 503 overloaded at once and nothing is sent.
/// The bridges are hidden: CAF counts every other actor in a registry guarded
/// by a mutex and a condition variable (for await_all_actors_done), which
/// at tens of thousands of requests per second costs more than the request
/// itself. The server tracks its exchanges and drains them on stop instead.
template <class Handle, class OnReply, class... Ts>
void ask(const handler_context& ctx, const exchange_ptr& x, service_gate* gate,
         const Handle& handle, OnReply on_reply, Ts... xs) {
  if (gate != nullptr && !enter(*gate, x))
    return;
  auto timeout = ctx.opts.request_timeout;
  bridge_job job{
    [x, handle, timeout, on_reply = std::move(on_reply),
     args = std::make_tuple(std::move(xs)...)](caf::event_based_actor* self) {
      std::apply(
        [&](const auto&... ys) {
          self->request(handle, timeout, ys...)
            .then(on_reply,
                  [x](caf::error& err) { x->fail(from_service_error(err)); });
        },
        args);
    }};
  caf::anon_send(ctx.bridges.for_this_thread(), std::move(job));
}

} // namespace shop::http
