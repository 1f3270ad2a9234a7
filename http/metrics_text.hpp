#pragma once

// The Prometheus text exposition format (version 0.0.4) of the process'
// metrics, for GET /metrics.

#include <string>
#include <vector>

#include "common/metrics.hpp"

namespace shop::http {

/// The Content-Type of the format.
inline constexpr const char* prometheus_content_type
  = "text/plain; version=0.0.4; charset=utf-8";

/// Every family: HELP and TYPE once, then its samples; histograms as
/// cumulative _bucket lines (with le="+Inf"), _sum and _count.
std::string to_prometheus(const std::vector<metrics::family_view>& families);

} // namespace shop::http
