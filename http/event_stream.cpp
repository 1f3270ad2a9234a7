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
#include "http/responses.hpp"

namespace shop::http {

namespace {

struct stream_state {
  std::shared_ptr<event_sink> sink;

  static inline const char* name = "event_stream";
};

/// One Server-Sent Events stream; see spawn_event_stream.
caf::behavior event_stream(caf::stateful_actor<stream_state>* self,
                           std::shared_ptr<event_sink> sink,
                           event_streams* streams) {
  self->state.sink = sink;
  // spawn_event_stream registered this stream; it leaves on exit.
  self->attach_functor([sink, streams, addr = self->address()] {
    streams->remove(addr);
    sink->finish();
  });
  auto write = [self](const char* type, std::string json) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
    self->state.sink
      ->write(fmt::format("event: {}\ndata: {}\n\n", type, json), [weak] {
        if (auto me = caf::actor_cast<caf::actor>(weak))
          caf::anon_send_exit(me, caf::exit_reason::user_shutdown);
      });
  };
  return {
    [write](const user_created& e) { write("USER_CREATED", event_json(e)); },
    [write](const order_created& e) { write("ORDER_CREATED", event_json(e)); },
    [write](const order_processed& e) {
      write("ORDER_PROCESSED", event_json(e));
    },
  };
}

} // namespace

void event_streams::add(const caf::actor& stream) {
  bool stopped;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    streams_.push_back(stream);
    stopped = stopped_;
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
                              event_streams& streams) {
  auto stream = sys.spawn<caf::hidden>(event_stream, std::move(sink), &streams);
  // Registered before the caller joins it to the feed (on the I/O thread,
  // before any stop can look): a stop ends every stream before the server
  // state goes away.
  streams.add(stream);
  return stream;
}

} // namespace shop::http
