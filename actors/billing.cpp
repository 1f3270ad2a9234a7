#include "actors/billing.hpp"

#include <caf/actor_system.hpp>

#include "actors/publish.hpp"

namespace shop {

namespace {

void load(billing_worker self) {
  auto& st = self->state;
  st.repo = st.deps.repository();
  for (auto& acc : st.repo->load_accounts())
    st.balances.emplace(acc.user, acc.balance);
  st.next_ledger_id = st.repo->max_ledger_id() + 1;
  log::info(st.name, "ready: {} accounts", st.balances.size());
}

caf::error validate_sum(money sum) {
  if (!sum.is_positive() || sum.cents() > money::max_cents)
    return caf::make_error(errc::invalid_argument,
                           "sum must be positive and at most 10^13");
  return {};
}

/// Stages opening an account with balance zero. Requires an open batch.
void stage_open(billing_worker self, user_id user) {
  auto& st = self->state;
  st.balances.emplace(user, money{});
  st.uow.changes().opened.push_back(account{user, money{}});
}

/// Stages a balance movement and applies it to memory. Requires an open batch
/// and an amount that keeps the balance within [0, max].
void stage_movement(billing_worker self, user_id user, money amount,
                    ledger_kind kind, order_id order) {
  auto& st = self->state;
  auto& balance = st.balances[user];
  balance = money::from_cents(balance.cents() + amount.cents());
  st.uow.changes().entries.push_back(ledger_entry{st.next_ledger_id++, user,
                                                  amount, kind, order, balance,
                                                  now_ms()});
}

caf::expected<account> find_account(billing_worker self, user_id user) {
  auto& balances = self->state.balances;
  if (auto i = balances.find(user); i != balances.end())
    return account{user, i->second};
  return caf::make_error(errc::account_not_found,
                         "no billing account for this user");
}

caf::result<account, bool> open_account(billing_worker self, user_id id) {
  // Note: making a promise takes over the reply, so make it only when the
  // answer comes later.
  auto& st = self->state;
  if (st.balances.count(id) > 0) {
    if (st.uow.empty())
      return {account{id, st.balances[id]}, false};
    // Opened in the open batch: answer once it committed.
    auto rp = self->make_response_promise<account, bool>();
    st.uow.then(
      [self, rp, id]() mutable {
        rp.deliver(account{id, self->state.balances[id]}, false);
      },
      [rp](const caf::error& err) mutable { rp.deliver(err); });
    return rp;
  }
  // Only registered users get accounts: ask Users, then open.
  auto rp = self->make_response_promise<account, bool>();
  self->request(st.deps.users, st.deps.peer_timeout, atom::get_v, id)
    .then(
      [self, rp, id](const user&) mutable {
        auto& st = self->state;
        if (st.balances.count(id) > 0) {
          // Opened meanwhile (USER_CREATED or a concurrent request).
          if (st.uow.empty()) {
            rp.deliver(account{id, st.balances[id]}, false);
            return;
          }
          st.uow.then(
            [self, rp, id]() mutable {
              rp.deliver(account{id, self->state.balances[id]}, false);
            },
            [rp](const caf::error& err) mutable { rp.deliver(err); });
          return;
        }
        open_batch(self);
        stage_open(self, id);
        st.uow.then(
          [rp, id]() mutable { rp.deliver(account{id, money{}}, true); },
          [rp](const caf::error& err) mutable { rp.deliver(err); });
      },
      [rp](caf::error& err) mutable {
        if (err == errc::user_not_found)
          rp.deliver(
            caf::make_error(errc::user_not_found, "no user with this id"));
        else
          rp.deliver(caf::make_error(errc::service_unavailable,
                                     "users service did not answer"));
      });
  return rp;
}

caf::result<account> make_deposit(billing_worker self, const deposit& cmd) {
  if (auto err = validate_sum(cmd.sum))
    return err;
  auto acc = find_account(self, cmd.user);
  if (!acc)
    return std::move(acc.error());
  if (!checked_add(acc->balance, cmd.sum))
    return caf::make_error(errc::amount_too_large,
                           "the balance would exceed the maximum");
  open_batch(self);
  stage_movement(self, cmd.user, cmd.sum, ledger_kind::deposit, 0);
  auto balance = self->state.balances[cmd.user];
  return reply_after_commit<account>(
    self, [user = cmd.user, balance] { return account{user, balance}; });
}

caf::result<payment_outcome> make_payment(billing_worker self,
                                          const payment& cmd) {
  if (auto err = validate_sum(cmd.sum))
    return err;
  auto acc = find_account(self, cmd.user);
  if (!acc)
    return std::move(acc.error());
  if (acc->balance < cmd.sum)
    return read_after_commit<payment_outcome>(
      self, [user = cmd.user, balance = acc->balance]()
              -> caf::expected<payment_outcome> {
        return payment_outcome{user, payment_result::not_enough_money,
                               balance};
      });
  open_batch(self);
  stage_movement(self, cmd.user, -cmd.sum, ledger_kind::payment, 0);
  auto outcome = payment_outcome{cmd.user, payment_result::paid,
                                 self->state.balances[cmd.user]};
  return reply_after_commit<payment_outcome>(self,
                                             [outcome] { return outcome; });
}

caf::result<void> on_user_created(billing_worker self, const user_created& e) {
  if (self->state.balances.count(e.user) == 0) {
    open_batch(self);
    stage_open(self, e.user);
  }
  return ack_after_commit(self, [] {});
}

caf::result<void> on_order_created(billing_worker self,
                                   const order_created& e) {
  auto& st = self->state;
  auto republish = [self](const order_processed& done) {
    return ack_after_commit(self, [self, done] {
      publish(self, self->state.deps.subscribers, done,
              self->state.deps.peer_timeout);
    });
  };
  // A duplicate delivery republishes the decision already taken.
  if (auto i = st.staged_charges.find(e.order); i != st.staged_charges.end())
    return republish(i->second);
  if (auto done = st.repo->find_charge(e.order))
    return republish(*done);
  open_batch(self);
  // The account opens on first touch: an order may overtake USER_CREATED.
  if (st.balances.count(e.user) == 0)
    stage_open(self, e.user);
  order_processed done{e.order, e.user, e.sum, payment_result::not_enough_money};
  if (e.sum.is_positive() && st.balances[e.user] >= e.sum) {
    done.result = payment_result::paid;
    stage_movement(self, e.user, -e.sum, ledger_kind::order_charge, e.order);
  }
  st.uow.changes().charges.push_back(done);
  st.staged_charges.emplace(e.order, done);
  auto result = republish(done);
  st.uow.then([self] { self->state.staged_charges.clear(); },
              [self](const caf::error&) { self->state.staged_charges.clear(); });
  return result;
}

} // namespace

billing_actor::behavior_type billing_service(billing_worker self,
                                             billing_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::open, user_id user) -> caf::result<account, bool> {
      return open_account(self, user);
    },
    [self](atom::balance, user_id user) -> caf::result<account> {
      return read_after_commit<account>(self,
                                        [self, user] { return find_account(self, user); });
    },
    [self](const deposit& cmd) -> caf::result<account> {
      return make_deposit(self, cmd);
    },
    [self](const payment& cmd) -> caf::result<payment_outcome> {
      return make_payment(self, cmd);
    },
    [self](atom::ledger, user_id user) -> caf::result<std::vector<ledger_entry>> {
      return read_after_commit<std::vector<ledger_entry>>(
        self, [self, user]() -> caf::expected<std::vector<ledger_entry>> {
          return self->state.repo->ledger(user);
        });
    },
    [self](const user_created& e) -> caf::result<void> {
      return on_user_created(self, e);
    },
    [self](const order_created& e) -> caf::result<void> {
      return guarded<void>(self, [&] { return on_order_created(self, e); });
    },
    [self](atom::flush) { flush(self); },
  };
}

} // namespace shop
