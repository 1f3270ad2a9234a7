#pragma once

// The request metrics of the HTTP front: per route (the entries of routes(),
// http/routes.hpp) a latency histogram and a counter per status code, plus
// one entry for the requests no route matched (404, refusals on the wire).

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/metrics.hpp"

namespace shop::http {

/// The metrics of one route: a latency histogram and a counter per status
/// code, created on first use and then found without a lock.
class route_metrics {
public:
  explicit route_metrics(std::string route);

  /// Counts one answer with `status`, given `seconds` after the request.
  void record(uint16_t status, double seconds);

private:
  std::string route_;
  metrics::histogram& latency_;
  std::array<std::atomic<metrics::counter*>, 600> by_status_{};
};

/// The metrics of route `index` (into routes()); unmatched_route() for the
/// requests no route matched. Every route's are created on the first call.
route_metrics& route_metrics_of(size_t index);

/// The index of the catch-all entry: routes().size().
size_t unmatched_route();

} // namespace shop::http
