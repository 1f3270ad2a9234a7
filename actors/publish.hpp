#pragma once

#include <vector>

#include <caf/error.hpp>

#include "actors/log.hpp"

namespace shop {

/// Delivers an event to every subscriber as a request; the (empty) reply is
/// the subscriber's acknowledgement that the event's effect is committed.
/// Publishers call this only after their own commit.
template <class Self, class Subscriber, class Event>
void publish(Self* self, const std::vector<Subscriber>& subscribers,
             const Event& event, caf::timespan timeout) {
  for (auto& sub : subscribers)
    self->request(sub, timeout, event)
      .then([] {},
            [self](const caf::error& err) {
              log::warning(self->state.name, "event not acknowledged: {}",
                           self->system().render(err));
            });
}

} // namespace shop
