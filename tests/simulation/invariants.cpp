#include "invariants.hpp"

#include <map>
#include <set>

#include "actors/interfaces.hpp"
#include "actors/users.hpp"

namespace shop::sim {

store_view::store_view(const std::shared_ptr<memory_store>& store) {
  auto f = make_memory_repositories(store);
  users = f.users();
  billing = f.billing();
  orders = f.orders();
  notifications = f.notifications();
}

reliability_snapshot store_view::reliability(const std::string& name) {
  if (name == "users")
    return users->load_reliability();
  if (name == "billing")
    return billing->load_reliability();
  if (name == "orders")
    return orders->load_reliability();
  return notifications->load_reliability();
}

namespace {

std::string str(money x) {
  return to_string(x);
}

/// What storage holds, read once.
struct snapshot {
  std::map<user_id, user> users;
  std::map<user_id, money> balances;
  std::map<user_id, std::vector<ledger_entry>> ledgers;
  std::map<order_id, order> orders;
  std::vector<notification> messages;
};

snapshot read_store(store_view& db) {
  snapshot s;
  for (auto& u : db.users->load_users())
    s.users.emplace(u.id, u);
  for (auto& acc : db.billing->load_accounts()) {
    s.balances.emplace(acc.user, acc.balance);
    s.ledgers.emplace(acc.user, db.billing->ledger(acc.user));
  }
  auto last = db.orders->max_order_id();
  for (order_id id = 1; id <= last; ++id)
    if (auto o = db.orders->find_order(id))
      s.orders.emplace(id, *o);
  s.messages = db.notifications->list(notification_filter{0, 0, 1'000'000});
  return s;
}

/// What the clients were told, indexed.
struct told {
  std::map<user_id, const op_record*> registered;
  /// Every deposit and payment sent, by its (unique) sum in cents.
  std::map<int64_t, const op_record*> deposits;
  std::map<int64_t, const op_record*> payments;
  std::map<order_id, const op_record*> orders;
  std::vector<const op_record*> logins;
};

told index_journal(const world& w) {
  told t;
  for (auto& op : w.journal) {
    switch (op.kind) {
      case op_kind::register_user:
        if (op.registered)
          t.registered.emplace(op.registered->id, &op);
        break;
      case op_kind::deposit:
      case op_kind::key_reuse:
        t.deposits.emplace(op.dep.sum.cents(), &op);
        break;
      case op_kind::payment:
        t.payments.emplace(op.pay.sum.cents(), &op);
        break;
      case op_kind::order:
        if (op.placed)
          t.orders.emplace(op.placed->id, &op);
        break;
      case op_kind::login:
        t.logins.push_back(&op);
        break;
    }
  }
  return t;
}

std::string answer_of(const op_record& op) {
  return op.lanes.empty() ? "nothing" : op.lanes.front().answer;
}

bool succeeded(const op_record& op) {
  return op.registered || op.deposited || op.paid || op.placed || op.logged_in;
}

void check_answers(const world& w, verdict& v) {
  for (auto& op : w.journal) {
    if (!v.expect(!op.gave_up(), "liveness", [&] {
          return op.describe() + " got no definitive answer: " + answer_of(op);
        }))
      continue;
    for (auto& l : op.lanes)
      v.expect(l.answer == op.lanes.front().answer, "idempotency", [&] {
        return op.describe() + " sent twice under one key got two answers: "
               + op.lanes.front().answer + " vs " + l.answer;
      });
    if (op.expect_ok)
      v.expect(succeeded(op), "answers", [&] {
        return op.describe() + " must succeed but got " + answer_of(op);
      });
    if (op.expect_error)
      v.expect(op.refused == op.expect_error, "answers", [&] {
        return op.describe() + " must be refused with "
               + to_string(*op.expect_error) + " but got " + answer_of(op);
      });
    if (op.expect_user != 0 && op.logged_in)
      v.expect(op.logged_in->id == op.expect_user, "answers", [&] {
        return op.describe() + " must name user "
               + std::to_string(op.expect_user) + " but got "
               + render(*op.logged_in);
      });
    if (op.paid && op.paid->result == payment_result::not_enough_money)
      v.expect(op.paid->balance < op.pay.sum, "answers", [&] {
        return op.describe() + " refused for lack of money with balance "
               + str(op.paid->balance);
      });
  }
}

void check_users(const snapshot& s, const told& t, verdict& v) {
  for (auto& [id, u] : s.users) {
    auto i = t.registered.find(id);
    v.expect(i != t.registered.end(), "users", [&] {
      return "user " + render(u) + " exists but no client was told so";
    });
    if (i != t.registered.end())
      v.expect(render(*i->second->registered) == render(u), "users", [&] {
        return i->second->describe() + " was told "
               + render(*i->second->registered) + " but storage holds "
               + render(u);
      });
  }
  for (auto& [id, op] : t.registered)
    v.expect(s.users.count(id) > 0, "users", [&, op = op] {
      return op->describe() + " succeeded but the user is not stored";
    });
}

/// A successful login names the user who registered that email (in any
/// letter case), with the password it was registered with, as stored; a
/// login for an email no registration succeeded for fails. Judged at rest
/// against the whole journal, so it also covers the logins whose outcome
/// was not certain when they started.
void check_logins(const world& w, const snapshot& s, const told& t,
                  verdict& v) {
  std::map<std::string, const op_record*> holder;
  for (auto& [id, op] : t.registered)
    holder.emplace(email_key(op->reg.email), op);
  std::set<std::string> unsure;
  for (auto& op : w.journal)
    if (op.kind == op_kind::register_user && op.gave_up())
      unsure.insert(email_key(op.reg.email));
  for (auto* op : t.logins) {
    auto key = email_key(op->login.email);
    auto i = holder.find(key);
    if (op->logged_in) {
      auto& got = *op->logged_in;
      if (!v.expect(i != holder.end(), "logins", [&] {
            return op->describe() + " logged in as " + render(got)
                   + " but no registration of this email succeeded";
          }))
        continue;
      auto& reg = *i->second;
      v.expect(got.id == reg.registered->id, "logins", [&] {
        return op->describe() + " logged in as " + render(got) + " but "
               + reg.describe() + " registered this email as "
               + render(*reg.registered);
      });
      v.expect(op->login.password == reg.reg.password, "logins", [&] {
        return op->describe() + " logged in with a password other than the "
               + "one of " + reg.describe();
      });
      auto stored = s.users.find(got.id);
      v.expect(stored != s.users.end() && render(stored->second) == render(got),
               "logins", [&] {
                 return op->describe() + " was told " + render(got)
                        + " but storage holds "
                        + (stored == s.users.end() ? std::string{"no such user"}
                                                   : render(stored->second));
               });
    } else if (i == holder.end() && unsure.count(key) == 0 && !op->gave_up()) {
      v.expect(op->refused == errc::invalid_credentials, "logins", [&] {
        return op->describe()
               + " for an email no registration succeeded for must be "
                 "refused with invalid_credentials, got "
               + answer_of(*op);
      });
    }
  }
}

/// Every balance is the sum of its ledger, entry by entry, never negative.
void check_ledgers(const snapshot& s, verdict& v) {
  for (auto& [user, balance] : s.balances) {
    v.expect(s.users.count(user) > 0, "ledger", [&, user = user] {
      return "account " + std::to_string(user) + " has no registered user";
    });
    v.expect(balance.cents() >= 0, "ledger", [&, user = user] {
      return "account " + std::to_string(user)
             + " is negative: " + str(balance);
    });
    int64_t sum = 0;
    for (auto& e : s.ledgers.at(user)) {
      sum += e.amount.cents();
      v.expect(e.balance_after.cents() == sum && sum >= 0, "ledger", [&] {
        return "entry " + std::to_string(e.id) + " of account "
               + std::to_string(user) + " says balance " + str(e.balance_after)
               + " but the entries sum to " + str(money::from_cents(sum));
      });
      auto sign_ok = e.kind == ledger_kind::deposit
                       ? e.amount.cents() > 0 && e.order == 0
                       : e.amount.cents() < 0
                           && (e.order != 0)
                                == (e.kind == ledger_kind::order_charge);
      v.expect(sign_ok, "ledger", [&] {
        return "entry " + std::to_string(e.id) + " (" + to_string(e.kind) + ", "
               + str(e.amount) + ", order " + std::to_string(e.order)
               + ") is malformed";
      });
    }
    v.expect(sum == balance.cents(), "ledger", [&, user = user] {
      return "account " + std::to_string(user) + " holds " + str(balance)
             + " but its ledger sums to " + str(money::from_cents(sum));
    });
  }
}

/// Deposits and payments: each success in the ledger once, with the balance
/// the client was told; nothing else.
void check_movements(const snapshot& s, const told& t, verdict& v) {
  std::map<const op_record*, int> seen;
  for (auto& [user, entries] : s.ledgers)
    for (auto& e : entries) {
      if (e.kind == ledger_kind::order_charge)
        continue;
      auto& sent = e.kind == ledger_kind::deposit ? t.deposits : t.payments;
      auto cents = e.kind == ledger_kind::deposit ? e.amount.cents()
                                                  : -e.amount.cents();
      auto i = sent.find(cents);
      auto what = [&, user = user] {
        return std::string{to_string(e.kind)} + " of " + str(e.amount)
               + " on account " + std::to_string(user);
      };
      if (!v.expect(i != sent.end(), "money",
                    [&] { return what() + " was never sent by any client"; }))
        continue;
      auto& op = *i->second;
      ++seen[&op];
      auto claimed = op.kind == op_kind::payment ? op.pay.user : op.dep.user;
      v.expect(claimed == user, "money", [&] {
        return op.describe() + " landed on account " + std::to_string(user);
      });
      auto ok = op.kind == op_kind::payment
                  ? op.paid && op.paid->result == payment_result::paid
                  : op.deposited.has_value();
      v.expect(ok || op.gave_up(), "money", [&] {
        return op.describe() + " was answered " + answer_of(op)
               + " but is in the ledger: " + what();
      });
      auto told_balance = op.deposited ? op.deposited->balance
                          : op.paid    ? op.paid->balance
                                       : e.balance_after;
      v.expect(!ok || told_balance == e.balance_after, "money", [&] {
        return op.describe() + " told the client balance " + str(told_balance)
               + " but its ledger entry says " + str(e.balance_after);
      });
    }
  for (auto* sent : {&t.deposits, &t.payments})
    for (auto& [cents, op] : *sent) {
      auto ok = op->kind == op_kind::payment
                  ? op->paid && op->paid->result == payment_result::paid
                  : op->deposited.has_value();
      auto n = seen.count(op) > 0 ? seen[op] : 0;
      v.expect(ok ? n == 1 : n <= (op->gave_up() ? 1 : 0), "money",
               [&, op = op] {
                 return op->describe() + " answered " + answer_of(*op)
                        + " is in the " + "ledger " + std::to_string(n)
                        + " time(s)";
               });
    }
}

/// Orders: known to a client, decided, charged once if paid, and notified.
void check_orders(store_view& db, const snapshot& s, const told& t,
                  verdict& v) {
  for (auto& [id, op] : t.orders)
    v.expect(s.orders.count(id) > 0, "orders", [&, op = op] {
      return op->describe() + " was told " + render(*op->placed)
             + " but the order is not stored";
    });
  std::map<order_id, std::vector<const ledger_entry*>> charges;
  for (auto& [user, entries] : s.ledgers)
    for (auto& e : entries)
      if (e.kind == ledger_kind::order_charge)
        charges[e.order].push_back(&e);
  std::map<order_id, std::vector<const notification*>> notes;
  for (auto& n : s.messages)
    notes[n.order].push_back(&n);
  for (auto& [id, o] : s.orders) {
    auto i = t.orders.find(id);
    v.expect(i != t.orders.end(), "orders", [&] {
      return "order " + render(o) + " exists but no client was told so";
    });
    if (i != t.orders.end()) {
      auto told_order = *i->second->placed;
      told_order.status = o.status;
      v.expect(render(told_order) == render(o), "orders", [&] {
        return i->second->describe() + " was told " + render(*i->second->placed)
               + " but storage holds " + render(o);
      });
    }
    v.expect(o.status != order_status::pending, "orders", [&] {
      return "order " + std::to_string(id) + " is still pending";
    });
    auto paid = o.status == order_status::paid;
    auto& cs = charges[id];
    v.expect(cs.size() == (paid ? 1u : 0u), "orders", [&] {
      return "order " + render(o) + " has " + std::to_string(cs.size())
             + " charge(s) in the ledger";
    });
    for (auto* e : cs)
      v.expect(e->amount == -o.sum && e->user == o.user, "orders", [&] {
        return "order " + render(o) + " charged " + str(e->amount)
               + " to account " + std::to_string(e->user);
      });
    auto decided = db.billing->find_charge(id);
    v.expect(decided && (decided->result == payment_result::paid) == paid,
             "orders", [&] {
               return "order " + render(o) + " but Billing's decision is "
                      + (decided ? to_string(decided->result) : "missing");
             });
    auto& ns = notes[id];
    v.expect(ns.size() == 1, "notifications", [&] {
      return "order " + render(o) + " has " + std::to_string(ns.size())
             + " notification(s)";
    });
    for (auto* n : ns) {
      auto u = s.users.find(o.user);
      auto subject_ok = n->subject.find(paid ? "is paid" : "rejected")
                        != std::string::npos;
      v.expect(subject_ok && n->user == o.user && u != s.users.end()
                 && n->email == u->second.email,
               "notifications", [&] {
                 return "order " + render(o) + " notified '" + n->subject
                        + "' to " + n->email;
               });
    }
  }
  for (auto& [id, cs] : charges)
    v.expect(s.orders.count(id) > 0, "orders", [&, id = id] {
      return "a charge for order " + std::to_string(id)
             + " that does not exist";
    });
  for (auto& [id, ns] : notes)
    v.expect(s.orders.count(id) > 0, "notifications", [&, id = id] {
      return "a notification for order " + std::to_string(id)
             + " that does not exist";
    });
}

/// Money is neither created nor destroyed.
/// The outcomes that were certain when the operation started (the edge
/// client's exact-balance and one-cent-short payments and orders).
void check_boundaries(const world& w, const snapshot& s, verdict& v) {
  for (auto& op : w.journal) {
    if (!op.expect_result || op.gave_up())
      continue;
    auto want = *op.expect_result;
    if (op.kind == op_kind::payment) {
      v.expect(op.paid && op.paid->result == want, "boundaries", [&] {
        return op.describe() + " must be " + to_string(want) + ", answered "
               + answer_of(op);
      });
      continue;
    }
    if (!op.placed)
      continue; // [answers] reports it
    auto i = s.orders.find(op.placed->id);
    auto status = want == payment_result::paid ? order_status::paid
                                               : order_status::rejected;
    v.expect(i != s.orders.end() && i->second.status == status, "boundaries",
             [&] {
               return op.describe() + " must end " + to_string(status) + ", is "
                      + (i == s.orders.end() ? std::string{"missing"}
                                             : to_string(i->second.status));
             });
  }
}

void check_conservation(const snapshot& s, verdict& v) {
  int64_t balances = 0;
  for (auto& [user, b] : s.balances)
    balances += b.cents();
  int64_t in = 0;
  int64_t out = 0;
  for (auto& [user, entries] : s.ledgers)
    for (auto& e : entries)
      (e.amount.cents() > 0 ? in : out) += e.amount.cents();
  // The ledger is checked against the clients above; here the totals.
  v.expect(balances == in + out, "conservation", [&] {
    return "balances sum to " + str(money::from_cents(balances))
           + " but deposits minus charges are "
           + str(money::from_cents(in + out));
  });
}

void check_conservation_against_clients(const snapshot& s, const told& t,
                                        verdict& v) {
  int64_t expected = 0;
  for (auto& [cents, op] : t.deposits)
    if (op->deposited)
      expected += cents;
  for (auto& [cents, op] : t.payments)
    if (op->paid && op->paid->result == payment_result::paid)
      expected -= cents;
  for (auto& [id, o] : s.orders)
    if (o.status == order_status::paid)
      expected -= o.sum.cents();
  int64_t balances = 0;
  for (auto& [user, b] : s.balances)
    balances += b.cents();
  v.expect(balances == expected, "conservation", [&] {
    return "balances sum to " + str(money::from_cents(balances))
           + " but successful deposits - paid payments - paid orders = "
           + str(money::from_cents(expected));
  });
}

/// Every event reached every subscriber and was applied: nothing left in an
/// outbox, every cursor and inbox mark at the publisher's last event.
void check_delivery(const world& w, store_view& db, const snapshot& s,
                    verdict& v) {
  struct route {
    const char* publisher;
    const char* topic;
    std::vector<const char*> subscribers;
    size_t events;
  };
  std::vector<route> routes{
    {"users",
     user_created_topic,
     {"billing", "orders", "notifications"},
     s.users.size()},
    {"orders", order_created_topic, {"billing"}, s.orders.size()},
    {"billing",
     order_processed_topic,
     {"orders", "notifications"},
     s.orders.size()},
  };
  for (auto& r : routes) {
    auto pub = db.reliability(r.publisher);
    auto last = pub.max_outbox_seq;
    v.expect(last == static_cast<int64_t>(r.events), "delivery", [&] {
      return std::string{r.publisher} + " published " + std::to_string(last)
             + " " + r.topic + " events for " + std::to_string(r.events)
             + " effects";
    });
    v.expect(pub.outbox.empty(), "delivery", [&] {
      return std::string{r.publisher} + " still has "
             + std::to_string(pub.outbox.size()) + " " + r.topic
             + " events in its outbox";
    });
    for (auto* sub : r.subscribers) {
      auto cursor = pub.cursors.count(sub) ? pub.cursors.at(sub) : 0;
      v.expect(cursor == last, "delivery", [&] {
        return std::string{r.publisher} + "'s relay: " + sub + " acknowledged "
               + r.topic + " up to #" + std::to_string(cursor) + " of #"
               + std::to_string(last);
      });
      // The subscriber also saw the repeats the chaos inserted.
      auto shift = w.seq_shift.find(std::string{r.topic} + "/" + sub);
      auto want = last + (shift == w.seq_shift.end() ? 0 : shift->second);
      auto inbox = db.reliability(sub).inbox;
      auto mark = inbox.count(r.topic) ? inbox.at(r.topic) : 0;
      v.expect(mark == want, "delivery", [&] {
        return std::string{sub} + " applied " + r.topic + " up to #"
               + std::to_string(mark) + " of #" + std::to_string(want);
      });
    }
  }
}

/// The services tell what storage holds.
void check_api(const world& w, const snapshot& s, api& svc, verdict& v) {
  for (auto& [user, balance] : s.balances) {
    auto acc = svc.ask<account>(w.svc.billing, atom::balance_v, user);
    v.expect(acc && *acc && (**acc).balance == balance, "api",
             [&, user = user] {
               return "balance of " + std::to_string(user) + " via the API: "
                      + (!acc   ? "no answer"
                         : *acc ? str((**acc).balance)
                                : svc.render(acc->error()))
                      + ", stored " + str(balance);
             });
    auto ledger
      = svc.ask<std::vector<ledger_entry>>(w.svc.billing, atom::ledger_v, user);
    v.expect(ledger && *ledger
               && (**ledger).size() == s.ledgers.at(user).size(),
             "api", [&, user = user] {
               return "ledger of " + std::to_string(user)
                      + " via the API differs from storage";
             });
  }
  for (auto& [id, o] : s.orders) {
    auto got = svc.ask<order>(w.svc.orders, atom::get_v, id);
    v.expect(got && *got && (**got).status == o.status, "api", [&, id = id] {
      return "order " + std::to_string(id)
             + " via the API differs from storage";
    });
  }
  auto all
    = svc.ask<std::vector<notification>>(w.svc.notifications, atom::list_v,
                                         notification_filter{0, 0, 1'000'000});
  v.expect(all && *all && (**all).size() == s.messages.size(), "api", [&] {
    return std::string{"notifications via the API differ from storage"};
  });
}

} // namespace

void check_invariants(const world& w, store_view& db, api& services,
                      verdict& out) {
  auto s = read_store(db);
  auto t = index_journal(w);
  check_answers(w, out);
  check_users(s, t, out);
  check_logins(w, s, t, out);
  for (auto& [id, u] : s.users)
    out.expect(s.balances.count(id) > 0, "delivery", [&, id = id] {
      return "user " + std::to_string(id) + " has no billing account";
    });
  check_ledgers(s, out);
  check_movements(s, t, out);
  check_orders(db, s, t, out);
  check_boundaries(w, s, out);
  check_conservation(s, out);
  check_conservation_against_clients(s, t, out);
  check_delivery(w, db, s, out);
  // Only ask the services once storage is known to be sane: a read of a
  // user without an account would open one.
  if (out.violations.empty())
    check_api(w, s, services, out);
}

uint64_t digest(store_view& db) {
  auto s = read_store(db);
  uint64_t h = 0x84222325cbf29ce4ULL;
  for (auto& [id, u] : s.users)
    h = mix(h, render(u));
  for (auto& [user, entries] : s.ledgers)
    for (auto& e : entries)
      h = mix(mix(mix(mix(h, static_cast<uint64_t>(e.id)),
                      static_cast<uint64_t>(e.amount.cents())),
                  static_cast<uint64_t>(e.order)),
              static_cast<uint64_t>(e.balance_after.cents()));
  for (auto& [id, o] : s.orders)
    h = mix(h, render(o));
  for (auto& n : s.messages)
    h = mix(h, std::to_string(n.id) + n.email + n.subject + n.body);
  return h;
}

} // namespace shop::sim
