#pragma once

// Exactly-once delivery, publisher side: the transactional outbox and its
// relay. A publisher stages each event into its open batch (`stage_event`),
// so the event commits in the same transaction as the state change that
// caused it. Once a batch committed, the relay sends every subscriber the
// events that became deliverable in one request (event_batch: consecutive
// events, at most a window's worth); the subscriber's (empty) reply means
// "all applied and committed". The relay keeps a window of unacknowledged
// events in flight per subscriber (several deliveries pipelined), resends
// from the first unacknowledged one after an error or timeout (with
// exponential backoff), persists each subscriber's acknowledged position
// (cursor) in later batches, and prunes events every subscriber has
// acknowledged. After a restart it reloads the unacknowledged events and
// resumes, so a committed event is delivered at least once to everyone; the
// consumers' inbox marks (inbox.hpp) turn that into exactly-once effects.
//
// The relay holds at most `memory_limit` of its unacknowledged events in
// memory, the oldest ones; the others stay in storage only and are read back
// in pages (reliable_repository::load_outbox) as the subscribers' windows
// reach them and acknowledgements make room.
//
// The relay also bounds its backlog (admission control, actors/load.hpp):
// once more than `max_backlog` events are outstanding (staged or committed,
// not acknowledged by every subscriber), `accepting()` turns false and the
// publisher refuses new work that would publish, until the backlog is down
// to half the bound; a subscriber that refuses an event as overloaded is
// retried soon (at most 100 ms later) instead of after a growing backoff,
// one event at a time until it takes one again.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/send.hpp>
#include <caf/typed_actor.hpp>

#include "actors/codec.hpp"
#include "actors/load.hpp"
#include "actors/messages.hpp"
#include "actors/unit_of_work.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// The metric of outbox_relay::in_memory().
inline constexpr const char* events_in_memory_metric
  = "actorshop_outbox_events_in_memory";

template <class Event>
class outbox_relay {
public:
  using handle_type = caf::typed_actor<caf::reacts_to<event_batch<Event>>>;

  struct subscriber {
    std::string name;
    handle_type handle;
    /// Last seq the subscriber acknowledged.
    int64_t acked = 0;
    /// Last seq sent; events (acked, sent] are in flight.
    int64_t sent = 0;
    size_t in_flight = 0;
    /// Delay before the next resend; grows while deliveries keep failing.
    caf::timespan backoff{0};
    /// A resend is scheduled: send nothing until it fires.
    bool paused = false;
    /// The subscriber refused an event as overloaded: send one event at a
    /// time until it acknowledges one (it is likely to refuse a whole
    /// window again after applying a few of it).
    bool probing = false;
    /// Counts the pauses: an error from a delivery sent before the last
    /// pause is stale (its events are sent again anyway) and ignored.
    uint64_t generation = 0;
  };

  /// Topic name used in the outbox and in consumers' inbox marks.
  const char* topic = "";
  /// Events in flight per subscriber, in one or more deliveries (at most
  /// max_event_batch).
  size_t window = 256;
  caf::timespan timeout = std::chrono::seconds(5);
  /// Outstanding events beyond which the publisher sheds (see above).
  size_t max_backlog = 4096;
  /// Unacknowledged events held in memory at most (see above).
  size_t memory_limit = 4096;
  /// Where the node learns whether this publisher sheds; may be null.
  service_load* load = nullptr;

  void add_subscriber(std::string name, handle_type handle) {
    subscriber sub;
    sub.name = std::move(name);
    sub.handle = std::move(handle);
    subs_.push_back(std::move(sub));
  }

