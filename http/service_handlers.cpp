#include "http/handlers.hpp"

// The handlers of the four services' endpoints: parse the request into a
// command (http/request_parsing.hpp), ask the service, answer from its reply
// (http/responses.hpp); a parse error is answered without asking anyone.

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/balance_view.hpp"
#include "actors/messages.hpp"
#include "http/auth.hpp"
#include "http/handler.hpp"
#include "http/request_parsing.hpp"
#include "http/responses.hpp"
#include "http/tokens.hpp"

namespace shop::http {

namespace {

/// Parses a state-changing command's body with `parse` and attaches the
/// request's Idempotency-Key; on a client error, answers it and returns
/// nullopt. The service stores the key with the effect and replays the reply
/// it gave, so a retry renders exactly like the original answer.
template <class Parse>
auto keyed_command(const exchange_ptr& x, Parse parse)
  -> std::optional<std::decay_t<decltype(*parse(std::string_view{}))>> {
  auto key = parse_idempotency_key(x->header_values(idempotency_key_header));
  if (!key) {
    x->fail(key.error());
    return std::nullopt;
  }
  auto cmd = parse(x->body());
  if (!cmd) {
    x->fail(cmd.error());
    return std::nullopt;
  }
  // Keys are the caller's own: the same key from two users is two keys.
  if (!key->empty())
    cmd->idempotency_key = x->caller().scope() + '/' + *key;
  cmd->correlation = x->request_id();
  return std::move(*cmd);
}

/// The user a request acts for: for a user, themself (a `given` id that
/// is not theirs gets 403); for an operator, `given` (0, absent: 400).
parsed<user_id> acting_user(const exchange_ptr& x, user_id given) {
  auto& who = x->caller();
  if (who.is_user()) {
    if (given != 0 && given != who.user)
      return forbidden();
    return who.user;
  }
  if (given == 0)
    return missing_field("userId");
  return given;
}

/// Scopes `cmd.user` by acting_user; on refusal, answers and returns false.
template <class Command>
bool scope_to_caller(const exchange_ptr& x, Command& cmd) {
  auto user = acting_user(x, cmd.user);
  if (!user) {
    x->fail(user.error());
    return false;
  }
  cmd.user = *user;
  return true;
}

/// keyed_command for a command acting on a user's account: also scopes
/// its user to the caller (scope_to_caller).
template <class Parse>
auto owned_command(const exchange_ptr& x, Parse parse)
  -> decltype(keyed_command(x, parse)) {
  auto cmd = keyed_command(x, parse);
  if (cmd && !scope_to_caller(x, *cmd))
    return std::nullopt;
  return cmd;
}

/// Answers 503 overloaded (and counts it at `gate`) when `load`, a
/// publisher of this node, sheds new work (actors/load.hpp): what the
/// request would start could not be published now. Returns whether it did.
bool refused_for_backlog(const service_load* load, service_gate& gate,
                         const exchange_ptr& x) {
  if (load == nullptr || !load->shedding())
    return false;
  gate.count_backlog_rejection();
  x->fail(overloaded(gate.service()
                     + " sheds load: " + std::to_string(load->backlog())
                     + " events wait for its subscribers"));
  return true;
}

/// The optional id parameter `name` of the query string: 0 when absent.
parsed<int64_t> optional_id_from_query(const exchange_ptr& x,
                                       const char* name) {
  auto params = parse_query(x->query());
  if (!params)
    return params.error();
  if (params->count(name) == 0)
    return int64_t{0};
  return parse_id_param(*params, name);
}

/// The user of an owner route's query string (userId, optional for users).
parsed<user_id> acting_user_from_query(const exchange_ptr& x) {
  auto given = optional_id_from_query(x, "userId");
  if (!given)
    return given.error();
  return acting_user(x, *given);
}

/// Parses the query string and the required id parameter `name`.
parsed<int64_t> id_from_query(const exchange_ptr& x, const char* name) {
  auto params = parse_query(x->query());
  if (!params)
    return params.error();
  return parse_id_param(*params, name);
}

} // namespace

// -- Users --------------------------------------------------------------------

void post_register(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_register);
  if (!cmd || refused_for_backlog(ctx.load_of("users"), ctx.gates.users, x))
    return;
  ask(
    ctx, x, &ctx.gates.users, ctx.svc.users,
    [x](user& u) { x->reply(201, registered_json(u)); }, std::move(*cmd));
}

