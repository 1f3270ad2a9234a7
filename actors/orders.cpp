#include "actors/orders.hpp"

#include <caf/actor_system.hpp>

#include "actors/publish.hpp"

namespace shop {

namespace {

void load(orders_worker self) {
  auto& st = self->state;
  st.repo = st.deps.repository();
  for (auto& x : st.deps.catalog)
    st.catalog.emplace(x.id, x);
  for (auto id : st.repo->load_known_users())
    st.known_users.insert(id);
  for (auto& o : st.repo->load_pending())
    st.pending.emplace(o.id, std::move(o));
  st.next_id = st.repo->max_order_id() + 1;
  log::info(st.name, "ready: {} items, {} known users, {} pending orders",
            st.catalog.size(), st.known_users.size(), st.pending.size());
}

caf::result<order> place_order(orders_worker self, const create_order& cmd) {
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
  open_batch(self);
  auto now = now_ms();
  order o{st.next_id++, cmd.user,  cmd.item, cmd.quantity,
          *sum,         order_status::pending, now, now};
  st.pending.emplace(o.id, o);
  st.uow.changes().created.push_back(o);
  return reply_after_commit<order>(self, [self, o] {
    publish(self, self->state.deps.subscribers,
            order_created{o.id, o.user, o.item, o.quantity, o.sum},
            self->state.deps.peer_timeout);
    return o;
  });
}

caf::expected<order> find_order(orders_worker self, order_id id) {
  auto& st = self->state;
  if (auto i = st.pending.find(id); i != st.pending.end())
    return i->second;
  if (auto o = st.repo->find_order(id))
    return std::move(*o);
  return caf::make_error(errc::order_not_found, "no order with this id");
}

caf::result<void> on_user_created(orders_worker self, const user_created& e) {
  auto& st = self->state;
  if (st.known_users.count(e.user) == 0) {
    open_batch(self);
    st.known_users.insert(e.user);
    st.uow.changes().known_users.push_back(e.user);
  }
  return ack_after_commit(self, [] {});
}

caf::result<void> on_order_processed(orders_worker self,
                                     const order_processed& e) {
  auto& st = self->state;
  auto i = st.pending.find(e.order);
  if (i == st.pending.end()) {
    // Not pending: a duplicate (already final) or an order we never took.
    // Either way nothing may change.
    auto known = st.repo->find_order(e.order);
    if (!known)
      log::warning(st.name, "ORDER_PROCESSED for unknown order {} ignored",
                   e.order);
    else
      log::debug(st.name, "duplicate ORDER_PROCESSED for order {} ({})",
                 e.order, to_string(known->status));
    return ack_after_commit(self, [] {});
  }
  if (i->second.user != e.user || i->second.sum != e.sum)
    log::warning(st.name, "ORDER_PROCESSED for order {} disagrees with it",
                 e.order);
  open_batch(self);
  auto status = e.result == payment_result::paid ? order_status::paid
                                                 : order_status::rejected;
  st.uow.changes().updated.push_back(order_update{e.order, status, now_ms()});
  st.pending.erase(i);
  return ack_after_commit(self, [] {});
}

} // namespace

orders_actor::behavior_type orders_service(orders_worker self,
                                           orders_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::list) -> std::vector<item> {
      std::vector<item> result;
      for (auto& [id, x] : self->state.catalog)
        result.push_back(x);
      return result;
    },
    [self](const create_order& cmd) -> caf::result<order> {
      return place_order(self, cmd);
    },
    [self](atom::get, order_id id) -> caf::result<order> {
      return read_after_commit<order>(self,
                                      [self, id] { return find_order(self, id); });
    },
    [self](const user_created& e) -> caf::result<void> {
      return on_user_created(self, e);
    },
    [self](const order_processed& e) -> caf::result<void> {
      return guarded<void>(self, [&] { return on_order_processed(self, e); });
    },
    [self](atom::flush) { flush(self); },
  };
}

} // namespace shop