  /// Publishes this relay's backlog as metrics of `service`: its size, and
  /// the age of its oldest event (computed when the metrics are read).
  void bind_metrics(const std::string& service) {
    service_ = service;
    auto& r = metrics::registry::global();
    metrics::labels tags{{"service", service}, {"topic", topic}};
    backlog_gauge_ = &r.get_gauge("actorshop_outbox_backlog",
                                  "Events committed but not yet acknowledged "
                                  "by every subscriber, by "
                                  "publishing service and topic.",
                                  tags);
    page_reads_ = &r.get_counter("actorshop_outbox_page_reads_total",
                                 "Pages of events a relay read back from "
                                 "storage (its backlog was longer than it "
                                 "holds in memory), by publishing service "
                                 "and topic.",
                                 tags);
    page_seconds_ = &r.get_histogram("actorshop_outbox_page_read_seconds",
                                     "Time to read one page of events back "
                                     "from storage, by publishing service "
                                     "and topic.",
                                     tags);
    memory_gauge_ = &r.get_gauge(events_in_memory_metric,
                                 "Events not yet acknowledged by every "
                                 "subscriber that the relay holds in memory "
                                 "(the others are read back from storage), "
                                 "by publishing service and topic.",
                                 tags);
    oldest_gauge_
      = &r.get_gauge("actorshop_outbox_oldest_event_timestamp_seconds",
                     "Commit time of the oldest event not yet acknowledged by "
                     "every "
                     "subscriber (0 when there is none).",
                     tags);
    auto& age = r.get_gauge("actorshop_outbox_oldest_event_age_seconds",
                            "Age of the oldest event not yet acknowledged by "
                            "every subscriber (0 "
                            "when there is none).",
                            tags);
    auto* oldest = oldest_gauge_;
    r.on_collect(service + "/" + topic, [oldest, &age] {
      auto t = oldest->value();
      age.set(t > 0 ? static_cast<double>(now_ms()) / 1000.0 - t : 0.0);
    });
    publish_metrics();
  }

  /// Restores cursors and the unacknowledged events after a (re)start:
  /// `snap` holds the first of them (at most memory_limit), the others are
  /// read from storage when their turn comes.
  void restore(const reliability_snapshot& snap) {
    last_seq_ = snap.max_outbox_seq;
    committed_seq_ = last_seq_;
    for (auto& sub : subs_) {
      auto i = snap.cursors.find(sub.name);
      sub.acked = i == snap.cursors.end() ? 0 : i->second;
      sub.sent = sub.acked;
    }
    // A subscriber added after events were pruned cannot get them anymore.
    auto oldest = snap.outbox.empty() ? last_seq_ + 1 : snap.outbox.front().seq;
    for (auto& sub : subs_)
      if (sub.acked < oldest - 1) {
        log::warning("outbox",
                     "{}: subscriber {} starts at #{}, after the "
                     "pruned events",
                     topic, sub.name, oldest);
        sub.acked = sub.sent = oldest - 1;
      }
    // The first event some subscriber still needs. The snapshot starts
    // after the smallest STORED cursor, which may be lower (the row of a
    // subscriber that no longer exists), and events kept in their records'
    // rows are never deleted: what every subscriber has is skipped here,
    // or it would fill the memory window and nothing would be sent.
    auto low = low_acked(last_seq_);
    first_seq_ = low + 1;
    backlog_.clear();
    times_.clear();
    for (auto& rec : snap.outbox) {
      if (rec.seq <= low)
        continue;
      if (backlog_.size() >= memory_limit
          || rec.seq != first_seq_ + static_cast<int64_t>(backlog_.size()))
        break;
      Event e;
      if (!decode(rec.payload, e))
        throw std::runtime_error("undecodable outbox event " + rec.topic + " #"
                                 + std::to_string(rec.seq));
      backlog_.push_back(std::move(e));
      times_.push_back(rec.at);
    }
    // Events every subscriber acknowledged may still be stored (their prune
    // did not commit before a crash): the first prune deletes from the start.
    pruned_through_ = 0;
    publish_metrics();
    // After the cursors moved: shedding follows what is outstanding now.
    accepting_ = true;
    update_admission();
  }

  /// The seq the next staged event gets.
  int64_t allocate() {
    ++last_seq_;
    update_admission();
    return last_seq_;
  }

  /// Events committed but not yet acknowledged by every subscriber.
  size_t backlog() const noexcept {
    return committed_seq_ >= first_seq_
             ? static_cast<size_t>(committed_seq_ - first_seq_ + 1)
             : 0;
  }

  /// How many of them are held in memory (at most memory_limit).
  size_t in_memory() const noexcept {
    return backlog_.size();
  }

