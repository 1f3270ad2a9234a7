#include "chaos.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <variant>

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
  s.republish = rng.real(0, 0.15);
  return s;
}

namespace {

struct proxy_state {
  chaos_control* ctl = nullptr;
  std::string topic;
  std::string subscriber;
  /// "topic/subscriber": the stream's key in chaos_control::streams.
  std::string key;
  caf::actor target;
  /// Deliveries waiting for their delay to pass, by ticket.
  std::map<uint64_t, std::function<void()>> held;
  uint64_t next_ticket = 0;

  static inline const char* name = "chaos-proxy";
};

using proxy_ptr = caf::stateful_actor<proxy_state>*;

/// Audits an acknowledgement of the subscriber's `seq`.
void audit(proxy_ptr self, int64_t seq) {
  auto& st = self->state;
  if (!st.ctl->audit_ack)
    return;
  auto finding = st.ctl->audit_ack(st.topic, st.subscriber, seq);
  if (!finding.empty())
    st.ctl->findings.push_back(std::move(finding));
}

/// One event under the subscriber's numbering. An event seen for the first
/// time may first get a repeat of an earlier one inserted before it.
template <class Event>
Event renumber(proxy_ptr self, const Event& e) {
  auto& st = self->state;
  auto& ctl = *st.ctl;
  auto& s = ctl.streams[st.key];
  auto i = s.seq_of.find(e.seq);
  if (i == s.seq_of.end()) {
    if (ctl.active && !s.seen.empty()
        && ctl.w.rng.chance(ctl.settings.republish)) {
      // Mostly the latest event: a watermark off by one misses exactly it.
      auto pick = ctl.w.rng.chance(0.5) ? s.seen.size() - 1
                                        : ctl.w.rng.below(s.seen.size());
      auto again = s.seen[pick];
      auto seq = s.next++;
      std::visit([seq](auto& x) { x.seq = seq; }, again);
      s.repeats.emplace(seq, std::move(again));
      ++ctl.w.seq_shift[st.key];
      ++ctl.w.stats.republished;
      ctl.w.trace = mix(ctl.w.trace, 0x4e9ea7 + static_cast<uint64_t>(seq));
      ctl.w.note(st.key + ": event " + std::to_string(pick + 1)
                 + " repeated as #" + std::to_string(seq));
    }
    i = s.seq_of.emplace(e.seq, s.next++).first;
    s.seen.push_back(e);
  }
  auto out = e;
  out.seq = i->second;
  return out;
}

/// The delivery as the subscriber sees it: every event renumbered, with the
/// inserted repeats not acknowledged yet that are numbered before its last
/// event in their place (the subscriber needs them before what follows).
template <class Event>
event_batch<Event> renumber(proxy_ptr self,
                            const event_batch<Event>& published) {
  event_batch<Event> out;
  for (auto& e : published)
    out.push_back(renumber(self, e));
  if (out.empty())
    return out;
  auto& st = self->state;
  auto& repeats = st.ctl->streams[st.key].repeats;
  auto last = out.back().seq;
  for (auto& [seq, repeat] : repeats)
    if (seq < last)
      out.push_back(std::get<Event>(repeat));
  std::sort(out.begin(), out.end(),
            [](const Event& x, const Event& y) { return x.seq < y.seq; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Event& x, const Event& y) {
                          return x.seq == y.seq;
                        }),
            out.end());
  return out;
}

