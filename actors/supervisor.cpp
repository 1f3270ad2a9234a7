#include "actors/supervisor.hpp"

#include <algorithm>
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

#include "actors/errors.hpp"
#include "actors/load.hpp"
#include "actors/messages.hpp"
#include "common/log.hpp"

namespace shop {

namespace {

using namespace std::chrono_literals;

using supervisor_ptr = caf::stateful_actor<supervisor_state>*;

/// A worker that lived at least this long failed "rarely": restart at once.
constexpr auto stable_uptime = 5s;
constexpr caf::timespan first_backoff = 10ms;
constexpr caf::timespan max_backoff = 2s;

void start_worker(supervisor_ptr self) {
  auto& st = self->state;
  st.worker = st.factory(self->system());
  st.started = self->clock().now();
  self->monitor(st.worker);
  log::debug(st.service, "worker started (restart #{})", st.restarts);
}

void on_worker_down(supervisor_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (msg.source != st.worker.address())
    return;
  st.worker = nullptr;
  // What the dead worker said of its load no longer holds: requests get
  // the supervisor's 503 service_unavailable until the next one says again.
  if (st.load != nullptr)
    st.load->update(false, 0);
  if (self->getf(caf::abstract_actor::is_shutting_down_flag))
    return;
  auto uptime = self->clock().now() - st.started;
  if (uptime >= stable_uptime)
    st.backoff = caf::timespan{0};
  else
    st.backoff = std::min(max_backoff, std::max(first_backoff, st.backoff * 2));
  log::warning(st.service, "worker died ({}), restarting in {} ms",
               self->system().render(msg.reason),
               std::chrono::duration_cast<std::chrono::milliseconds>(st.backoff)
                 .count());
  ++st.restarts;
  st.restarts_total->inc();
  if (st.backoff.count() == 0)
    start_worker(self);
  else
    self->delayed_send(self, st.backoff, atom::restart_v);
}

} // namespace

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self,
                         std::string service, worker_factory factory,
                         service_load* load) {
  self->state.service = std::move(service);
  self->state.factory = std::move(factory);
  self->state.load = load;
  auto& registry = metrics::registry::global();
  metrics::labels tags{{"service", self->state.service}};
  self->state.messages
    = &registry.get_counter("actorshop_actor_messages_total",
                            "Messages (requests and events) routed to a "
                            "service's worker, by "
                            "service.",
                            tags);
  self->state.restarts_total
    = &registry.get_counter("actorshop_service_restarts_total",
                            "Times a service's worker was restarted after a "
                            "failure, by service.",
                            tags);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_worker_down(self, msg); });
  // Stopping the supervisor stops its worker; the worker commits what it has
  // pending before it quits (see flush_on_exit).
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (self->state.worker)
      self->send_exit(self->state.worker, msg.reason);
    self->quit(msg.reason);
  });
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& xs) -> caf::result<caf::message> {
      auto& st = self->state;
      if (!st.worker)
        return caf::make_error(errc::service_unavailable,
                               st.service + " is restarting");
      st.messages->inc();
      return self->delegate(st.worker, xs.move_content_to_message());
    });
  return {
    [self](atom::start) {
      if (!self->state.worker)
        start_worker(self);
    },
    [self](atom::restart) {
      if (!self->state.worker)
        start_worker(self);
    },
    // The current worker (invalid while restarting): for tests and
    // operations that need to reach or stop it directly.
    [self](atom::worker) { return self->state.worker; },
    // Where the service runs and whether it can serve now (GET /cluster,
    // GET /ready): its worker runs and its storage answers a ping.
    [self](atom::status) -> caf::result<service_status> {
      service_status result;
      result.service = self->state.service;
      result.local = true;
      result.location = "local";
      result.node = caf::to_string(self->system().node());
      if (!self->state.worker) {
        result.problem = "its worker is not running (restarting)";
        return result;
      }
      auto rp = self->make_response_promise<service_status>();
      self->request(self->state.worker, std::chrono::seconds(2), atom::ping_v)
        .then(
          [self, rp, result](bool) mutable {
            result.reachable = true;
            if (auto* load = self->state.load; load && load->shedding()) {
              result.overloaded = true;
              result.problem = std::to_string(load->backlog())
                               + " events wait for its subscribers: new work "
                                 "that would publish is refused";
            }
            rp.deliver(std::move(result));
          },
          [self, rp, result](caf::error& err) mutable {
            // The error's text (SQL, SQLSTATE, host:port) goes to the log
            // only: GET /ready shows operators the kind of problem.
            auto now = self->clock().now();
            auto& last = self->state.last_not_ready_log;
            if (!last || now - *last >= std::chrono::seconds(10)) {
              last = now;
              log::warning(self->state.service, "not ready: {}",
                           self->system().render(err));
            }
            result.problem = err == caf::sec::request_timeout
                               ? "its worker did not answer in time"
                               : "its storage does not answer";
            rp.deliver(std::move(result));
          });
      return rp;
    },
  };
}

} // namespace shop