  /// Events staged or committed, not yet acknowledged by every subscriber:
  /// what admission control bounds.
  int64_t outstanding() const noexcept {
    return last_seq_ - low_acked(last_seq_);
  }

  /// Whether the publisher takes new work that would publish more events.
  bool accepting() const noexcept {
    return accepting_;
  }

  const std::vector<subscriber>& subscribers() const noexcept {
    return subs_;
  }

  /// Where committed events are also announced (best effort), if anywhere,
  /// and how many listen there (nothing is sent while nobody does).
  caf::actor feed;
  std::shared_ptr<std::atomic<size_t>> feed_audience;

  /// Called once `e` committed: it becomes deliverable.
  void committed(Event e) {
    if (feed && feed_audience && feed_audience->load() > 0)
      caf::anon_send(feed, e);
    // Held in memory while everything before it is and there is room;
    // else it waits in storage for its page.
    auto seq = e.seq;
    if (all_in_memory() && backlog_.size() < memory_limit) {
      if (backlog_.empty())
        first_seq_ = seq;
      backlog_.push_back(std::move(e));
      times_.push_back(now_ms());
    }
    committed_seq_ = std::max(committed_seq_, seq);
    publish_metrics();
  }

  /// Sends what the windows allow.
  template <class Self>
  void pump(Self* self) {
    for (size_t i = 0; i < subs_.size(); ++i)
      pump(self, i);
  }

  /// A scheduled resend for subscriber `name` fired.
  template <class Self>
  void resume(Self* self, const std::string& name) {
    for (size_t i = 0; i < subs_.size(); ++i)
      if (subs_[i].name == name) {
        subs_[i].paused = false;
        pump(self, i);
      }
  }

private:
  template <class Self>
  void pump(Self* self, size_t index) {
    auto& sub = subs_[index];
    auto limit = sub.probing ? size_t{1}
                             : std::clamp<size_t>(window, 1, max_event_batch);
    while (!sub.paused && sub.in_flight < limit && sub.sent < committed_seq_) {
      // Not in memory: read the next page, if there is room (else wait
      // until the slowest subscriber's acknowledgements make some). A
      // subscriber may be further ahead than one page (it acknowledged
      // events beyond what a restarted relay holds, say after the memory
      // bound was lowered): read on while there is room.
      auto in_memory_end = first_seq_ + static_cast<int64_t>(backlog_.size());
      if (sub.sent + 1 >= in_memory_end) {
        if (!page_in(self))
          break;
        continue;
      }
      // Everything committed since the last delivery, as far as the window
      // and memory allow, in one request.
      auto first = sub.sent + 1;
      auto last
        = std::min({committed_seq_, in_memory_end - 1,
                    sub.sent + static_cast<int64_t>(limit - sub.in_flight)});
      auto begin = backlog_.begin() + (first - first_seq_);
      event_batch<Event> batch(begin, begin + (last - first + 1));
      sub.sent = last;
      sub.in_flight += batch.size();
      self->request(sub.handle, timeout, std::move(batch))
        .then([self, index, first,
               last] { self->state.relay.on_ack(self, index, first, last); },
              [self, index, first, last,
               generation = sub.generation](caf::error& err) {
                self->state.relay.on_error(self, index, first, last, generation,
                                           err);
              });
    }
  }

  /// The last seq every subscriber acknowledged, at most `upper` (which it
  /// is without subscribers).
  int64_t low_acked(int64_t upper) const noexcept {
    for (auto& sub : subs_)
      upper = std::min(upper, sub.acked);
    return upper;
  }

  /// Whether every committed unacknowledged event is held in memory.
  bool all_in_memory() const noexcept {
    return first_seq_ + static_cast<int64_t>(backlog_.size()) > committed_seq_;
  }