/// Sends the delivery `out` to the subscriber now. The subscriber's answer
/// goes back through `rp` (when the promise is still owed and the ack is not
/// to be dropped).
template <class Event>
void forward(proxy_ptr self, const event_batch<Event>& out,
             caf::response_promise rp, bool drop_ack) {
  auto& w = self->state.ctl->w;
  ++w.stats.deliveries;
  auto first = out.empty() ? int64_t{0} : out.front().seq;
  auto last = out.empty() ? int64_t{0} : out.back().seq;
  w.trace = mix(w.trace, static_cast<uint64_t>(last) * 31
                           + static_cast<uint64_t>(first) * 7 + drop_ack);
  std::vector<int64_t> seqs;
  for (auto& e : out)
    seqs.push_back(e.seq);
  self->request(self->state.target, caf::infinite, out)
    .then(
      [self, seqs, rp, drop_ack]() mutable {
        auto& st = self->state;
        auto& repeats = st.ctl->streams[st.key].repeats;
        for (auto seq : seqs) {
          audit(self, seq);
          repeats.erase(seq);
        }
        if (drop_ack) {
          ++st.ctl->w.stats.acks_dropped;
          st.ctl->w.note(st.topic + " #"
                         + std::to_string(seqs.empty() ? 0 : seqs.back())
                         + " -> " + st.subscriber + ": ack dropped");
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

/// Sends `out` after a random delay: later deliveries may overtake it.
template <class Event>
void hold(proxy_ptr self, const event_batch<Event>& out,
          caf::response_promise rp, bool drop_ack) {
  auto& st = self->state;
  auto& rng = st.ctl->w.rng;
  auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  st.ctl->settings.max_delay)
                  .count();
  auto delay
    = std::chrono::milliseconds(rng.between(1, std::max<int64_t>(1, max_ms)));
  auto ticket = st.next_ticket++;
  st.held.emplace(ticket, [self, out, rp, drop_ack]() mutable {
    forward(self, out, std::move(rp), drop_ack);
  });
  ++st.ctl->w.stats.delayed;
  self->delayed_send(self, delay, atom::retry_v, std::to_string(ticket));
}

template <class Event>
caf::result<void> on_delivery(proxy_ptr self,
                              const event_batch<Event>& published) {
  auto out = renumber(self, published);
  auto& st = self->state;
  auto& ctl = *st.ctl;
  auto rp = self->make_response_promise();
  if (!ctl.active) {
    forward(self, out, rp, false);
    return rp;
  }
  auto& rng = ctl.w.rng;
  auto& s = ctl.settings;
  auto what = st.topic + " #"
              + (out.empty() ? std::string{"-"}
                             : std::to_string(out.front().seq) + "..#"
                                 + std::to_string(out.back().seq))
              + " -> " + st.subscriber;
  if (rng.chance(s.drop)) {
    // The promise dies unanswered: the relay's request times out.
    ++ctl.w.stats.dropped;
    ctl.w.note(what + ": dropped");
    return rp;
  }
  auto drop_ack = rng.chance(s.drop_ack);
  if (rng.chance(s.delay)) {
    ctl.w.note(what + ": delayed");
    hold(self, out, rp, drop_ack);
  } else {
    forward(self, out, rp, drop_ack);
  }
  if (rng.chance(s.duplicate)) {
    // The copy's answer goes nowhere; it may arrive long after the original.
    ++ctl.w.stats.duplicates;
    ctl.w.note(what + ": duplicated");
    if (rng.chance(0.5))
      hold(self, out, caf::response_promise{}, false);
    else
      forward(self, out, caf::response_promise{}, false);
  }
  return rp;
}

caf::behavior chaos_proxy(proxy_ptr self, chaos_control* ctl, std::string topic,
                          std::string subscriber, caf::actor target) {
  self->state.ctl = ctl;
  self->state.topic = std::move(topic);
  self->state.subscriber = std::move(subscriber);
  self->state.key = self->state.topic + "/" + self->state.subscriber;
  self->state.target = std::move(target);
  return {
    [self](const event_batch<user_created>& e) -> caf::result<void> {
      return on_delivery(self, e);
    },
    [self](const event_batch<order_created>& e) -> caf::result<void> {
      return on_delivery(self, e);
    },
    [self](const event_batch<order_processed>& e) -> caf::result<void> {
      return on_delivery(self, e);
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
