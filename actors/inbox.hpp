#pragma once

// Exactly-once delivery, consumer side. Each consumer remembers, per topic,
// the last event seq it applied (its inbox mark), and commits the mark in the
// same transaction as the event's effect. Publishers deliver in seq order, so:
//   seq <= mark      a duplicate: change nothing, acknowledge again;
//   seq == mark + 1  apply it and move the mark;
//   seq >  mark + 1  an earlier event is missing: refuse, the relay resends.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include <caf/error.hpp>

#include "actors/errors.hpp"
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

/// The common frame of every event handler: duplicates are acknowledged
/// (once whatever applied them committed), gaps refused, and the next event
/// applied by `apply` and acknowledged after its commit.
template <class Self, class Event, class Apply>
caf::result<void> consume(Self* self, const char* topic, const Event& e,
                          Apply apply) {
  auto& faults = self->state.deps.settings.faults;
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
      return ack_after_commit(self, [] {});
    case delivery::gap:
      return out_of_order(topic, e.seq);
    case delivery::apply:
      break;
  }
  mark_applied(self, topic, std::max(e.seq, self->state.inbox[topic]));
  apply(e);
  if (faults.ack_before_commit)
    return caf::unit;
  return ack_after_commit(self, [] {});
}

} // namespace shop
