#include "http/route_metrics.hpp"

// Every route's metrics are registered together on first use, so GET
// /metrics lists each route as soon as the server has answered anything.

#include <memory>
#include <utility>
#include <vector>

#include "http/routes.hpp"

namespace shop::http {

route_metrics::route_metrics(std::string route)
  : route_(std::move(route)),
    latency_(metrics::registry::global().get_histogram(
      "actorshop_http_request_duration_seconds",
      "Time from receiving an HTTP request to handing its response to the "
      "server, by route.",
      {{"route", route_}})) {
}

void route_metrics::record(uint16_t status, double seconds) {
  latency_.observe(seconds);
  auto& slot = by_status_[status < by_status_.size() ? status : 0];
  auto* c = slot.load(std::memory_order_acquire);
  if (c == nullptr) {
    // Racing threads get the same counter from the registry.
    c = &metrics::registry::global()
           .get_counter("actorshop_http_requests_total",
                        "HTTP requests answered, by route and status code.",
                        {{"route", route_},
                         {"status", std::to_string(status)}});
    slot.store(c, std::memory_order_release);
  }
  c->inc();
}

route_metrics& route_metrics_of(size_t index) {
  static std::vector<std::unique_ptr<route_metrics>> all = [] {
    std::vector<std::unique_ptr<route_metrics>> xs;
    for (auto& r : routes())
      xs.push_back(std::make_unique<route_metrics>(std::string{r.path}));
    xs.push_back(std::make_unique<route_metrics>("unmatched"));
    return xs;
  }();
  return *all[index];
}

size_t unmatched_route() {
  return routes().size();
}

} // namespace shop::http
