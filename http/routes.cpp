#include "http/routes.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "http/errors.hpp"
#include "http/handler.hpp"
#include "http/handlers.hpp"
#include "http/server.hpp"

namespace shop::http {

const std::vector<route>& routes() {
  static const std::vector<route> table{
    {"/", "GET", get_console},
    {"/events", "GET", get_events},
    {"/health", "GET", get_health},
    {"/ready", "GET", get_ready},
    {"/metrics", "GET", get_metrics},
    {"/openapi.yaml", "GET", get_openapi},
    {"/asyncapi.yaml", "GET", get_asyncapi},
    {"/cluster", "GET", get_cluster},
    {"/register", "POST", post_register},
    {"/getUserInfo", "GET", get_user_info},
    {"/createAccount", "POST", post_create_account},
    {"/myBalance", "GET", get_my_balance},
    {"/deposit", "POST", post_deposit},
    {"/payment", "POST", post_payment},
    {"/items", "GET", get_items},
    {"/createOrder", "POST", post_create_order},
    {"/getOrder", "GET", get_order},
    {"/getAllSentMessages", "GET", get_all_sent_messages},
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
      return r.handler(ctx, x);
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
