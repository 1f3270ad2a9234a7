#include "actors/billing.hpp"

#include <caf/actor_system.hpp>

#include "actors/inbox.hpp"
#include "actors/system.hpp"

namespace shop {

namespace {

/// Publishes the committed balances of the accounts the batch that just
/// committed changed: in memory, they are the committed ones now.
void publish_touched(billing_worker self) {
  auto& st = self->state;
  for (auto user : st.touched)
    st.deps.view->publish(user, st.balances[user]);
  st.touched.clear();
}

void load(billing_worker self) {
  auto& st = self->state;
  auto snap = open_storage(self);
  for (auto& acc : st.repo->load_accounts())
    st.balances.emplace(acc.user, acc.balance);
  if (st.deps.view) {
    for (auto& [user, balance] : st.balances)
      st.deps.view->publish(user, balance);
    st.uow.on_committed([self] { publish_touched(self); });
  }
  st.next_ledger_id = st.repo->max_ledger_id() + 1;
  st.decided_through = st.repo->max_decided_order();
  start_relay(self, order_processed_topic, snap);
  log::info(st.name, "ready: {} accounts, {} events to deliver",
            st.balances.size(), st.relay.backlog());
}

caf::error validate_sum(money sum) {
  if (!sum.is_positive() || sum.cents() > money::max_cents)
    return caf::make_error(errc::invalid_argument,
                           "sum must be positive and at most 10^13");
  return {};
}

bool has_account(billing_worker self, user_id user) {
  return self->state.balances.count(user) > 0;
}

/// Stages opening an account with balance zero.
void stage_open(billing_worker self, user_id user) {
  auto& st = self->state;
  open_batch(self);
  st.balances.emplace(user, money{});
  st.uow.changes().opened.push_back(account{user, money{}});
  if (st.deps.view)
    st.touched.push_back(user);
}

/// Stages a balance movement and applies it to memory. Requires an amount
/// that keeps the balance within [0, max].
void stage_movement(billing_worker self, user_id user, money amount,
                    ledger_kind kind, order_id order) {
  auto& st = self->state;
  open_batch(self);
  auto& balance = st.balances[user];
  balance = money::from_cents(balance.cents() + amount.cents());
  if (st.deps.view)
    st.touched.push_back(user);
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

/// Runs `f` (returning caf::expected<Reply>) once `user` has an account. If
/// Billing has none yet, it asks Users whether the user exists (USER_CREATED
/// may still be on its way) and opens the account on first touch. `await`
/// holds back every other message meanwhile, so a user's operations still
/// apply in arrival order.
template <class Reply, class F>
caf::result<Reply> with_account(billing_worker self, user_id user, F f) {
  if (has_account(self, user))
    return reply_with(self, f(false));
  auto rp = self->make_response_promise<Reply>();
  with_known_user(
    self, user,
    [self, rp, user, f](const shop::user&) mutable {
      auto opened = false;
      if (!has_account(self, user)) {
        stage_open(self, user);
        opened = true;
      }
      deliver_with<Reply>(self, rp, f(opened));
    },
    [rp](caf::error err) mutable {
      if (err == errc::user_not_found)
        err = caf::make_error(errc::account_not_found,
                              "no billing account for this user");
      rp.deliver(std::move(err));
    });
  return rp;
}

caf::expected<account> stage_deposit(billing_worker self, const deposit& cmd) {
  if (auto err = validate_sum(cmd.sum))
    return err;
  auto acc = find_account(self, cmd.user);
  if (!acc)
    return acc;
  if (!checked_add(acc->balance, cmd.sum))
    return caf::make_error(errc::amount_too_large,
                           "the balance would exceed the maximum");
  stage_movement(self, cmd.user, cmd.sum, ledger_kind::deposit, 0);
  return account{cmd.user, self->state.balances[cmd.user]};
}

caf::expected<payment_outcome> stage_payment(billing_worker self,
                                             const payment& cmd) {
  if (auto err = validate_sum(cmd.sum))
    return err;
  auto acc = find_account(self, cmd.user);
  if (!acc)
    return acc.error();
  if (acc->balance < cmd.sum)
    return payment_outcome{cmd.user, payment_result::not_enough_money,
                           acc->balance};
  stage_movement(self, cmd.user, -cmd.sum, ledger_kind::payment, 0);
  return payment_outcome{cmd.user, payment_result::paid,
                         self->state.balances[cmd.user]};
}

/// Decides an order's charge: paid if the balance covers it, else rejected
/// with nothing charged; the decision leaves as ORDER_PROCESSED.
void charge_order(billing_worker self, const order_created& e) {
  auto& st = self->state;
  // Orders numbers orders in the order it publishes them, each once, so an
  // ORDER_CREATED at or below the last decided order is a repeat (a bug
  // upstream): keep the decision. No lookup per order: the watermark is
  // enough, and only a repeat reads storage, for the log.
  if (st.deps.settings.faults.skip_dedup) {
    // Deliberately broken (tests only): no check for an earlier charge.
  } else if (e.order <= st.decided_through) {
    auto done = st.repo->find_charge(e.order);
    log::warning(st.name, "order {} was already decided ({}); ignored", e.order,
                 done ? to_string(done->result) : "not found: out of order");
    return;
  }
  st.decided_through = std::max(st.decided_through, e.order);
  // The account opens on first touch: Orders vouches for the user.
  if (!has_account(self, e.user))
    stage_open(self, e.user);
  order_processed done{0,
                       e.order,
                       e.user,
                       e.sum,
                       payment_result::not_enough_money,
                       e.correlation};
  if (e.sum.is_positive() && st.balances[e.user] >= e.sum) {
    done.result = payment_result::paid;
    stage_movement(self, e.user, -e.sum, ledger_kind::order_charge, e.order);
  }
  st.uow.changes().charges.push_back(done);
  log::debug_fields(st.name, "order decided", [&](auto write) {
    write({{"order", std::to_string(e.order)},
           {"result", to_string(done.result)},
           {"user", std::to_string(e.user)},
           {"sum", to_string(e.sum)},
           {"request", e.correlation}});
  });
  stage_event(self, done, done.order);
}

} // namespace

billing_worker_actor::behavior_type billing_service(billing_worker self,
                                                    billing_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::ping) { return ping_storage(self); },
    [self](atom::open, user_id user) -> caf::result<account, bool> {
      if (has_account(self, user)) {
        if (self->state.uow.empty())
          return {*find_account(self, user), false};
        auto rp = self->make_response_promise<account, bool>();
        self->state.uow.then(
          [self, rp, user]() mutable {
            rp.deliver(*find_account(self, user), false);
          },
          [rp](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      }
      auto rp = self->make_response_promise<account, bool>();
      with_known_user(
        self, user,
        [self, rp, user](const shop::user&) mutable {
          auto created = !has_account(self, user);
          if (created)
            stage_open(self, user);
          auto acc = *find_account(self, user);
          if (self->state.uow.empty()) {
            rp.deliver(acc, created);
            return;
          }
          self->state.uow
            .then([rp, acc, created]() mutable { rp.deliver(acc, created); },
                  [rp](const caf::error& err) mutable { rp.deliver(err); });
        },
        [rp](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](atom::balance, user_id user) -> caf::result<account> {
      return with_account<account>(self, user, [self, user](bool) {
        return find_account(self, user);
      });
    },
    [self](const deposit& cmd) -> caf::result<account> {
      return guarded<account>(self, [&] {
        return with_account<account>(self, cmd.user, [self, cmd](bool) {
          return execute_command<account>(self, "deposit", cmd,
                                          [self](const deposit& x) {
                                            return stage_deposit(self, x);
                                          });
        });
      });
    },
    [self](const payment& cmd) -> caf::result<payment_outcome> {
      return guarded<payment_outcome>(self, [&] {
        return with_account<payment_outcome>(self, cmd.user, [self, cmd](bool) {
          return execute_command<payment_outcome>(self, "payment", cmd,
                                                  [self](const payment& x) {
                                                    return stage_payment(self,
                                                                         x);
                                                  });
        });
      });
    },
    [self](atom::ledger,
           user_id user) -> caf::result<std::vector<ledger_entry>> {
      return read_after_commit<std::vector<
        ledger_entry>>(self,
                       [self,
                        user]() -> caf::expected<std::vector<ledger_entry>> {
                         return self->state.repo->ledger(user);
                       });
    },
    [self](const event_batch<user_created>& events) -> caf::result<void> {
      return consume(self, user_created_topic, events,
                     [self](const user_created& x) {
                       if (!has_account(self, x.user))
                         stage_open(self, x.user);
                     });
    },
    [self](const event_batch<order_created>& events) -> caf::result<void> {
      return guarded<void>(self, [&] {
        return consume(self, order_created_topic, events,
                       [self](const order_created& x) -> caf::error {
                         // Deciding it would publish ORDER_PROCESSED into a
                         // backlog over its bound (actors/load.hpp): Orders'
                         // relay asks again shortly, and its own backlog
                         // makes Orders refuse new orders meanwhile.
                         if (!self->state.relay.accepting())
                           return refuse_overloaded(self, "backlog");
                         charge_order(self, x);
                         return caf::none;
                       });
      });
    },
    [self](atom::flush) { flush(self); },
    [self](atom::retry, const std::string& subscriber) {
      self->state.relay.resume(self, subscriber);
    },
  };
}

caf::actor spawn_billing_worker(caf::actor_system& sys,
                                const service_context& ctx) {
  billing_deps
    deps{ctx.repos.billing,
         ctx.subscribers_as<order_processed_subscriber>(sys,
                                                        order_processed_topic),
         ctx.svc.users, ctx.settings, ctx.svc.balances};
  return ctx.spawn(sys, billing_service, std::move(deps));
}

} // namespace shop
