#pragma once

// Admission control, service side (docs/reliability.md, "Overload"): what
// the services of this node tell everyone else on it about their load
// without being asked. A publisher whose outbox backlog is over its bound
// sheds: it refuses new work that would publish more (Users: registrations,
// Orders: new orders, Billing: new ORDER_CREATED), until the backlog is down
// to half the bound. Each service's worker writes its own entry; the HTTP
// front reads it on its I/O threads and refuses such requests itself, at
// once; the supervisor reports it in GET /ready. A front on another node
// cannot read it: there the service's own refusal (errc::overloaded) answers.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>

#include "actors/errors.hpp"
#include "common/metrics.hpp"

namespace shop {

/// actorshop_overload_rejections_total of `service` and `reason`: requests
/// refused with 503 overloaded. Reasons: "in_flight" (the HTTP front's
/// bound on requests in flight to the service), "backlog" (its outbox is
/// over its bound), "mailbox" (too many messages wait for its worker).
/// Looks the counter up: callers on a hot path keep the reference.
inline metrics::counter& overload_rejections(const std::string& service,
                                             const std::string& reason) {
  return metrics::registry::global()
    .get_counter("actorshop_overload_rejections_total",
                 "Requests refused with 503 overloaded, by service and "
                 "reason: in_flight (an HTTP front's bound on requests in "
                 "flight to it), backlog (its outbox over its bound), "
                 "mailbox (too many messages waiting for its worker).",
                 {{"service", service}, {"reason", reason}});
}

class service_load {
public:
  service_load() = default;
  service_load(const service_load&) = delete;
  service_load& operator=(const service_load&) = delete;

  /// Whether the service refuses new work that would publish events.
  bool shedding() const noexcept {
    return shedding_.load(std::memory_order_relaxed);
  }

  /// Events committed or staged and not yet acknowledged by every
  /// subscriber, as of the last change.
  int64_t backlog() const noexcept {
    return backlog_.load(std::memory_order_relaxed);
  }

  /// For the service's worker only.
  void update(bool shedding, int64_t backlog) noexcept {
    backlog_.store(backlog, std::memory_order_relaxed);
    shedding_.store(shedding, std::memory_order_relaxed);
  }

private:
  std::atomic<bool> shedding_{false};
  std::atomic<int64_t> backlog_{0};
};

/// One entry per service of the service table, whether it runs here or
/// not (an entry of a service that runs elsewhere never sheds).
class node_load {
public:
  explicit node_load(const std::vector<std::string>& names) {
    for (auto& name : names)
      entries_.emplace_back(name, std::make_unique<service_load>());
  }

  node_load(const node_load&) = delete;
  node_load& operator=(const node_load&) = delete;

  /// The entry of `service`; nullptr for an unknown name.
  service_load* of(std::string_view service) const noexcept {
    for (auto& [name, load] : entries_)
      if (name == service)
        return load.get();
    return nullptr;
  }

private:
  std::vector<std::pair<std::string, std::unique_ptr<service_load>>> entries_;
};

/// The refusal of new work while the service sheds load (admission
/// control, actors/load.hpp), counted by `reason`: "backlog" (its outbox is
/// over its bound) or "mailbox" (too many messages wait for it).
template <class Self>
caf::error refuse_overloaded(Self* self, const char* reason) {
  auto& st = self->state;
  overload_rejections(st.name, reason).inc();
  return caf::make_error(errc::overloaded, std::string{st.name}
                                             + " is over its " + reason
                                             + " bound");
}

/// Whether a new command must be refused because too many messages wait
/// in the worker's mailbox (settings.admission.max_mailbox).
template <class Self>
bool mailbox_over_bound(Self* self) {
  return self->mailbox().size()
         > self->state.deps.settings.admission.max_mailbox;
}

} // namespace shop
