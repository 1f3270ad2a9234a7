#include "http/exchange.hpp"

// What every exchange does whatever carries it: the once-only answer, the
// route's metrics, the request's log line and the 503 of a dropped request.

#include <random>
#include <utility>

#include <fmt/format.h>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "http/admission.hpp"
#include "http/request_parsing.hpp"
#include "http/route_metrics.hpp"

namespace shop::http {

namespace {

constexpr const char* component = "http";

} // namespace

event_sink::~event_sink() = default;

exchange::exchange(std::string request_id)
  : started_(std::chrono::steady_clock::now()), route_(unmatched_route()),
    request_id_(std::move(request_id)) {
}

exchange::~exchange() {
  release();
}

void exchange::hold(service_gate& gate) noexcept {
  release();
  held_ = gate.places();
}

void exchange::release() noexcept {
  if (held_ != nullptr) {
    held_->fetch_sub(1, std::memory_order_relaxed);
    held_ = nullptr;
  }
}

void exchange::reply(uint16_t status, std::string body, const char* allow,
                     const char* content_type) {
  answer_headers headers;
  headers.content_type = content_type;
  headers.allow = allow;
  answer(status, std::move(body), headers);
}

void exchange::answer(uint16_t status, std::string body,
                      const answer_headers& headers) {
  if (answered_)
    return;
  answered_ = true;
  release();
  auto seconds = metrics::seconds_since(started_);
  route_metrics_of(route_).record(status, seconds);
  log::debug_fields(component, "request", [&](auto write) {
    write({{"method", std::string{method()}},
           {"route", std::string{target()}},
           {"status", std::to_string(status)},
           {"duration_ms", fmt::format("{:.2f}", seconds * 1000)},
           {"request", request_id_}});
  });
  send(status, std::move(body), headers);
}

void exchange::fail(const api_error& err, const char* allow) {
  // Refusals of admission control come by the thousand under overload:
  // the metrics count them (actorshop_overload_rejections_total) and the
  // service logs when it starts shedding; a line each would cost more
  // than the refusal.
  if (err.status >= 500 && err.code == "overloaded")
    log::debug(component, "answering 503 overloaded: {} (request {})",
               err.detail, request_id_);
  else if (err.status >= 500)
    log::warning(component, "answering {} {}: {} (request {})", err.status,
                 err.code, err.detail.empty() ? err.message : err.detail,
                 request_id_);
  answer_headers headers;
  headers.allow = allow;
  headers.retry_after = err.retry_after;
  if (!err.www_authenticate.empty())
    headers.www_authenticate = &err.www_authenticate;
  answer(err.status, to_json(err, request_id_), headers);
}

bool exchange::stream_taken() {
  if (answered_)
    return false;
  answered_ = true;
  route_metrics_of(route_).record(200, metrics::seconds_since(started_));
  return true;
}

void exchange::answer_if_dropped() noexcept {
  if (answered_)
    return;
  try {
    fail(api_error{503, "service_unavailable",
                   "the request was dropped, retry later"});
  } catch (...) {
    // Nothing more we can do for this client; never throw here.
  }
}

std::string choose_request_id(const std::vector<std::string_view>& given) {
  if (given.size() == 1 && is_request_id(given.front()))
    return std::string{given.front()};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // By hand: fmt::format("{:016x}") was 3% of the instructions of a
  // GET /health (callgrind).
  static constexpr char digits[] = "0123456789abcdef";
  std::string id(16, '0');
  auto x = rng();
  for (auto i = id.rbegin(); i != id.rend(); ++i, x >>= 4)
    *i = digits[x & 0xf];
  return id;
}

} // namespace shop::http
