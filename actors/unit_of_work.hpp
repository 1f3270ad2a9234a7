#pragma once

// The one place where a service commits. A service handler never writes to
// storage itself: it updates the actor's in-memory state, stages the matching
// changes here and registers what must happen after the commit (reply,
// publish events, acknowledge). The first staged change sends the actor a
// `flush` message; because the mailbox is FIFO, every message already waiting
// when the batch opened is handled before the flush and joins the same
// transaction (group commit). On a failed commit every waiter gets an error
// and the worker quits, so its supervisor restarts it from committed storage:
// the in-memory state never diverges from the database for long.
//
// A service state used with these helpers has the members
//   std::unique_ptr<Repository> repo;
//   unit_of_work<Changes> uow;
// and its actor handles `atom::flush` by calling `flush(self)`.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/result.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "storage/errors.hpp"

namespace shop {

template <class Changes>
class unit_of_work {
public:
  using on_commit_fn = std::function<void()>;
  using on_failure_fn = std::function<void(const caf::error&)>;

  /// The staged changes of the open batch.
  Changes& changes() noexcept {
    return changes_;
  }

  /// True when nothing is staged and nobody waits for a commit.
  bool empty() const noexcept {
    return waiters_.empty() && changes_.empty();
  }

  /// Number of handlers waiting for this batch.
  size_t size() const noexcept {
    return waiters_.size();
  }

  /// Registers what to do once the batch committed or failed.
  void then(on_commit_fn on_commit, on_failure_fn on_failure) {
    waiters_.push_back({std::move(on_commit), std::move(on_failure)});
  }

  /// The service's commit metrics, registered on first use.
  struct commit_metrics {
    metrics::histogram& latency;
    metrics::counter& commits;
    metrics::counter& waiters;
    metrics::gauge& mailbox;
  };

  commit_metrics& stats(const std::string& service) {
    if (!stats_) {
      auto& r = metrics::registry::global();
      metrics::labels tags{{"service", service}};
      stats_ = std::make_unique<commit_metrics>(commit_metrics{
        r.get_histogram("actorshop_db_commit_duration_seconds",
                        "Time to commit one batch (one transaction), by "
                        "service.",
                        tags),
        r.get_counter("actorshop_db_commits_total",
                      "Batches committed (one transaction each), by service.",
                      tags),
        r.get_counter("actorshop_batched_operations_total",
                      "Requests and events that waited for a commit, by "
                      "service; divided by the commits, the batch size.",
                      tags),
        r.get_gauge("actorshop_mailbox_depth",
                    "Messages waiting in the service worker's mailbox when "
                    "its last batch committed, by service.",
                    tags)});
    }
    return *stats_;
  }

  /// Sets what runs after every commit, before any waiter: a read model
  /// that must already show what the waiters are about to be told.
  void on_committed(std::function<void()> f) {
    on_committed_ = std::move(f);
  }

  /// Sets what runs after every commit, after every waiter: a publisher's
  /// relay sends all the events the batch made deliverable at once.
  void after_waiters(std::function<void()> f) {
    after_waiters_ = std::move(f);
  }

  /// Runs the on_committed hook, then every on_commit in registration
  /// order, then the after_waiters hook, and resets the batch.
  void committed() {
    auto waiters = std::move(waiters_);
    reset();
    failed_ = false;
    if (on_committed_)
      on_committed_();
    for (auto& w : waiters)
      w.on_commit();
    // A waiter that failed the service (a read that threw) stops the
    // worker: its successor sends what is unacknowledged.
    if (after_waiters_ && !failed_)
      after_waiters_();
  }

  /// Runs every on_failure and resets the batch.
  void failed(const caf::error& err) {
    failed_ = true;
    auto waiters = std::move(waiters_);
    reset();
    for (auto& w : waiters)
      if (w.on_failure)
        w.on_failure(err);
  }

private:
  struct waiter {
    on_commit_fn on_commit;
    on_failure_fn on_failure;
  };

  void reset() {
    changes_ = Changes{};
    waiters_.clear();
  }

