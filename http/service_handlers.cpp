#include "http/handlers.hpp"

// The handlers of the four services' endpoints: parse the request into a
// command (http/request_parsing.hpp), ask the service, answer from its reply
// (http/responses.hpp); a parse error is answered without asking anyone.

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/messages.hpp"
#include "http/handler.hpp"
#include "http/request_parsing.hpp"
#include "http/responses.hpp"

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
  cmd->idempotency_key = std::move(*key);
  cmd->correlation = x->request_id();
  return std::move(*cmd);
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
  if (!cmd)
    return;
  ask(
    ctx, x, ctx.svc.users, [x](user& u) { x->reply(201, registered_json(u)); },
    std::move(*cmd));
}

void get_user_info(handler_context& ctx, const exchange_ptr& x) {
  auto id = id_from_query(x, "userId");
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, ctx.svc.users, [x](user& u) { x->reply(200, user_json(u)); },
    atom::get_v, *id);
}

// -- Billing ------------------------------------------------------------------

void post_create_account(handler_context& ctx, const exchange_ptr& x) {
  auto id = parse_create_account(x->body());
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, ctx.svc.billing,
    [x](account& acc, bool created) {
      x->reply(created ? 201 : 200, account_json(acc));
    },
    atom::open_v, *id);
}

void get_my_balance(handler_context& ctx, const exchange_ptr& x) {
  auto id = id_from_query(x, "userId");
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, ctx.svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, atom::balance_v,
    *id);
}

void post_deposit(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_deposit);
  if (!cmd)
    return;
  ask(
    ctx, x, ctx.svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, *cmd);
}

void post_payment(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_payment);
  if (!cmd)
    return;
  ask(
    ctx, x, ctx.svc.billing,
    [x](payment_outcome& out) { x->reply(200, payment_json(out)); }, *cmd);
}

// -- Orders -------------------------------------------------------------------

void get_items(handler_context& ctx, const exchange_ptr& x) {
  ask(
    ctx, x, ctx.svc.orders,
    [x](std::vector<item>& xs) { x->reply(200, items_json(xs)); },
    atom::list_v);
}

void post_create_order(handler_context& ctx, const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_create_order);
  if (!cmd)
    return;
  ask(
    ctx, x, ctx.svc.orders,
    [x](order& o) { x->reply(201, created_order_json(o)); }, *cmd);
}

void get_order(handler_context& ctx, const exchange_ptr& x) {
  auto id = id_from_query(x, "orderId");
  if (!id)
    return x->fail(id.error());
  ask(
    ctx, x, ctx.svc.orders, [x](order& o) { x->reply(200, order_json(o)); },
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
  ask(
    ctx, x, ctx.svc.notifications,
    [x](std::vector<notification>& xs) {
      x->reply(200, notifications_json(xs));
    },
    atom::list_v, *filter);
}

} // namespace shop::http
