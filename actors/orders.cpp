#include "actors/orders.hpp"

#include <caf/actor_system.hpp>

#include "actors/inbox.hpp"
#include "actors/system.hpp"

namespace shop {

namespace {

void load(orders_worker self) {
  auto& st = self->state;
  auto snap = open_storage(self);
  for (auto& x : st.deps.catalog)
    st.catalog.emplace(x.id, x);
  for (auto id : st.repo->load_known_users())
    st.known_users.insert(id);
  for (auto& o : st.repo->load_pending())
    st.pending.emplace(o.id, std::move(o));
  st.next_id = st.repo->max_order_id() + 1;
  start_relay(self, order_created_topic, snap);
  log::info(st.name,
            "ready: {} items, {} known users, {} pending orders, {} events to "
            "deliver",
            st.catalog.size(), st.known_users.size(), st.pending.size(),
            st.relay.backlog());
}

void stage_known_user(orders_worker self, user_id user) {
  auto& st = self->state;
  if (st.known_users.count(user) > 0)
    return;
  open_batch(self);
  st.known_users.insert(user);
  st.uow.changes().known_users.push_back(user);
}

caf::expected<order> stage_order(orders_worker self, const create_order& cmd) {
  auto& st = self->state;
  if (cmd.quantity < 1 || cmd.quantity > max_quantity)
    return caf::make_error(errc::invalid_argument,
                           "quantity must be between 1 and 1000");
  if (st.known_users.count(cmd.user) == 0)
    return caf::make_error(errc::user_not_found, "no user with this id");
  auto i = st.catalog.find(cmd.item);
  if (i == st.catalog.end())
    return caf::make_error(errc::item_not_found, "no item with this id");
  auto sum = checked_mul(i->second.price, cmd.quantity);
  if (!sum)
    return caf::make_error(errc::amount_too_large,
                           "the order sum exceeds the maximum");
  // ORDER_CREATED would join a backlog over its bound (actors/load.hpp):
  // Billing is behind or away.
  if (!st.relay.accepting())
    return refuse_overloaded(self, "backlog");
  open_batch(self);
  auto now = now_ms();
  order o{st.next_id++,          cmd.user, cmd.item, cmd.quantity, *sum,
          order_status::pending, now,      now};
  st.pending.emplace(o.id, o);
  st.uow.changes().created.push_back(o);
  stage_event(self,
              order_created{0, o.id, o.user, o.item, o.quantity, o.sum,
                            cmd.correlation},
              o.id);
  log::debug_fields(st.name, "order created", [&](auto write) {
    write({{"order", std::to_string(o.id)},
           {"user", std::to_string(o.user)},
           {"sum", to_string(o.sum)},
           {"request", cmd.correlation}});
  });
  return o;
}

caf::result<order> place_order(orders_worker self, const create_order& cmd) {
  auto run = [self, cmd] {
    return execute_command<order>(self, "createOrder", cmd,
                                  [self](const create_order& x) {
                                    return stage_order(self, x);
                                  });
  };
  if (self->state.known_users.count(cmd.user) > 0)
    return reply_with(self, run());
  // USER_CREATED may still be on its way: ask Users (never its tables).
  // `await` holds back other messages, keeping arrival order.
  auto rp = self->make_response_promise<order>();
  with_known_user(
    self, cmd.user,
    [self, rp, cmd, run](const user&) mutable {
      stage_known_user(self, cmd.user);
      deliver_with<order>(self, rp, run());
    },
    [rp](caf::error err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::expected<order> find_order(orders_worker self, order_id id) {
  auto& st = self->state;
  if (auto i = st.pending.find(id); i != st.pending.end())
    return i->second;
  if (auto o = st.repo->find_order(id))
    return std::move(*o);
  return caf::make_error(errc::order_not_found, "no order with this id");
}

/// actorshop_orders_total for a final status, looked up once per process.
metrics::counter& decided(order_status status) {
  auto make = [](order_status s) -> metrics::counter& {
    return metrics::registry::global()
      .get_counter("actorshop_orders_total",
                   "Orders decided, by outcome (committed).",
                   {{"outcome", to_string(s)}});
  };
  static auto& paid = make(order_status::paid);
  static auto& rejected = make(order_status::rejected);
  return status == order_status::paid ? paid : rejected;
}

/// Applies the order's outcome: pending -> paid | rejected, once.
void finish_order(orders_worker self, const order_processed& e) {
  auto& st = self->state;
  auto i = st.pending.find(e.order);
  if (i == st.pending.end()) {
    // Not pending: already final, or never taken. Nothing may change.
    auto known = st.repo->find_order(e.order);
    if (!known)
      log::warning(st.name, "ORDER_PROCESSED for unknown order {} ignored",
                   e.order);
    else
      log::warning(st.name,
                   "ORDER_PROCESSED for order {} ignored: it is already {}",
                   e.order, to_string(known->status));
    return;
  }
  if (i->second.user != e.user || i->second.sum != e.sum)
    log::warning(st.name, "ORDER_PROCESSED for order {} disagrees with it",
                 e.order);
  open_batch(self);
  auto status = e.result == payment_result::paid ? order_status::paid
                                                 : order_status::rejected;
  st.uow.changes().updated.push_back(order_update{e.order, status, now_ms()});
  st.pending.erase(i);
  log::debug_fields(st.name, "order final", [&](auto write) {
    write({{"order", std::to_string(e.order)},
           {"status", to_string(status)},
           {"request", e.correlation}});
  });
  auto& outcomes = decided(status);
  st.uow.then([&outcomes] { outcomes.inc(); }, nullptr);
}

} // namespace

orders_worker_actor::behavior_type orders_service(orders_worker self,
                                                  orders_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::ping) { return ping_storage(self); },
    [self](atom::list) -> std::vector<item> {
      std::vector<item> result;
      for (auto& [id, x] : self->state.catalog)
        result.push_back(x);
      return result;
    },
    [self](const create_order& cmd) -> caf::result<order> {
      return guarded<order>(self, [&] { return place_order(self, cmd); });
    },
    [self](atom::get, order_id id) -> caf::result<order> {
      return read_after_commit<order>(self, [self, id] {
        return find_order(self, id);
      });
    },
    [self](const event_batch<user_created>& events) -> caf::result<void> {
      return consume(self, user_created_topic, events,
                     [self](const user_created& x) {
                       stage_known_user(self, x.user);
                     });
    },
    [self](const event_batch<order_processed>& events) -> caf::result<void> {
      return guarded<void>(self, [&] {
        return consume(self, order_processed_topic, events,
                       [self](const order_processed& x) {
                         finish_order(self, x);
                       });
      });
    },
    [self](atom::flush) { flush(self); },
    [self](atom::retry, const std::string& subscriber) {
      self->state.relay.resume(self, subscriber);
    },
  };
}

caf::actor spawn_orders_worker(caf::actor_system& sys,
                               const service_context& ctx) {
  orders_deps
    deps{ctx.repos.orders, ctx.opts.catalog,
         ctx.subscribers_as<order_created_subscriber>(sys, order_created_topic),
         ctx.svc.users, ctx.settings};
  return ctx.spawn(sys, orders_service, std::move(deps));
}

} // namespace shop
