#include "http/routes.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "common/log.hpp"
#include "common/text.hpp"
#include "http/errors.hpp"
#include "http/handler.hpp"
#include "http/handlers.hpp"
#include "http/server.hpp"
#include "http/tokens.hpp"

namespace shop::http {

const std::vector<route>& routes() {
  using a = access;
  static const std::vector<route> table{
    {"/", "GET", a::anyone, get_console},
    {"/events", "GET", a::operator_only, get_events},
    {"/health", "GET", a::anyone, get_health},
    {"/ready", "GET", a::anyone, get_ready},
    {"/metrics", "GET", a::operator_only, get_metrics},
    {"/openapi.yaml", "GET", a::anyone, get_openapi},
    {"/asyncapi.yaml", "GET", a::anyone, get_asyncapi},
    {"/cluster", "GET", a::operator_only, get_cluster},
    {"/register", "POST", a::anyone, post_register},
    {"/login", "POST", a::anyone, post_login},
    {"/setPassword", "POST", a::operator_only, post_set_password},
    {"/getUserInfo", "GET", a::owner, get_user_info},
    {"/createAccount", "POST", a::owner, post_create_account},
    {"/myBalance", "GET", a::owner, get_my_balance},
    {"/deposit", "POST", a::owner, post_deposit},
    {"/payment", "POST", a::owner, post_payment},
    {"/items", "GET", a::anyone, get_items},
    {"/createOrder", "POST", a::owner, post_create_order},
    {"/getOrder", "GET", a::owner, get_order},
    {"/getAllSentMessages", "GET", a::owner, get_all_sent_messages},
  };
  return table;
}

std::vector<std::pair<std::string, std::string>> route_list() {
  std::vector<std::pair<std::string, std::string>> result;
  for (auto& r : routes())
    result.emplace_back(std::string{r.method}, std::string{r.path});
  return result;
}

std::string_view target_path(std::string_view target) noexcept {
  auto scheme_end = target.find("://");
  if (!target.empty() && target.front() != '/'
      && scheme_end != std::string_view::npos) {
    auto slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? std::string_view{"/"}
                                             : target.substr(slash);
  }
  return target.substr(0, std::min(target.find('?'), target.find('#')));
}

namespace {

/// Whether a Content-Type value is application/json, with or without
/// parameters (RFC 9110 8.3.1: type and subtype are case-insensitive).
bool is_json_media_type(std::string_view value) {
  return text::iequals_ascii(text::trim(value.substr(0, value.find(';'))),
                             "application/json");
}

/// Checks the route's rule and the body's media type, then runs the
/// handler. Credentials come first: a caller who may not use the route
/// learns nothing about what it accepts.
void run_checked(handler_context& ctx, const route& r, const exchange_ptr& x) {
  auto auth
    = ctx.auth.authenticate(x->header_values("Authorization"), unix_seconds());
  auto& who = auth.who;
  switch (r.rule) {
    case access::anyone:
      break;
    case access::owner:
      if (!who.is_user() && !who.is_operator())
        return x->fail(unauthorized(auth));
      break;
    case access::operator_only:
      if (who.is_user())
        return x->fail(forbidden());
      if (!who.is_operator())
        return x->fail(unauthorized(auth));
      break;
  }
  if (auth.invalid)
    log::debug("http", "request {}: credentials refused: {}", x->request_id(),
               auth.why);
  x->authenticated(who);
  if (r.method == "POST" && !x->body().empty()) {
    auto types = x->header_values("Content-Type");
    if (types.size() != 1 || !is_json_media_type(types.front()))
      return x->fail(unsupported_media_type());
  }
  r.handler(ctx, x);
}

void route_request(handler_context& ctx, const exchange_ptr& x) {
  auto path = target_path(x->target());
  auto method = x->method();
  if (method == "HEAD") {
    x->head_only();
    method = "GET";
  }
  if (ctx.stopping)
    return x->fail(shutting_down());
  if (x->body().size() > ctx.opts.limits.max_body_bytes)
    return x->fail(body_too_large(ctx.opts.limits.max_body_bytes));
  std::string allow;
  auto& table = routes();
  for (size_t i = 0; i < table.size(); ++i) {
    auto& r = table[i];
    if (r.path != path)
      continue;
    x->matched(i);
    if (r.method == method)
      return run_checked(ctx, r, x);
    if (!allow.empty())
      allow += ", ";
    allow += r.method;
    if (r.method == "GET")
      allow += ", HEAD";
  }
  if (allow.empty())
    return x->fail(path_not_found(std::string{path}));
  x->fail(method_not_allowed(std::string{x->method()}, std::string{path}),
          allow.c_str());
}

} // namespace

void dispatch(handler_context& ctx, const exchange_ptr& x) {
  try {
    route_request(ctx, x);
  } catch (const std::exception& e) {
    x->fail(internal_error(e.what()));
  }
}

} // namespace shop::http
