#include "http/admission.hpp"

#include <utility>

namespace shop::http {

service_gate::service_gate(std::string service, size_t limit)
  : service_(std::move(service)), limit_(limit),
    in_flight_(std::make_shared<std::atomic<size_t>>(0)),
    rejected_in_flight_(overload_rejections(service_, "in_flight")),
    rejected_backlog_(overload_rejections(service_, "backlog")) {
  auto& r = metrics::registry::global();
  auto& gauge = r.get_gauge("actorshop_http_in_flight_requests",
                            "Requests an HTTP front has sent to a service "
                            "and not yet answered, by service.",
                            {{"service", service_}});
  // A later server run of this process registers its own gates again.
  r.on_collect("http_in_flight/" + service_, [n = in_flight_, &gauge] {
    gauge.set(static_cast<double>(n->load()));
  });
}

admission_gates::admission_gates(size_t limit)
  : users("users", limit), billing("billing", limit), orders("orders", limit),
    notifications("notifications", limit) {
}

} // namespace shop::http
