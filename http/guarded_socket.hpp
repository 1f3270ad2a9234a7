#pragma once

// A stream socket for RESTinio (its traits' stream_socket_t) that passes
// every byte it reads through a wire_guard first (http/wire_guard.hpp says
// why): it writes the guard's `100 Continue` and refusals itself, hands
// RESTinio only the bytes the guard lets through, and after a refusal
// closes the way RFC 9112 9.6 asks (shut down sending, read and drop what
// the client still sends, then report the end of the stream).
//
// Included by http/server.cpp only: it needs asio, and RESTinio's connection
// template is instantiated there.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <restinio/asio_include.hpp>
#include <restinio/tls_fwd.hpp>

#include "http/wire_guard.hpp"

namespace shop::http {

/// The guard limits of every connection of this process's HTTP server, set
/// by run_server before it listens (RESTinio makes sockets from an
/// io_context alone, so they cannot be handed over any other way).
wire_limits& server_wire_limits();

/// Called with the status of every refusal (for the request metrics).
std::function<void(uint16_t)>& on_wire_refusal();

/// `Socket` (asio's TCP socket) behind a wire_guard.
template <class Socket>
class guarded_socket {
public:
  using executor_type = typename Socket::executor_type;

  explicit guarded_socket(restinio::asio_ns::io_context& ctx) : socket_(ctx) {
  }

  guarded_socket(guarded_socket&&) = default;
  guarded_socket& operator=(guarded_socket&&) = default;

  auto& lowest_layer() {
    return socket_.lowest_layer();
  }
  const auto& lowest_layer() const {
    return socket_.lowest_layer();
  }
  auto get_executor() {
    return socket_.get_executor();
  }
  auto remote_endpoint() const {
    return socket_.remote_endpoint();
  }
  bool is_open() const {
    return socket_.is_open();
  }
  template <class... Ts>
  void cancel(Ts&&... xs) {
    socket_.cancel(std::forward<Ts>(xs)...);
  }
  template <class... Ts>
  void shutdown(Ts&&... xs) {
    socket_.shutdown(std::forward<Ts>(xs)...);
  }
  template <class... Ts>
  void close(Ts&&... xs) {
    socket_.close(std::forward<Ts>(xs)...);
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& bufs, Handler&& handler) {
    socket_.async_write_some(bufs, std::forward<Handler>(handler));
  }

  /// Reads like the socket, through the guard. RESTinio reads into one
  /// buffer of its own.
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& bufs, Handler handler) {
    restinio::asio_ns::mutable_buffer buf
      = *restinio::asio_ns::buffer_sequence_begin(bufs);
    write_then_read(buf, std::move(handler));
  }

private:
  using error_code = restinio::asio_ns::error_code;

  wire_guard& guard() {
    // Made on first use: RESTinio moves sockets out of its accept pool and
    // reuses the moved-from ones.
    if (!guard_)
      guard_ = std::make_unique<wire_guard>(server_wire_limits());
    return *guard_;
  }

  /// Runs `f` where `handler` expects its completion (RESTinio binds its
  /// handlers to the connection's strand).
  template <class Handler, class F>
  auto bound(const Handler& handler, F f) {
    return restinio::asio_ns::
      bind_executor(restinio::asio_ns::
                      get_associated_executor(handler, socket_.get_executor()),
                    std::move(f));
  }

  /// Writes what the guard owes the client (a 100 Continue, a refusal),
  /// then reads on, or ends the connection after a refusal.
  template <class Handler>
  void write_then_read(restinio::asio_ns::mutable_buffer buf, Handler handler) {
    auto& g = guard();
    auto out = g.take_output();
    if (out.empty()) {
      if (g.refused())
        return linger(buf, std::move(handler), 0);
      return read(buf, std::move(handler));
    }
    bool last = g.refused();
    if (last && on_wire_refusal())
      on_wire_refusal()(g.refusal_status());
    auto text = std::make_shared<std::string>(std::move(out));
    restinio::asio_ns::async_write(socket_, restinio::asio_ns::buffer(*text),
                                   bound(handler, [this, text, last, buf,
                                                   handler](const error_code&
                                                              ec,
                                                            size_t) mutable {
                                     if (ec)
                                       return handler(ec, size_t{0});
                                     if (last) {
                                       error_code ignored;
                                       socket_.shutdown(Socket::shutdown_send,
                                                        ignored);
                                       return linger(buf, std::move(handler),
                                                     0);
                                     }
                                     read(buf, std::move(handler));
                                   }));
  }

  template <class Handler>
  void read(restinio::asio_ns::mutable_buffer buf, Handler handler) {
    socket_
      .async_read_some(restinio::asio_ns::mutable_buffers_1{buf},
                       bound(handler, [this, buf, handler](const error_code& ec,
                                                           size_t n) mutable {
                         if (ec)
                           return handler(ec, n);
                         auto passed
                           = guard().scan(static_cast<const char*>(buf.data()),
                                          n);
                         if (passed == 0 && guard().refused())
                           // Nothing for RESTinio: every earlier request is
                           // answered (it only reads then), so the refusal goes
                           // out now.
                           return write_then_read(buf, std::move(handler));
                         handler(ec, passed);
                       }));
  }

  /// Drops what the client still sends after a refusal, so that closing
  /// does not reset the connection before the client read the answer;
  /// RESTinio's read timeout bounds how long.
  template <class Handler>
  void linger(restinio::asio_ns::mutable_buffer buf, Handler handler,
              size_t dropped) {
    static constexpr size_t max_dropped = 1024 * 1024;
    socket_
      .async_read_some(restinio::asio_ns::mutable_buffers_1{buf},
                       bound(handler, [this, buf, handler,
                                       dropped](const error_code& ec,
                                                size_t n) mutable {
                         if (ec == restinio::asio_ns::error::operation_aborted)
                           return handler(ec,
                                          size_t{
                                            0}); // RESTinio closed it meanwhile
                         if (ec || dropped + n > max_dropped)
                           return handler(restinio::asio_ns::error::eof,
                                          size_t{0});
                         linger(buf, std::move(handler), dropped + n);
                       }));
  }

  Socket socket_;
  std::unique_ptr<wire_guard> guard_;
};

/// RESTinio's hook before a connection's first read (a TLS handshake for
/// its TLS socket): nothing to prepare here. Found by argument-dependent
/// lookup from RESTinio's connection.
template <class Socket, class Connection, class Start, class Failed>
void prepare_connection_and_start_read(guarded_socket<Socket>&, Connection&,
                                       Start start, Failed) {
  start();
}

/// RESTinio's connection-state listener wants the TLS socket, if any.
template <class Socket>
restinio::impl::tls_socket_t*
make_tls_socket_pointer_for_state_listener(guarded_socket<Socket>&) noexcept {
  return nullptr;
}

} // namespace shop::http
