#include "actors/feed.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>

#include "actors/messages.hpp"

namespace shop {

namespace {

template <class Event>
void broadcast(caf::stateful_actor<feed_state>* self, const Event& e) {
  for (auto& listener : self->state.listeners)
    self->send(listener, e);
}

} // namespace

caf::behavior event_feed(caf::stateful_actor<feed_state>* self,
                         feed_audience audience) {
  self->state.audience = std::move(audience);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& xs = self->state.listeners;
    xs.erase(std::remove_if(xs.begin(), xs.end(),
                            [&](const caf::actor& x) {
                              return x.address() == msg.source;
                            }),
             xs.end());
    *self->state.audience = xs.size();
  });
  return {
    [self](atom::join, caf::actor listener) {
      self->monitor(listener);
      self->state.listeners.push_back(std::move(listener));
      *self->state.audience = self->state.listeners.size();
    },
    [self](const user_created& e) { broadcast(self, e); },
    [self](const order_created& e) { broadcast(self, e); },
    [self](const order_processed& e) { broadcast(self, e); },
  };
}

} // namespace shop
