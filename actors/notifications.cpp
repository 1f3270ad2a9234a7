#include "actors/notifications.hpp"

#include <memory>

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

/// The first event of `events` that would apply and whose user's address
/// is unknown here, if any.
const order_processed*
missing_recipient(notifications_worker self,
                  const event_batch<order_processed>& events) {
  auto& st = self->state;
  for (auto& e : events)
    if (classify(self, order_processed_topic, e.seq) != delivery::duplicate
        && st.recipients.count(e.user) == 0)
      return &e;
  return nullptr;
}

/// Stages a message for every new event of the delivery and answers `rp`
/// once they committed. An event that overtook its user's USER_CREATED
/// makes it ask Users for the address first; `await` holds back other
/// messages meanwhile, so events still apply in order.
void apply_then_ack(notifications_worker self,
                    std::shared_ptr<const event_batch<order_processed>> events,
                    caf::response_promise rp) {
  if (auto* e = missing_recipient(self, *events)) {
    auto id = e->user;
    auto order = e->order;
    with_known_user(
      self, id,
      [self, events, rp](const user& to) mutable {
        stage_recipient(self, to);
        apply_then_ack(self, std::move(events), std::move(rp));
      },
      [self, rp, id, order](caf::error err) mutable {
        log::warning(self->state.name, "no address for user {} (order {}): {}",
                     id, order, self->system().render(err));
        rp.deliver(std::move(err));
      });
    return;
  }
  auto stage = [self](const order_processed& x) {
    stage_message(self, self->state.recipients[x.user], x);
  };
  if (auto err = apply_in_order(self, order_processed_topic, *events, stage)) {
    rp.deliver(std::move(err));
    return;
  }
  auto& st = self->state;
  if (st.uow.empty() || st.deps.settings.faults.ack_before_commit) {
    rp.deliver(caf::unit);
    return;
  }
  st.uow.then([rp]() mutable { rp.deliver(caf::unit); },
              [rp](const caf::error& err) mutable { rp.deliver(err); });
}

caf::result<void>
on_order_processed(notifications_worker self,
                   const event_batch<order_processed>& events) {
  auto stage = [self](const order_processed& x) {
    stage_message(self, self->state.recipients[x.user], x);
  };
  if (missing_recipient(self, events) == nullptr)
    return consume(self, order_processed_topic, events, stage);
  if (events.size() > max_event_batch)
    return caf::make_error(errc::invalid_argument,
                           "order_processed: too many events in one delivery");
  auto rp = self->make_response_promise();
  apply_then_ack(self,
                 std::make_shared<const event_batch<order_processed>>(events),
                 rp);
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
