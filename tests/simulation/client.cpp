#include "client.hpp"

#include <algorithm>
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/interfaces.hpp"

namespace shop::sim {

namespace {

using namespace std::chrono_literals;

/// How long a client waits for an answer before it retries.
constexpr auto request_timeout = 300ms;

/// Items no catalog has, users no one registered.
constexpr item_id unknown_item = 77;
constexpr user_id first_unknown_user = 900'000;

struct client_state {
  world* w = nullptr;
  int index = 0;
  /// Walks the money boundaries (spawn_edge_client) with this order.
  bool edge = false;
  item_id edge_item = 0;
  int32_t edge_quantity = 1;
  money edge_total;
  size_t planned = 0;
  size_t finished = 0;
  /// Journal index of the operation in progress.
  size_t current = 0;
  /// The client's first registration just succeeded: log in next.
  bool login_due = false;

  static inline const char* name = "sim-client";
};

using client_ptr = caf::stateful_actor<client_state>*;

std::string own_email(int client) {
  return "c" + std::to_string(client) + "@sim.test";
}

/// A user for a deposit, payment or order: mostly the client's own, often
/// another client's (several clients then race on one account), sometimes
/// one nobody registered. Sets `known` accordingly.
user_id pick_user(world& w, int client, bool& known) {
  auto own = w.own_user[static_cast<size_t>(client)];
  auto r = w.rng.below(100);
  known = true;
  if (r < 10 || w.known_users.empty()) {
    known = false;
    return first_unknown_user + static_cast<user_id>(w.rng.below(1000));
  }
  if (r < 70 && own != 0)
    return own;
  return w.known_users[w.rng.below(w.known_users.size())].id;
}

/// Every sum is unique in its scenario (the op id is in its cents), so each
/// ledger entry can be traced back to the one operation that caused it.
money unique_sum(world& w, int64_t max_tens, size_t op) {
  return money::from_cents(w.rng.between(1, max_tens) * 1000
                           + static_cast<int64_t>(op));
}

void make_register(world& w, op_record& op, size_t n) {
  op.kind = op_kind::register_user;
  auto clients = static_cast<uint64_t>(w.own_user.size());
  if (n == 0) {
    op.reg.email = own_email(op.client);
  } else if (w.rng.chance(0.4)) {
    // Another client's address: one of the two racing gets email_taken.
    op.reg.email = own_email(static_cast<int>(w.rng.below(clients)));
  } else {
    op.reg.email
      = "c" + std::to_string(op.client) + "-" + std::to_string(n) + "@sim.test";
    op.expect_ok = true;
  }
  op.reg.name = "Client " + std::to_string(op.client);
  op.reg.password = "password of client " + std::to_string(op.client);
  op.reg.idempotency_key = op.key;
}

void make_order(world& w, op_record& op, user_id user, bool known) {
  op.kind = op_kind::order;
  op.ord.user = user;
  auto r = w.rng.below(100);
  op.ord.item = r < 50 ? 3 : r < 80 ? 2 : 1;
  op.ord.quantity
    = w.rng.chance(0.05) ? 1000 : static_cast<int32_t>(w.rng.between(1, 3));
  op.expect_ok = known;
  if (!known) {
    op.expect_error = errc::user_not_found;
  } else if (w.rng.chance(0.06)) {
    op.ord.item = unknown_item;
    op.expect_ok = false;
    op.expect_error = errc::item_not_found;
  } else if (w.rng.chance(0.03)) {
    op.ord.quantity = 0;
    op.expect_ok = false;
    op.expect_error = errc::invalid_argument;
  }
  op.ord.idempotency_key = op.key;
}

/// `email` with some letters in the other case (email_key folds ASCII).
std::string mixed_case(world& w, std::string email) {
  for (auto& c : email) {
    if (c >= 'a' && c <= 'z' && w.rng.chance(0.5))
      c = static_cast<char>(c - 'a' + 'A');
    else if (c >= 'A' && c <= 'Z' && w.rng.chance(0.5))
      c = static_cast<char>(c - 'A' + 'a');
  }
  return email;
}

/// Sets what a login must be answered, from this client's own registrations
/// (all finished: a client runs one operation at a time). Every client has
/// a password of its own, so `cmd` can only match an email this client
/// registered with that password: its user, if the registration succeeded.
/// If one of those registrations gave up, it may or may not have happened:
/// no expectation. Otherwise nobody holds this email with this password
/// (another client, the edge client or nobody registered it; an email in
/// flight elsewhere is registered with another password): refused.
void expect_login(world& w, op_record& op) {
  auto key = email_key(op.login.email);
  bool unsure = false;
  for (auto& r : w.journal) {
    if (r.client != op.client || r.kind != op_kind::register_user
        || email_key(r.reg.email) != key || r.reg.password != op.login.password)
      continue;
    if (r.registered) {
      op.expect_ok = true;
      op.expect_user = r.registered->id;
      return;
    }
    unsure = unsure || r.gave_up();
  }
  if (!unsure)
    op.expect_error = errc::invalid_credentials;
}

/// A login: the client's own email (sometimes in another letter case) and
/// password; except right after its registration (`first`), sometimes a
/// wrong password for it, or another client's email (or one nobody
/// registered) with the client's password.
void make_login(world& w, op_record& op, bool first) {
  op.kind = op_kind::login;
  auto own = w.own_user[static_cast<size_t>(op.client)];
  auto password = "password of client " + std::to_string(op.client);
  // The email of one of this client's successful registrations (the first
  // one, its own user, most of the time).
  std::vector<const op_record*> mine;
  for (auto& r : w.journal)
    if (r.client == op.client && r.kind == op_kind::register_user
        && r.registered)
      mine.push_back(&r);
  std::string email = own_email(op.client);
  for (auto* r : mine)
    if (r->registered->id == own)
      email = r->reg.email;
  if (mine.size() > 1 && w.rng.chance(0.3))
    email = mine[w.rng.below(mine.size())]->reg.email;
  auto r = first ? 100 : w.rng.below(100);
  if (r < 15) {
    // A wrong password: near misses (case, a space, a suffix) and one too
    // short to be any password. None is another client's.
    static const char* variants[]
      = {"Password of client ", "wrong ", "short", ""};
    auto v = w.rng.below(4);
    password = v == 0   ? variants[0] + std::to_string(op.client)
               : v == 1 ? variants[1] + password
               : v == 2 ? std::string{variants[2]}
                        : password + " ";
  } else if (r < 35) {
    // Someone else's email with this client's password.
    auto clients = w.own_user.size();
    auto pick = w.rng.below(100);
    if (pick < 40) {
      auto k = w.rng.below(clients);
      email = k + 1 == clients ? "edge" + std::to_string(k) + "@sim.test"
                               : own_email(static_cast<int>(k));
    } else if (pick < 80 && !w.known_users.empty()) {
      email = w.known_users[w.rng.below(w.known_users.size())].email;
    } else {
      email = "nobody" + std::to_string(w.rng.below(1000)) + "@sim.test";
    }
  }
  op.login
    = credentials{w.rng.chance(0.3) ? mixed_case(w, email) : email, password};
  expect_login(w, op);
}

/// An earlier deposit of this client that succeeded, if any.
const op_record* earlier_deposit(world& w, int client) {
  for (auto i = w.journal.rbegin(); i != w.journal.rend(); ++i)
    if (i->client == client && i->kind == op_kind::deposit && i->deposited)
      return &*i;
  return nullptr;
}

/// Step `n` of the edge client's script. Its sums are exact prices, not
/// unique_sum's: still unique in the scenario, as those are >= 10.00 and end
/// in the op id (< 499), while prices end in 00 or 500 cents and the script
/// only adds or takes one cent.
op_record make_edge_op(world& w, const client_state& st, size_t n) {
  op_record op;
  op.id = w.journal.size();
  op.client = st.index;
  op.key = "e" + std::to_string(st.index) + "-op" + std::to_string(n);
  op.lanes.resize(1);
  op.expect_ok = true;
  auto user = w.own_user[static_cast<size_t>(st.index)];
  auto total = st.edge_total;
  auto cent = money::from_cents(1);
  auto dep = [&](money sum) {
    op.kind = op_kind::deposit;
    op.dep = deposit{user, sum, op.key};
  };
  auto pay = [&](money sum, payment_result expected) {
    op.kind = op_kind::payment;
    op.pay = payment{user, sum, op.key};
    op.expect_result = expected;
  };
  auto place = [&](payment_result expected) {
    op.kind = op_kind::order;
    op.ord = create_order{user, st.edge_item, st.edge_quantity, op.key};
    op.expect_result = expected;
  };
  switch (n) {
    case 0:
      op.kind = op_kind::register_user;
      op.reg = register_user{};
      op.reg.email = "edge" + std::to_string(st.index) + "@sim.test";
      op.reg.name = "Edge";
      op.reg.password = "edge password";
      op.reg.idempotency_key = op.key;
      break;
    case 1:
      dep(total);
      break; // = price
    case 2:
      place(payment_result::paid);
      break; // -> 0
    case 3:
      dep(money::from_cents(total.cents() - 1));
      break; // 1 cent short
    case 4:
      place(payment_result::not_enough_money);
      break;
    case 5:
      dep(cent);
      break; // = price
    case 6:
      pay(total, payment_result::paid);
      break; // -> 0
    default:
      pay(cent, payment_result::not_enough_money);
      break;
  }
  return op;
}

op_record make_op(world& w, client_state& st, size_t n) {
  auto client = st.index;
  op_record op;
  op.id = w.journal.size();
  op.client = client;
  op.key = "c" + std::to_string(client) + "-op" + std::to_string(n);
  auto own = w.own_user[static_cast<size_t>(client)];
  auto r = w.rng.below(100);
  if (st.login_due) {
    st.login_due = false;
    make_login(w, op, true);
  } else if (n == 0 || r < 4 || (own == 0 && r < 30)) {
    make_register(w, op, n);
  } else if (r < 8 && earlier_deposit(w, client) != nullptr) {
    auto* first = earlier_deposit(w, client);
    op.kind = op_kind::key_reuse;
    op.key = first->key;
    op.dep = deposit{first->dep.user, unique_sum(w, 50, op.id), op.key};
    op.expect_error = errc::idempotency_key_reused;
  } else if (r >= 8 && r < 14 && own != 0) {
    // And now and then again, as a returning client would.
    make_login(w, op, false);
  } else {
    bool known = false;
    auto user = pick_user(w, client, known);
    if (r < 45) {
      op.kind = op_kind::deposit;
      op.dep = deposit{user, unique_sum(w, 100, op.id), op.key};
    } else if (r < 60) {
      op.kind = op_kind::payment;
      op.pay = payment{user, unique_sum(w, 60, op.id), op.key};
    } else {
      make_order(w, op, user, known);
    }
    if (op.kind != op_kind::order) {
      op.expect_ok = known;
      if (!known)
        op.expect_error = errc::account_not_found;
    }
  }
  // A double submit: the same request twice at once, under one key.
  auto lanes = op.kind != op_kind::key_reuse && w.rng.chance(0.1) ? 2 : 1;
  op.lanes.resize(static_cast<size_t>(lanes));
  return op;
}

bool is_transient(const caf::error& err) {
  if (err.category() != caf::atom("shop"))
    return true; // timeouts, receivers down: the network's doing
  auto code = static_cast<errc>(err.code());
  // overloaded: Users' hashing pool is full (an HTTP 503), try again later.
  return code == errc::service_unavailable || code == errc::storage_failure
         || code == errc::out_of_order || code == errc::overloaded;
}

void begin_op(client_ptr self);
void await_decision(client_ptr self, order_id id);

void finish_lane(client_ptr self, size_t lane, std::string answer) {
  auto& st = self->state;
  auto& w = *st.w;
  auto& op = w.journal[st.current];
  auto& l = op.lanes[lane];
  l.done = true;
  l.answer = std::move(answer);
  w.note(op.describe() + " lane " + std::to_string(lane) + " -> " + l.answer
         + " after " + std::to_string(l.attempts) + " attempt(s)");
  if (!op.done())
    return;
  ++w.stats.operations;
  if (op.kind == op_kind::login)
    ++w.stats.logins;
  for (auto& x : op.lanes) {
    w.stats.attempts += static_cast<uint64_t>(x.attempts);
    w.trace = mix(w.trace, x.answer);
  }
  ++st.finished;
  if (st.edge) {
    // The script's next step relies on this one: stop when it failed.
    if (!op.expect_ok || op.gave_up() || op.refused)
      st.finished = st.planned;
    else if (op.kind == op_kind::order && op.placed)
      return await_decision(self, op.placed->id);
  }
  // A little think time between operations.
  self->delayed_send(self, std::chrono::milliseconds(w.rng.below(4)),
                     atom::start_v);
}

/// Asks for the order until it is decided, then starts the next operation.
void await_decision(client_ptr self, order_id id) {
  auto& w = *self->state.w;
  self->request(w.svc.orders, request_timeout, atom::get_v, id)
    .then(
      [self, id](const order& o) {
        if (o.status == order_status::pending)
          self->delayed_send(self, 20ms, atom::get_v, id);
        else
          self->delayed_send(self, 1ms, atom::start_v);
      },
      [self, id](caf::error&) {
        self->delayed_send(self, 20ms, atom::get_v, id);
      });
}

/// The first definitive answer is the operation's answer.
template <class Reply>
void on_reply(client_ptr self, size_t lane, Reply& reply) {
  auto& w = *self->state.w;
  auto& op = w.journal[self->state.current];
  if (!op.answered()) {
    if constexpr (std::is_same_v<Reply, user>) {
      if (op.kind == op_kind::login) {
        op.logged_in = reply;
        return finish_lane(self, lane, render(reply));
      }
      op.registered = reply;
      // The edge client's account is its own: nobody else may move it.
      if (!self->state.edge)
        w.known_users.push_back(reply);
      auto& own = w.own_user[static_cast<size_t>(op.client)];
      if (own == 0 && !self->state.edge) {
        own = reply.id;
        // A real client logs in once it has an account: one more operation.
        self->state.login_due = true;
        ++self->state.planned;
      } else if (own == 0) {
        own = reply.id;
      }
    } else if constexpr (std::is_same_v<Reply, account>) {
      op.deposited = reply;
    } else if constexpr (std::is_same_v<Reply, payment_outcome>) {
      op.paid = reply;
    } else {
      op.placed = reply;
    }
  }
  finish_lane(self, lane, render(reply));
}

void on_error(client_ptr self, size_t lane, const caf::error& err) {
  auto& w = *self->state.w;
  auto& op = w.journal[self->state.current];
  auto& l = op.lanes[lane];
  if (!is_transient(err)) {
    auto code = static_cast<errc>(err.code());
    if (!op.answered())
      op.refused = code;
    finish_lane(self, lane, std::string{"error:"} + to_string(code));
    return;
  }
  if (l.attempts >= max_attempts) {
    l.gave_up = true;
    finish_lane(self, lane, "gave up: " + self->system().render(err));
    return;
  }
  // Exponential backoff with jitter, in simulated time.
  auto base = 10ms * (1 << std::min(l.attempts, 5));
  auto delay = base + std::chrono::milliseconds(w.rng.below(10));
  self->delayed_send(self, delay, atom::retry_v, std::to_string(lane));
}

template <class Reply, class Handle, class Command>
void send(client_ptr self, size_t lane, const Handle& dest,
          const Command& cmd) {
  self->request(dest, request_timeout, cmd)
    .then([self, lane](Reply& reply) { on_reply(self, lane, reply); },
          [self, lane](caf::error& err) { on_error(self, lane, err); });
}

void attempt(client_ptr self, size_t lane) {
  auto& w = *self->state.w;
  auto& op = w.journal[self->state.current];
  ++op.lanes[lane].attempts;
  switch (op.kind) {
    case op_kind::register_user:
      send<user>(self, lane, w.svc.users, op.reg);
      break;
    case op_kind::deposit:
    case op_kind::key_reuse:
      send<account>(self, lane, w.svc.billing, op.dep);
      break;
    case op_kind::payment:
      send<payment_outcome>(self, lane, w.svc.billing, op.pay);
      break;
    case op_kind::order:
      send<order>(self, lane, w.svc.orders, op.ord);
      break;
    case op_kind::login:
      send<user>(self, lane, w.svc.users, op.login);
      break;
  }
}

void begin_op(client_ptr self) {
  auto& st = self->state;
  auto& w = *st.w;
  if (st.finished == st.planned) {
    ++w.clients_done;
    w.note("client " + std::to_string(st.index) + " done");
    self->quit();
    return;
  }
  auto op = st.edge ? make_edge_op(w, st, st.finished)
                    : make_op(w, st, st.finished);
  st.current = op.id;
  w.note("client " + std::to_string(st.index) + " starts " + op.describe()
         + (op.lanes.size() > 1 ? " twice at once" : ""));
  w.journal.push_back(std::move(op));
  for (size_t lane = 0; lane < w.journal[st.current].lanes.size(); ++lane)
    attempt(self, lane);
}

caf::behavior client(client_ptr self, world* w, int index, size_t ops) {
  self->state.w = w;
  self->state.index = index;
  self->state.planned = ops;
  // Clients start a little apart.
  self->delayed_send(self, std::chrono::milliseconds(w->rng.below(10)),
                     atom::start_v);
  return {
    [self](atom::start) { begin_op(self); },
    [self](atom::retry, const std::string& lane) {
      attempt(self, std::stoul(lane));
    },
    [self](atom::get, order_id id) { await_decision(self, id); },
  };
}

caf::behavior edge_client(client_ptr self, world* w, int index) {
  auto& st = self->state;
  st.edge = true;
  auto catalog = sim_catalog();
  auto& x = catalog[w->rng.below(catalog.size())];
  st.edge_item = x.id;
  st.edge_quantity = static_cast<int32_t>(w->rng.between(1, 3));
  st.edge_total = *checked_mul(x.price, st.edge_quantity);
  return client(self, w, index, 8);
}

} // namespace

caf::actor spawn_client(caf::actor_system& sys, world& w, int index,
                        size_t ops) {
  return sys.spawn(client, &w, index, ops);
}

caf::actor spawn_edge_client(caf::actor_system& sys, world& w, int index) {
  return sys.spawn(edge_client, &w, index);
}

} // namespace shop::sim
