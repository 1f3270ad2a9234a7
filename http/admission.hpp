#pragma once

// Admission control, front side (docs/reliability.md, "Overload"): a bound
// on the requests this front has in flight to each service. A request that
// would ask a service already holding `limit` of this front's requests is
// answered 503 overloaded with Retry-After at once, on the I/O thread,
// without reaching any actor; the place is taken when ask() sends the
// request and given back when its exchange is answered (http/exchange.hpp),
// however that happens (reply, error, timeout, dropped). Requests that ask
// no service (a balance from the read model, /health) take no place.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "actors/load.hpp"
#include "common/metrics.hpp"

namespace shop::http {

class service_gate {
public:
  service_gate(std::string service, size_t limit);

  service_gate(const service_gate&) = delete;
  service_gate& operator=(const service_gate&) = delete;

  /// Takes a place; false (and counts the rejection) when all are taken.
  bool try_enter() noexcept {
    if (in_flight_->fetch_add(1, std::memory_order_relaxed) >= limit_) {
      in_flight_->fetch_sub(1, std::memory_order_relaxed);
      rejected_in_flight_.inc();
      return false;
    }
    return true;
  }

  /// Gives a place back.
  void leave() noexcept {
    in_flight_->fetch_sub(1, std::memory_order_relaxed);
  }

  /// The count of places taken, for an exchange that holds one: it may
  /// outlive the gate (a reply that comes after the server stopped).
  const std::shared_ptr<std::atomic<size_t>>& places() const noexcept {
    return in_flight_;
  }

  /// Counts a request refused because the service sheds load (its
  /// backlog), seen on this node without asking it.
  void count_backlog_rejection() noexcept {
    rejected_backlog_.inc();
  }

  size_t in_flight() const noexcept {
    return in_flight_->load(std::memory_order_relaxed);
  }

  size_t limit() const noexcept {
    return limit_;
  }

  const std::string& service() const noexcept {
    return service_;
  }

private:
  std::string service_;
  size_t limit_;
  /// Shared with the metrics hook that reads it, which outlives the gate.
  std::shared_ptr<std::atomic<size_t>> in_flight_;
  metrics::counter& rejected_in_flight_;
  metrics::counter& rejected_backlog_;
};

/// One gate per service, for one server run.
struct admission_gates {
  explicit admission_gates(size_t limit);

  service_gate users;
  service_gate billing;
  service_gate orders;
  service_gate notifications;
};

} // namespace shop::http
