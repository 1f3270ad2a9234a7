#include "chaos.hpp"

#include <chrono>
#include <functional>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"

namespace shop::sim {

chaos_settings chaos_settings::draw(dice& rng) {
  chaos_settings s;
  // One scenario in eight runs on a perfect network: the plain paths must
  // hold too, and a bug there is easier to read.
  if (rng.below(8) == 0)
    return s;
  s.delay = rng.real(0, 0.35);
  s.duplicate = rng.real(0, 0.2);
  s.drop = rng.real(0, 0.06);
  s.drop_ack = rng.real(0, 0.06);
  s.max_delay = std::chrono::milliseconds(rng.between(2, 80));
  return s;
}

namespace {

struct proxy_state {
  chaos_control* ctl = nullptr;
  std::string topic;
  std::string subscriber;
  caf::actor target;
  /// Deliveries waiting for their delay to pass, by ticket.
  std::map<uint64_t, std::function<void()>> held;
  uint64_t next_ticket = 0;

  static inline const char* name = "chaos-proxy";
};

using proxy_ptr = caf::stateful_actor<proxy_state>*;

/// Sends `e` to the subscriber now. The subscriber's answer goes back through
/// `rp` (when the promise is still owed and the ack is not to be dropped).
template <class Event>
void forward(proxy_ptr self, const Event& e, caf::response_promise rp,
             bool drop_ack) {
  auto& w = self->state.ctl->w;
  ++w.stats.deliveries;
  w.trace = mix(w.trace, static_cast<uint64_t>(e.seq) * 31 + drop_ack);
  self->request(self->state.target, caf::infinite, e)
    .then(
      [self, seq = e.seq, rp, drop_ack]() mutable {
        auto& st = self->state;
        if (st.ctl->audit_ack) {
          auto finding = st.ctl->audit_ack(st.topic, st.subscriber, seq);
          if (!finding.empty())
            st.ctl->findings.push_back(std::move(finding));
        }
        if (drop_ack) {
          ++st.ctl->w.stats.acks_dropped;
          st.ctl->w.note(st.topic + " #" + std::to_string(seq) + " -> "
                         + st.subscriber + ": ack dropped");
          return;
        }
        if (rp.pending())
          rp.deliver(caf::unit);
      },
      [rp](caf::error& err) mutable {
        if (rp.pending())
          rp.deliver(std::move(err));
      });
}

/// Sends `e` after a random delay: later deliveries may overtake it.
template <class Event>
void hold(proxy_ptr self, const Event& e, caf::response_promise rp,
          bool drop_ack) {
  auto& st = self->state;
  auto& rng = st.ctl->w.rng;
  auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  st.ctl->settings.max_delay)
                  .count();
  auto delay
    = std::chrono::milliseconds(rng.between(1, std::max<int64_t>(1, max_ms)));
  auto ticket = st.next_ticket++;
  st.held.emplace(ticket, [self, e, rp, drop_ack]() mutable {
    forward(self, e, std::move(rp), drop_ack);
  });
  ++st.ctl->w.stats.delayed;
  self->delayed_send(self, delay, atom::retry_v, std::to_string(ticket));
}

template <class Event>
caf::result<void> on_event(proxy_ptr self, const Event& e) {
  auto& st = self->state;
  auto& ctl = *st.ctl;
  auto rp = self->make_response_promise();
  if (!ctl.active) {
    forward(self, e, rp, false);
    return rp;
  }
  auto& rng = ctl.w.rng;
  auto& s = ctl.settings;
  auto what = st.topic + " #" + std::to_string(e.seq) + " -> " + st.subscriber;
  if (rng.chance(s.drop)) {
    // The promise dies unanswered: the relay's request times out.
    ++ctl.w.stats.dropped;
    ctl.w.note(what + ": dropped");
    return rp;
  }
  auto drop_ack = rng.chance(s.drop_ack);
  if (rng.chance(s.delay)) {
    ctl.w.note(what + ": delayed");
    hold(self, e, rp, drop_ack);
  } else {
    forward(self, e, rp, drop_ack);
  }
  if (rng.chance(s.duplicate)) {
    // The copy's answer goes nowhere; it may arrive long after the original.
    ++ctl.w.stats.duplicates;
    ctl.w.note(what + ": duplicated");
    if (rng.chance(0.5))
      hold(self, e, caf::response_promise{}, false);
    else
      forward(self, e, caf::response_promise{}, false);
  }
  return rp;
}

caf::behavior chaos_proxy(proxy_ptr self, chaos_control* ctl, std::string topic,
                          std::string subscriber, caf::actor target) {
  self->state.ctl = ctl;
  self->state.topic = std::move(topic);
  self->state.subscriber = std::move(subscriber);
  self->state.target = std::move(target);
  return {
    [self](const user_created& e) -> caf::result<void> {
      return on_event(self, e);
    },
    [self](const order_created& e) -> caf::result<void> {
      return on_event(self, e);
    },
    [self](const order_processed& e) -> caf::result<void> {
      return on_event(self, e);
    },
    // A held delivery's delay passed.
    [self](atom::retry, const std::string& ticket) {
      auto& held = self->state.held;
      auto i = held.find(std::stoull(ticket));
      if (i == held.end())
        return;
      auto release = std::move(i->second);
      held.erase(i);
      release();
    },
  };
}

} // namespace

caf::actor spawn_chaos_proxy(caf::actor_system& sys, chaos_control& ctl,
                             const std::string& topic,
                             const std::string& subscriber, caf::actor target) {
  if (ctl.closed)
    return target;
  auto proxy
    = sys.spawn(chaos_proxy, &ctl, topic, subscriber, std::move(target));
  ctl.proxies.push_back(proxy);
  return proxy;
}

} // namespace shop::sim
