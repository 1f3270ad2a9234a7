#pragma once

// Every route's handler (http/routes.cpp maps paths to them). Each parses the
// request, asks one service (ask(), http/handler.hpp) and answers from its
// reply; none includes RESTinio. The services' in service_handlers.cpp, the
// operational ones (health, readiness, metrics, documents, cluster, events)
// in operational_handlers.cpp.

#include "http/exchange.hpp"

namespace shop::http {

struct handler_context;

// -- Users ----------------------------------------------------------------------

/// POST /register: register_user -> 201 {"userId"}.
void post_register(handler_context& ctx, const exchange_ptr& x);

/// POST /login: credentials -> 200 {"token",...}, a token signed here.
void post_login(handler_context& ctx, const exchange_ptr& x);

/// POST /setPassword (operators): set_password -> 200 the user.
void post_set_password(handler_context& ctx, const exchange_ptr& x);

/// GET /getUserInfo?userId=: get -> 200 the user.
void get_user_info(handler_context& ctx, const exchange_ptr& x);

// -- Billing ----------------------------------------------------------------------

/// POST /createAccount: open -> 201 if new, else 200, the account.
void post_create_account(handler_context& ctx, const exchange_ptr& x);

/// GET /myBalance?userId=: balance -> 200 the account.
void get_my_balance(handler_context& ctx, const exchange_ptr& x);

/// POST /deposit: deposit -> 200 the account.
void post_deposit(handler_context& ctx, const exchange_ptr& x);

/// POST /payment: payment -> 200 the outcome.
void post_payment(handler_context& ctx, const exchange_ptr& x);

// -- Orders -----------------------------------------------------------------------

/// GET /items: list -> 200 the catalog.
void get_items(handler_context& ctx, const exchange_ptr& x);

/// POST /createOrder: create_order -> 201 the order.
void post_create_order(handler_context& ctx, const exchange_ptr& x);

/// GET /getOrder?orderId=: get -> 200 the order.
void get_order(handler_context& ctx, const exchange_ptr& x);

// -- Notifications ----------------------------------------------------------------

/// GET /getAllSentMessages?userId=&orderId=&limit=: list -> 200 the messages.
void get_all_sent_messages(handler_context& ctx, const exchange_ptr& x);

// -- operational --------------------------------------------------------------------

/// GET /: the web console.
void get_console(handler_context& ctx, const exchange_ptr& x);

/// GET /events: the live event stream (Server-Sent Events).
void get_events(handler_context& ctx, const exchange_ptr& x);

/// GET /health: 200 as long as the process serves.
void get_health(handler_context& ctx, const exchange_ptr& x);

/// GET /ready: 200 when every service answers on this node, else 503.
void get_ready(handler_context& ctx, const exchange_ptr& x);

/// GET /metrics: the Prometheus text of every metric.
void get_metrics(handler_context& ctx, const exchange_ptr& x);

/// GET /openapi.yaml, GET /asyncapi.yaml: the contracts.
void get_openapi(handler_context& ctx, const exchange_ptr& x);
void get_asyncapi(handler_context& ctx, const exchange_ptr& x);

/// GET /cluster: this node and where every service runs.
void get_cluster(handler_context& ctx, const exchange_ptr& x);

} // namespace shop::http