  /// Reads the next committed events after those in memory from storage,
  /// as many as there is room for (at most 1,024 at a time). Returns
  /// whether it read any.
  template <class Self>
  bool page_in(Self* self) {
    if (backlog_.size() >= memory_limit || all_in_memory())
      return false;
    auto next = first_seq_ + static_cast<int64_t>(backlog_.size());
    auto room = memory_limit - backlog_.size();
    // One query per page, not per acknowledgement: wait until a quarter
    // of the memory is free, unless what is left fits.
    auto left = static_cast<size_t>(committed_seq_ - (next - 1));
    auto min_room
      = std::max<size_t>(1, std::min<size_t>(1024, memory_limit / 4));
    if (room < min_room && room < left)
      return false;
    room = std::min<size_t>(room, 1024);
    std::vector<outbox_record> page;
    try {
      auto t0 = std::chrono::steady_clock::now();
      page = self->state.repo->load_outbox(next - 1, room);
      if (page_reads_ != nullptr) {
        page_reads_->inc();
        page_seconds_->observe(metrics::seconds_since(t0));
      }
    } catch (const std::exception& e) {
      // Called after a commit's waiters too (pump): throwing there would
      // fail the next batch's waiters for a read of this one.
      // The worker stops after this message instead; its supervisor
      // restarts it from storage.
      log::error(service_, "{}: reading events from #{} failed: {}", topic,
                 next, e.what());
      self->quit(caf::make_error(errc::storage_failure, "reading the outbox"));
      return false;
    }
    size_t read = 0;
    for (auto& rec : page) {
      if (rec.seq != next || rec.seq > committed_seq_)
        break;
      Event e;
      if (!decode(rec.payload, e)) {
        log::error(service_, "{}: event #{} is undecodable", topic, rec.seq);
        self->quit(caf::make_error(errc::storage_failure, "undecodable event"));
        return false;
      }
      backlog_.push_back(std::move(e));
      times_.push_back(rec.at);
      ++next;
      ++read;
    }
    if (read == 0)
      log::error(service_, "{}: event #{} is committed but not in storage",
                 topic, next);
    return read > 0;
  }

  /// The subscriber applied and committed events [first, last].
  template <class Self>
  void on_ack(Self* self, size_t index, int64_t first, int64_t last) {
    auto& sub = subs_[index];
    sub.in_flight -= static_cast<size_t>(last - first + 1);
    sub.backoff = caf::timespan{0};
    sub.probing = false;
    if (last > sub.acked) {
      sub.acked = last;
      sub.sent = std::max(sub.sent, last);
      // Persist the cursors with the next batch; losing them only means a
      // harmless redelivery after a crash. All of them, always: storage
      // reloads the events after the smallest STORED cursor, so a subscriber
      // without a row would silently skip events after a restart.
      open_batch(self);
      auto& changes = self->state.uow.changes().reliable;
      for (auto& x : subs_)
        changes.cursors[x.name] = x.acked;
      prune(changes);
      update_admission();
      // The prune may have made room for a page another subscriber waits
      // for.
      pump(self);
      return;
    }
    pump(self, index);
  }

