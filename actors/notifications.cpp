#include "actors/notifications.hpp"

#include <memory>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>

#include "actors/inbox.hpp"
#include "actors/system.hpp"

namespace shop {

notification compose_notification(const user& to, const order_processed& e) {
  notification n;
  n.user = e.user;
  n.order = e.order;
  n.email = to.email;
  if (e.result == payment_result::paid) {
    n.subject = fmt::format("Order #{} is paid", e.order);
    n.body = fmt::format("Hello {}, your order #{} is paid: {} was charged "
                         "to your account. Thank you!",
                         to.name, e.order, to_string(e.sum));
  } else {
    n.subject
      = fmt::format("Order #{} was rejected: not enough money", e.order);
    n.body = fmt::format("Hello {}, your order #{} over {} was rejected "
                         "because your balance is not enough. Nothing was "
                         "charged.",
                         to.name, e.order, to_string(e.sum));
  }
  return n;
}

namespace {

void load(notifications_worker self) {
  auto& st = self->state;
  open_storage(self);
  for (auto& u : st.repo->load_recipients())
    st.recipients.emplace(u.id, std::move(u));
  st.next_id = st.repo->max_notification_id() + 1;
  st.notified_through = st.repo->max_notified_order();
  log::info(st.name, "ready: {} recipients", st.recipients.size());
}

/// Stages the recipient (if new or changed) in the open batch.
void stage_recipient(notifications_worker self, const user& u) {
  auto& st = self->state;
  auto i = st.recipients.find(u.id);
  if (i != st.recipients.end() && i->second.email == u.email
      && i->second.name == u.name)
    return;
  open_batch(self);
  st.recipients[u.id] = u;
  st.uow.changes().recipients.push_back(u);
}

/// Stages the message for an order outcome, unless the order already has
/// one (the outcome repeated under a new seq). Storage also keeps at most one
/// message per order, but as a last line only: the decision is made here,
/// without a lookup per order.
void stage_message(notifications_worker self, const user& to,
                   const order_processed& e) {
  auto& st = self->state;
  if (e.order <= st.notified_through) {
    log::warning(st.name, "order {} was already notified; repeat ignored",
                 e.order);
    return;
  }
  st.notified_through = e.order;
  open_batch(self);
  auto n = compose_notification(to, e);
  n.id = st.next_id++;
  n.sent_at = now_ms();
  log::debug_fields(st.name, "message stored", [&](auto write) {
    write({{"message", std::to_string(n.id)},
           {"order", std::to_string(e.order)},
           {"user", std::to_string(e.user)},
           {"email", to.email},
           {"request", e.correlation}});
  });
  st.uow.changes().sent.push_back(std::move(n));
}

using delivery_ptr = std::shared_ptr<const event_batch<order_processed>>;

/// Applies the delivery from event `from` on, up to the first event whose
/// user's address is unknown here; returns that event's index there (else
/// npos) and the error that stopped the delivery, if any.
std::pair<size_t, caf::error>
apply_known(notifications_worker self,
            const event_batch<order_processed>& events, size_t from) {
  auto missing = std::string::npos;
  auto stage = [self, &events, &missing](const order_processed& x) {
    auto& recipients = self->state.recipients;
    auto i = recipients.find(x.user);
    if (i == recipients.end()) {
      missing = static_cast<size_t>(&x - events.data());
      return caf::make_error(errc::user_not_found, "address unknown");
    }
    stage_message(self, i->second, x);
    return caf::error{};
  };
  auto err = apply_in_order(self, order_processed_topic, events, stage, from);
  return {missing, std::move(err)};
}

/// The event at `at` overtook its user's USER_CREATED: asks Users for the
/// address, then goes on applying the delivery from that event, and answers
/// `rp` once everything applied committed. `await` holds back every other
/// message meanwhile, so events still apply in order; a delivery with
/// several such users asks for them in turn.
void ask_address_then_apply(notifications_worker self, delivery_ptr events,
                            size_t at, caf::response_promise rp) {
  auto& e = (*events)[at];
  auto id = e.user;
  auto order = e.order;
  with_known_user(
    self, id,
    [self, events, at, rp](const user& to) mutable {
      stage_recipient(self, to);
      auto [missing, err] = apply_known(self, *events, at);
      if (missing != std::string::npos)
        return ask_address_then_apply(self, std::move(events), missing,
                                      std::move(rp));
      if (err)
        return rp.deliver(std::move(err));
      ack_delivery(self, std::move(rp));
    },
    [self, rp, id, order](caf::error err) mutable {
      // What applied before this event commits with the open batch; the
      // relay resends the rest.
      log::warning(self->state.name, "no address for user {} (order {}): {}",
                   id, order, self->system().render(err));
      rp.deliver(std::move(err));
    });
}

caf::result<void>
on_order_processed(notifications_worker self,
                   const event_batch<order_processed>& events) {
  if (auto err = check_delivery_size(order_processed_topic, events))
    return err;
  auto [missing, err] = apply_known(self, events, 0);
  if (missing == std::string::npos) {
    if (err)
      return err;
    return acknowledge(self);
  }
  auto rp = self->make_response_promise();
  ask_address_then_apply(self,
                         std::make_shared<const event_batch<order_processed>>(
                           events),
                         missing, rp);
  return rp;
}

} // namespace

notifications_worker_actor::behavior_type
notifications_service(notifications_worker self, notifications_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::ping) { return ping_storage(self); },
    [self](atom::list, notification_filter filter)
      -> caf::result<std::vector<notification>> {
      return read_after_commit<std::vector<
        notification>>(self,
                       [self,
                        filter]() -> caf::expected<std::vector<notification>> {
                         return self->state.repo->list(filter);
                       });
    },
    [self](const event_batch<user_created>& events) -> caf::result<void> {
      return consume(self, user_created_topic, events,
                     [self](const user_created& x) {
                       stage_recipient(self, user{x.user, x.email, x.name});
                     });
    },
    [self](const event_batch<order_processed>& events) -> caf::result<void> {
      return on_order_processed(self, events);
    },
    [self](atom::flush) { flush(self); },
  };
}

caf::actor spawn_notifications_worker(caf::actor_system& sys,
                                      const service_context& ctx) {
  notifications_deps deps{ctx.repos.notifications, ctx.svc.users, ctx.settings};
  return ctx.spawn(sys, notifications_service, std::move(deps));
}

} // namespace shop
