#include "http/event_stream.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <fmt/format.h>

#include "actors/messages.hpp"
#include "common/metrics.hpp"
#include "http/responses.hpp"

namespace shop::http {

namespace {

struct stream_state {
  std::shared_ptr<event_sink> sink;
  /// Whether the stream wrote since the last keep-alive tick.
  bool wrote = true;

  static inline const char* name = "event_stream";
};

/// The comment an idle stream writes: clients ignore it (SSE's comment
/// line), and a connection that died fails the write.
constexpr const char* keepalive_comment = ": keep-alive\n\n";

/// The live streams of the server, for GET /metrics.
metrics::gauge& live_streams_gauge() {
  static auto& result
    = metrics::registry::global().get_gauge("actorshop_http_event_streams",
                                            "Live GET /events streams");
  return result;
}

/// One Server-Sent Events stream; see spawn_event_stream.
caf::behavior event_stream(caf::stateful_actor<stream_state>* self,
                           std::shared_ptr<event_sink> sink,
                           event_streams* streams, stream_slot slot,
                           std::chrono::milliseconds keepalive) {
  self->state.sink = sink;
  // spawn_event_stream registered this stream; it leaves on exit, and its
  // place is free once the response is finished.
  self->attach_functor([sink, streams, slot, addr = self->address()]() mutable {
    streams->remove(addr);
    sink->finish();
    slot.reset();
  });
  auto write = [self](std::string chunk) {
    self->state.wrote = true;
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
    self->state.sink->write(std::move(chunk), [weak] {
      if (auto me = caf::actor_cast<caf::actor>(weak))
        caf::anon_send_exit(me, caf::exit_reason::user_shutdown);
    });
  };
  auto event = [write](const char* type, std::string json) {
    write(fmt::format("event: {}\ndata: {}\n\n", type, json));
  };
  self->delayed_send(self, keepalive, caf::tick_atom_v);
  return {
    [event](const user_created& e) { event("USER_CREATED", event_json(e)); },
    [event](const order_created& e) { event("ORDER_CREATED", event_json(e)); },
    [event](const order_processed& e) {
      event("ORDER_PROCESSED", event_json(e));
    },
    [self, write, keepalive](caf::tick_atom) {
      if (!self->state.wrote)
        write(keepalive_comment);
      self->state.wrote = false;
      self->delayed_send(self, keepalive, caf::tick_atom_v);
    },
  };
}

} // namespace

stream_slot event_streams::reserve(size_t max) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (reserved_ >= max)
      return nullptr;
    ++reserved_;
  }
  return stream_slot{this, [](event_streams* self) {
                       std::lock_guard<std::mutex> guard{self->mtx_};
                       --self->reserved_;
                     }};
}

size_t event_streams::reserved() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return reserved_;
}

void event_streams::add(const caf::actor& stream) {
  bool stopped;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    streams_.push_back(stream);
    stopped = stopped_;
    live_streams_gauge().set(static_cast<double>(streams_.size()));
  }
  if (stopped)
    caf::anon_send_exit(stream, caf::exit_reason::user_shutdown);
}

void event_streams::remove(const caf::actor_addr& stream) {
  std::lock_guard<std::mutex> guard{mtx_};
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [&](const caf::actor& x) {
                                  return x.address() == stream;
                                }),
                 streams_.end());
  live_streams_gauge().set(static_cast<double>(streams_.size()));
}

void event_streams::stop_all() {
  std::lock_guard<std::mutex> guard{mtx_};
  stopped_ = true;
  for (auto& s : streams_)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}

size_t event_streams::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return streams_.size();
}

caf::actor spawn_event_stream(caf::actor_system& sys,
                              std::shared_ptr<event_sink> sink,
                              event_streams& streams, stream_slot slot,
                              std::chrono::milliseconds keepalive) {
  auto stream = sys.spawn<caf::hidden>(event_stream, std::move(sink), &streams,
                                       std::move(slot), keepalive);
  // Registered before the caller joins it to the feed (on the I/O thread,
  // before any stop can look): a stop ends every stream before the server
  // state goes away.
  streams.add(stream);
  return stream;
}

} // namespace shop::http