void post_login(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = parse_login(x->body());
  if (!cmd)
    return x->fail(cmd.error());
  if (!enter(ctx.gates.users, x))
    return;
  auto key = email_key(cmd->email);
  auto address = x->remote_address();
  if (auto wait
      = ctx.throttle.admit(key, address, std::chrono::steady_clock::now()))
    return x->fail(too_many_attempts(wait));
  // Users checks the password on its hashing pool and answers the user;
  // this front signs the token with the key every front shares. The
  // attempt admitted above ends here, whatever the answer.
  using outcome = login_throttle::outcome;
  auto timeout = ctx.opts.request_timeout;
  auto* c = &ctx;
  ctx.sys.spawn<caf::hidden>(
    [x, c, timeout, key = std::move(key), address = std::move(address),
     cmd = std::move(*cmd)](caf::event_based_actor* self) mutable {
      self->request(c->svc.users, timeout, std::move(cmd))
        .then(
          [x, c, key, address](user& u) {
            c->throttle.finished(key, address, outcome::succeeded,
                                 std::chrono::steady_clock::now());
            auto& tokens = c->auth.tokens();
            x->reply(200, login_json(tokens.issue(u.id, unix_seconds()),
                                     tokens.ttl_seconds(), u.id));
          },
          [x, c, key, address](caf::error& err) {
            c->throttle.finished(key, address,
                                 err == errc::invalid_credentials
                                   ? outcome::failed
                                   : outcome::undecided,
                                 std::chrono::steady_clock::now());
            x->fail(from_service_error(err));
          });
    });
}

void post_set_password(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = parse_set_password(x->body());
  if (!cmd)
    return x->fail(cmd.error());
  ask(
    ctx, x, &ctx.gates.users, ctx.svc.users,
    [x](user& u) { x->reply(200, user_json(u)); }, std::move(*cmd));
}

void get_user_info(handler_context& ctx, const exchange_ptr& x) {
  auto id = acting_user_from_query(x);
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, &ctx.gates.users, ctx.svc.users,
    [x](user& u) { x->reply(200, user_json(u)); }, atom::get_v, *id);
}

// -- Billing ------------------------------------------------------------------

void post_create_account(handler_context& ctx, const exchange_ptr& x) {
  // The body is optional: the token says whose account it is (an
  // operator without one gets missing_field below).
  auto given = x->body().empty() ? parsed<user_id>{user_id{0}}
                                 : parse_create_account(x->body());
  if (!given)
    return x->fail(given.error());
  auto id = acting_user(x, *given);
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, &ctx.gates.billing, ctx.svc.billing,
    [x](account& acc, bool created) {
      x->reply(created ? 201 : 200, account_json(acc));
    },
    atom::open_v, *id);
}

void get_my_balance(handler_context& ctx, const exchange_ptr& x) {
  auto id = acting_user_from_query(x);
  if (!id)
    return x->fail(id.error());
  // Billing's read model answers on this thread; an account it does not
  // hold (none yet, or Billing runs on another node) is Billing's to answer.
  if (ctx.svc.balances)
    if (auto balance = ctx.svc.balances->find(*id))
      return x->reply(200, account_json(account{*id, *balance}));
  ask(
    ctx, x, &ctx.gates.billing, ctx.svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, atom::balance_v,
    *id);
}

void post_deposit(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = owned_command(x, parse_deposit);
  if (!cmd)
    return;
  ask(
    ctx, x, &ctx.gates.billing, ctx.svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, *cmd);
}

void post_payment(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = owned_command(x, parse_payment);
  if (!cmd)
    return;
  ask(
    ctx, x, &ctx.gates.billing, ctx.svc.billing,
    [x](payment_outcome& out) { x->reply(200, payment_json(out)); }, *cmd);
}

// -- Orders -------------------------------------------------------------------

void get_items(handler_context& ctx, const exchange_ptr& x) {
  ask(
    ctx, x, &ctx.gates.orders, ctx.svc.orders,
    [x](std::vector<item>& xs) { x->reply(200, items_json(xs)); },
    atom::list_v);
}

void post_create_order(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = owned_command(x, parse_create_order);
  if (!cmd || refused_for_backlog(ctx.load_of("orders"), ctx.gates.orders, x))
    return;
  ask(
    ctx, x, &ctx.gates.orders, ctx.svc.orders,
    [x](order& o) { x->reply(201, created_order_json(o)); }, *cmd);
}

void get_order(handler_context& ctx, const exchange_ptr& x) {
  auto id = id_from_query(x, "orderId");
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, &ctx.gates.orders, ctx.svc.orders,
    [x, id = *id](order& o) {
      // Another user's order does not exist for this caller: the same
      // answer as an unknown id, so ids reveal nothing.
      auto& who = x->caller();
      if (who.is_user() && o.user != who.user)
        return x->fail(from_service_error(
          caf::make_error(errc::order_not_found, "no order with this id")));
      x->reply(200, order_json(o));
    },
    atom::get_v, *id);
}

// -- Notifications ------------------------------------------------------------

void get_all_sent_messages(handler_context& ctx, const exchange_ptr& x) {
  auto params = parse_query(x->query());
  if (!params)
    return x->fail(params.error());
  auto filter = parse_messages_query(*params);
  if (!filter)
    return x->fail(filter.error());
  // A user sees their own messages only; an operator everyone's unless a
  // userId narrows it.
  if (auto& who = x->caller(); who.is_user()) {
    if (filter->user != 0 && filter->user != who.user)
      return x->fail(forbidden());
    filter->user = who.user;
  }
  ask(
    ctx, x, &ctx.gates.notifications, ctx.svc.notifications,
    [x](std::vector<notification>& xs) {
      x->reply(200, notifications_json(xs));
    },
    atom::list_v, *filter);
}

} // namespace shop::http