  /// The delivery of events [first, last], sent in `generation`, failed or
  /// timed out.
  template <class Self>
  void on_error(Self* self, size_t index, int64_t first, int64_t last,
                uint64_t generation, const caf::error& err) {
    auto& sub = subs_[index];
    sub.in_flight -= static_cast<size_t>(last - first + 1);
    if (sub.paused || generation != sub.generation || last <= sub.acked)
      return;
    // Resend everything after the last acknowledged event, later.
    sub.paused = true;
    ++sub.generation;
    sub.sent = sub.acked;
    using namespace std::chrono_literals;
    // A subscriber that sheds load recovers within its own backlog's drain
    // time: ask again soon rather than after a backoff grown to seconds.
    caf::timespan cap = err == errc::overloaded ? 100ms : 5s;
    if (err == errc::overloaded)
      sub.probing = true;
    sub.backoff = std::clamp<caf::timespan>(sub.backoff * 2, 10ms, cap);
    log::debug(self->state.name,
               "{} #{}..#{} to {} failed ({}), resending in {} ms", topic,
               first, last, sub.name, self->system().render(err),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                 sub.backoff)
                 .count());
    self->delayed_send(self, sub.backoff, atom::retry_v, sub.name);
  }

  /// Drops events every subscriber acknowledged, in memory and in storage.
  void prune(reliability_changes& changes) {
    auto low = low_acked(committed_seq_);
    if (low < first_seq_)
      return;
    while (!backlog_.empty() && backlog_.front().seq <= low) {
      backlog_.pop_front();
      times_.pop_front();
    }
    // Several prunes in one batch: the first one's lower bound holds.
    if (changes.prune_outbox_through == 0)
      changes.prune_outbox_after = pruned_through_;
    pruned_through_ = low;
    first_seq_ = low + 1;
    changes.prune_outbox_through = low;
    publish_metrics();
  }

  /// Turns shedding on above max_backlog and off at half of it, and tells
  /// the node.
  void update_admission() {
    auto now = outstanding();
    auto bound = static_cast<int64_t>(max_backlog);
    if (accepting_ && now > bound) {
      accepting_ = false;
      log_admission(now);
    } else if (!accepting_ && now <= bound / 2) {
      accepting_ = true;
      log_admission(now);
    }
    if (load != nullptr)
      load->update(!accepting_, now);
  }

  /// Says when shedding starts (at most every 10 s: a publisher at its
  /// bound may flip several times a second) and when a shedding it spoke
  /// of ends.
  void log_admission(int64_t now) {
    if (accepting_) {
      if (shedding_logged_)
        log::info(service_,
                  "{}: accepting new work again ({} events outstanding)", topic,
                  now);
      shedding_logged_ = false;
      return;
    }
    auto t = now_ms();
    if (t - last_admission_log_ < 10'000)
      return;
    last_admission_log_ = t;
    shedding_logged_ = true;
    log::warning(service_,
                 "{}: {} events outstanding (bound {}): new work that would "
                 "publish is refused until half are acknowledged",
                 topic, now, max_backlog);
  }

  void publish_metrics() noexcept {
    if (backlog_gauge_ == nullptr)
      return;
    backlog_gauge_->set(static_cast<double>(backlog()));
    memory_gauge_->set(static_cast<double>(backlog_.size()));
    oldest_gauge_->set(
      times_.empty() ? 0.0 : static_cast<double>(times_.front()) / 1000.0);
  }

  std::vector<subscriber> subs_;
  std::string service_ = "outbox";
  bool accepting_ = true;
  unix_ms last_admission_log_ = 0;
  bool shedding_logged_ = false;
  std::deque<Event> backlog_;
  /// Commit time of each event in backlog_.
  std::deque<unix_ms> times_;
  metrics::gauge* backlog_gauge_ = nullptr;
  metrics::gauge* memory_gauge_ = nullptr;
  metrics::counter* page_reads_ = nullptr;
  metrics::histogram* page_seconds_ = nullptr;
  metrics::gauge* oldest_gauge_ = nullptr;
  /// The first event not acknowledged by every subscriber: backlog_.front()
  /// when memory holds any, else the next one to read or commit.
  int64_t first_seq_ = 1;
  /// Largest committed seq.
  int64_t committed_seq_ = 0;
  /// Largest allocated seq (committed or staged).
  int64_t last_seq_ = 0;
  /// Nothing at or below this seq is stored any more (as far as this
  /// incarnation knows): the lower bound of the next prune.
  int64_t pruned_through_ = 0;
};

/// Stages `e` in the publisher's open batch with the next seq; once the batch
/// commits, the relay delivers it. Requires `self->state.relay`. `row`: the
/// id of the record staged in the same batch whose creation `e` announces,
/// if any (outbox_record::row: storage may keep the event in its row).
template <class Self, class Event>
void stage_event(Self* self, Event e, int64_t row = 0) {
  auto& st = self->state;
  open_batch(self);
  e.seq = st.relay.allocate();
  st.uow.changes().reliable.outbox.push_back(
    outbox_record{e.seq, st.relay.topic, encode(e), now_ms(), row});
  // Sent once the whole batch committed (start_relay's after_waiters hook):
  // one delivery per subscriber for all the events of a commit.
  st.uow.then([self,
               e]() mutable { self->state.relay.committed(std::move(e)); },
              nullptr);
}

} // namespace shop
