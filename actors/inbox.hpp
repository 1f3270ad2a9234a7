#pragma once

// Exactly-once delivery, consumer side. Each consumer remembers, per topic,
// the last event seq it applied (its inbox mark), and commits the mark in the
// same transaction as the event's effect. Publishers deliver in seq order, so:
//   seq <= mark      a duplicate: change nothing, acknowledge again;
//   seq == mark + 1  apply it and move the mark;
//   seq >  mark + 1  an earlier event is missing: refuse, the relay resends.
// A relay delivers consecutive events in one request (event_batch); the
// reply acknowledges all of them, once what they changed is committed.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>

#include <caf/error.hpp>
#include <caf/response_promise.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/unit_of_work.hpp"
#include "common/metrics.hpp"

namespace shop {

enum class delivery { apply, duplicate, gap };

/// Classifies an incoming event against the consumer's inbox mark. Requires
/// `self->state.inbox` (topic -> last applied seq).
template <class Self>
delivery classify(Self* self, const char* topic, int64_t seq) {
  auto& inbox = self->state.inbox;
  auto i = inbox.find(topic);
  auto mark = i == inbox.end() ? int64_t{0} : i->second;
  if (seq <= mark)
    return delivery::duplicate;
  return seq == mark + 1 ? delivery::apply : delivery::gap;
}

/// Moves the inbox mark in memory and stages it in the open batch.
template <class Self>
void mark_applied(Self* self, const char* topic, int64_t seq) {
  open_batch(self);
  self->state.inbox[topic] = seq;
  self->state.uow.changes().reliable.inbox[topic] = seq;
}

/// The error for an event that arrived before its predecessor.
inline caf::error out_of_order(const char* topic, int64_t seq) {
  return caf::make_error(errc::out_of_order, std::string{topic} + " #"
                                               + std::to_string(seq)
                                               + " arrived before its "
                                                 "predecessor");
}

/// Applies a delivery's events in order: duplicates are skipped, the next
/// event is applied by `apply` and its mark moved, and the first event that
/// arrived before its predecessor stops the delivery with out_of_order.
/// `apply(const Event&)` returns void, or a caf::error to refuse the event
/// before changing anything (it then stops the delivery the same way).
/// What was applied before a stop stays staged in the open batch: the relay
/// resends from its last acknowledged event, and those come back as
/// duplicates.
/// `from`: the index of the first event to look at (a handler that
/// paused on an event goes on from it).
template <class Self, class Event, class Apply>
caf::error apply_in_order(Self* self, const char* topic,
                          const event_batch<Event>& events, Apply& apply,
                          size_t from = 0) {
  auto& faults = self->state.deps.settings.faults;
  for (auto i = from; i < events.size(); ++i) {
    auto& e = events[i];
    auto verdict = classify(self, topic, e.seq);
    if (faults.skip_dedup && verdict == delivery::duplicate)
      verdict = delivery::apply;
    switch (verdict) {
      case delivery::duplicate:
        log::debug(self->state.name, "duplicate {} #{} ignored", topic, e.seq);
        ++self->state.duplicates;
        metrics::registry::global()
          .get_counter("actorshop_events_duplicates_total",
                       "Redelivered events recognised and ignored, by "
                       "consuming service and topic.",
                       {{"service", self->state.name}, {"topic", topic}})
          .inc();
        continue;
      case delivery::gap:
        return out_of_order(topic, e.seq);
      case delivery::apply:
        break;
    }
    // Open before applying: handlers stage into the open batch directly.
    open_batch(self);
    if constexpr (std::is_void_v<decltype(apply(e))>) {
      apply(e);
    } else {
      if (auto err = apply(e))
        return err;
    }
    mark_applied(self, topic, std::max(e.seq, self->state.inbox[topic]));
  }
  return caf::none;
}

/// Refuses a delivery larger than any relay sends (max_event_batch): it
/// would be one transaction of unbounded size.
template <class Event>
caf::error check_delivery_size(const char* topic,
                               const event_batch<Event>& events) {
  if (events.size() <= max_event_batch)
    return caf::none;
  return caf::make_error(errc::invalid_argument,
                         std::string{topic}
                           + ": too many events in one delivery");
}

/// Acknowledges a delivery whose events are applied: once the open batch
/// committed, at once when nothing is staged.
template <class Self>
void ack_delivery(Self* self, caf::response_promise rp) {
  auto& st = self->state;
  if (st.uow.empty() || st.deps.settings.faults.ack_before_commit) {
    rp.deliver(caf::unit);
    return;
  }
  st.uow.then([rp]() mutable { rp.deliver(caf::unit); },
              [rp](const caf::error& err) mutable { rp.deliver(err); });
}

/// The answer to a delivery whose events are applied, from its handler:
/// ack_delivery's rule as a result.
template <class Self>
caf::result<void> acknowledge(Self* self) {
  if (self->state.deps.settings.faults.ack_before_commit)
    return caf::unit;
  return ack_after_commit(self, [] {});
}

/// The common frame of every event handler: applies `events` (see
/// apply_in_order) and acknowledges the whole delivery once the open batch
/// committed (at once when nothing is staged), or answers the error that
/// stopped it.
template <class Self, class Event, class Apply>
caf::result<void> consume(Self* self, const char* topic,
                          const event_batch<Event>& events, Apply apply) {
  if (auto err = check_delivery_size(topic, events))
    return err;
  if (auto err = apply_in_order(self, topic, events, apply))
    return err;
  return acknowledge(self);
}

} // namespace shop
