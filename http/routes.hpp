#pragma once

// The route table of the API and the router that picks a request's handler
// (or answers 404, 405, 413 and the 503 of a stopping server itself).

#include <string_view>
#include <vector>

#include "http/auth.hpp"
#include "http/exchange.hpp"

namespace shop::http {

struct handler_context;

/// One endpoint: the exact path, the method ("GET" or "POST"), who may call
/// it and the handler (http/handlers.hpp). The rule comes before the handler
/// so that a route without one does not compile.
struct route {
  std::string_view path;
  std::string_view method;
  access rule;
  void (*handler)(handler_context& ctx, const exchange_ptr& x);
};

/// Every endpoint of the API. Paths are matched exactly.
const std::vector<route>& routes();

/// The path of a request target: origin-form ("/x?q") as it is, and
/// absolute-form ("http://host/x?q", RFC 9112 3.2.2) without its scheme and
/// authority.
std::string_view target_path(std::string_view target) noexcept;

/// Runs the handler for the request, or answers 404/405/413/503 itself, and
/// 401/403 when the route's rule refuses the caller, 415 for a POST body
/// that is not application/json.
/// HEAD runs the GET handler and drops the body. A handler's exception
/// becomes a 500.
void dispatch(handler_context& ctx, const exchange_ptr& x);

} // namespace shop::http