  Changes changes_;
  std::vector<waiter> waiters_;
  std::function<void()> on_committed_;
  std::function<void()> after_waiters_;
  /// failed() ran since the last commit.
  bool failed_ = false;
  std::unique_ptr<commit_metrics> stats_;
};

// -- helpers for service actors ------------------------------------------------

/// What a request learns when storage failed under it: that it did, and
/// that a retry may succeed; the details go to the log only.
inline caf::error storage_failed() {
  return caf::make_error(errc::storage_failure, "storage failed, retry later");
}

/// Opens a batch if none is open: the flush message goes to the end of the
/// mailbox. Call before staging changes.
template <class Self>
void open_batch(Self* self) {
  if (self->state.uow.empty())
    self->send(caf::actor_cast<typename Self::actor_hdl>(self), atom::flush_v);
}

/// Fails every waiter of the open batch and stops the worker with `reason`;
/// the supervisor restarts it, reloading committed state.
template <class Self>
void fail_service(Self* self, const std::string& what) {
  log::error(self->state.name, "failing, restart follows: {}", what);
  // The waiters learn that storage failed, not how: the text may carry SQL
  // or a host name, and it is in the log line above.
  self->state.uow.failed(storage_failed());
  self->quit(caf::make_error(errc::storage_failure, what));
}

/// Commits the open batch: one transaction for everything staged since the
/// batch opened, then runs the continuations.
template <class Self>
void flush(Self* self) {
  auto& st = self->state;
  if (st.uow.empty())
    return;
  try {
    if (!st.uow.changes().empty()) {
      auto& stats = st.uow.stats(st.name);
      auto t0 = std::chrono::steady_clock::now();
      st.repo->commit(st.uow.changes());
      stats.latency.observe(metrics::seconds_since(t0));
      stats.commits.inc();
      stats.waiters.inc(st.uow.size());
      stats.mailbox.set(static_cast<double>(self->mailbox().size()));
    }
  } catch (const std::exception& e) {
    fail_service(self, e.what());
    return;
  }
  st.uow.committed();
}

/// Answers atom::ping (GET /ready): whether the service's storage answers
/// now. A failed ping only reports; a failed commit is what fails a service.
template <class Self>
caf::result<bool> ping_storage(Self* self) {
  try {
    self->state.repo->ping();
    return true;
  } catch (const std::exception& e) {
    log::warning(self->state.name, "storage ping failed: {}", e.what());
    return caf::make_error(errc::storage_failure, "storage unreachable");
  }
}

/// Runs `f` (a storage read) and turns an exception into a failed service.
template <class T, class Self, class F>
caf::result<T> guarded(Self* self, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    fail_service(self, e.what());
    return storage_failed();
  }
}

/// Answers a read: at once when no batch is open, otherwise after the open
/// batch committed, so a reader never sees data that may still be rolled back.
/// `f` computes the answer as caf::expected<T>.
template <class T, class Self, class F>
caf::result<T> read_after_commit(Self* self, F f) {
  if (self->state.uow.empty())
    return guarded<T>(self, [&]() -> caf::result<T> {
      auto res = f();
      if (!res)
        return std::move(res.error());
      return std::move(*res);
    });
  auto rp = self->template make_response_promise<T>();
  self->state.uow.then(
    [self, rp, f]() mutable {
      try {
        auto res = f();
        if (res)
          rp.deliver(std::move(*res));
        else
          rp.deliver(std::move(res.error()));
      } catch (const std::exception& e) {
        rp.deliver(storage_failed());
        fail_service(self, e.what());
      }
    },
    [rp](const caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

/// Delivers `value()` after the open batch committed, or the error if it
/// failed. For commands whose effect is staged in the open batch.
template <class T, class Self, class F>
caf::result<T> reply_after_commit(Self* self, F value) {
  auto rp = self->template make_response_promise<T>();
  self->state.uow.then([rp, value]() mutable { rp.deliver(value()); },
                       [rp](const caf::error& err) mutable {
                         rp.deliver(err);
                       });
  return rp;
}

/// Acknowledges the event being handled once the open batch committed, after
/// running `then` (typically: publish the events it caused). An empty batch
/// acknowledges at once.
template <class Self, class F>
caf::result<void> ack_after_commit(Self* self, F then) {
  if (self->state.uow.empty()) {
    then();
    return caf::unit;
  }
  auto rp = self->make_response_promise();
  self->state.uow.then(
    [rp, then]() mutable {
      then();
      rp.deliver(caf::unit);
    },
    [rp](const caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

/// Commits what is pending before the worker stops on an exit message, so a
/// clean shutdown loses no acknowledged-to-be work.
template <class Self>
void flush_on_exit(Self* self) {
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
}

/// The common start of every service worker: keeps its dependencies,
/// commits pending work on exit and loads its state from storage. A failed
/// load stops the worker at once; its supervisor retries with backoff.
template <class Self, class Deps, class Load>
void start_service(Self* self, Deps deps, Load load) {
  self->state.deps = std::move(deps);
  flush_on_exit(self);
  // A storage exception anywhere (also in response handlers) fails the open
  // batch's waiters at once instead of leaving them to time out.
  self->set_exception_handler(
    [self](caf::scheduled_actor*, std::exception_ptr& ptr) -> caf::error {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ptr);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log::error(self->state.name, "failing, restart follows: {}", what);
      self->state.uow.failed(storage_failed());
      return caf::make_error(errc::storage_failure, what);
    });
  try {
    load(self);
  } catch (const std::exception& e) {
    fail_service(self, e.what());
  }
}

} // namespace shop
