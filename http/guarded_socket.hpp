#pragma once

// A stream socket for RESTinio (its traits' stream_socket_t) that passes
// every byte it reads through a wire_guard first (http/wire_guard.hpp says
// why): it writes the guard's `100 Continue` and refusals itself, hands
// RESTinio only the bytes the guard lets through, and after a refusal
// closes the way RFC 9112 9.6 asks (shut down sending, read and drop what
// the client still sends, then report the end of the stream).
//
// Over TLS (guarded_tls_socket) the guard sits above the TLS stream, so it
// sees and writes the plaintext; after a refusal the TLS close_notify goes
// out before the TCP half-close. The RESTinio customisations at the end give
// that socket what RESTinio's own tls_socket_t gets from restinio/tls.hpp
// (its TLS context setting, its socket pool, its handshake), plus a bound on
// the handshake.
//
// Included by http/server.cpp only: it needs asio, and RESTinio's connection
// template is instantiated there.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <openssl/ssl.h>
#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "http/wire_guard.hpp"

namespace shop::http {

/// The guard limits of every connection of this process's HTTP server, set
/// by run_server before it listens (RESTinio makes sockets from an
/// io_context alone, so they cannot be handed over any other way).
wire_limits& server_wire_limits();

/// Called with the status of every refusal (for the request metrics).
std::function<void(uint16_t)>& on_wire_refusal();

/// How long a client may take to complete the TLS handshake, set by
/// run_server like the limits (RESTinio's read timeout only starts after
/// the handshake).
std::chrono::steady_clock::duration& server_handshake_timeout();

/// The guard's completion of an operation on the socket under it, which
/// continues with RESTinio's `handler`: `f(handler, results...)`. asio runs it
/// where the handler would run (the handler's executor, the connection's
/// strand, see the associated_executor below) and `f` gets the handler
/// itself: a handler is moved from operation to operation, never copied (a
/// copy of RESTinio's handler copies its strand and its connection's
/// shared_ptr, atomic reference counts that made up a tenth of the I/O
/// thread's time).
template <class Handler, class F>
struct continuation {
  Handler handler;
  F f;

  template <class... Results>
  void operator()(Results&&... results) {
    f(handler, std::forward<Results>(results)...);
  }
};

template <class Handler, class F>
continuation(Handler, F) -> continuation<Handler, F>;

/// `Socket` (asio's TCP socket, or RESTinio's TLS stream over one) behind a
/// wire_guard.
template <class Socket>
class guarded_socket {
public:
  using executor_type = typename Socket::executor_type;

  /// Whether the guard sits above a TLS stream.
  static constexpr bool is_tls
    = std::is_same_v<Socket, restinio::impl::tls_socket_t>;

  /// `args` follow the io_context to the socket's constructor (a TLS
  /// context for the TLS stream).
  template <class... Args>
  explicit guarded_socket(restinio::asio_ns::io_context& ctx, Args&&... args)
    : socket_(ctx, std::forward<Args>(args)...) {
  }

  /// The socket under the guard.
  Socket& next_layer() noexcept {
    return socket_;
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
  /// buffer of its own. The handler is passed on by reference up to the
  /// operation that keeps it: moving one of asio's executor_binders copies
  /// its executor.
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& bufs, Handler&& handler) {
    restinio::asio_ns::mutable_buffer buf
      = *restinio::asio_ns::buffer_sequence_begin(bufs);
    write_then_read(buf, std::forward<Handler>(handler));
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

  /// Writes what the guard owes the client (a 100 Continue, a refusal),
  /// then reads on, or ends the connection after a refusal.
  template <class Handler>
  void write_then_read(restinio::asio_ns::mutable_buffer buf,
                       Handler&& handler) {
    auto& g = guard();
    auto out = g.take_output();
    if (out.empty()) {
      if (g.refused())
        return linger(buf, std::forward<Handler>(handler), 0);
      return read(buf, std::forward<Handler>(handler));
    }
    bool last = g.refused();
    if (last && on_wire_refusal())
      on_wire_refusal()(g.refusal_status());
    auto text = std::make_shared<std::string>(std::move(out));
    auto bytes = restinio::asio_ns::buffer(*text);
    restinio::asio_ns::
      async_write(socket_, bytes,
                  continuation{std::forward<Handler>(handler),
                               [this, text, last, buf](auto& handler,
                                                       const error_code& ec,
                                                       size_t) {
                                 if (ec)
                                   return handler(ec, size_t{0});
                                 if (last)
                                   return end_sending(buf, std::move(handler));
                                 read(buf, std::move(handler));
                               }});
  }

  template <class Handler>
  void read(restinio::asio_ns::mutable_buffer buf, Handler&& handler) {
    socket_
      .async_read_some(restinio::asio_ns::mutable_buffers_1{buf},
                       continuation{std::forward<Handler>(handler),
                                    [this, buf](auto& handler,
                                                const error_code& ec,
                                                size_t n) {
                                      if (ec)
                                        return handler(ec, n);
                                      auto passed
                                        = guard().scan(static_cast<const char*>(
                                                         buf.data()),
                                                       n);
                                      if (passed == 0 && guard().refused())
                                        // Nothing for RESTinio: every earlier
                                        // request is answered (it only reads
                                        // then), so the refusal goes out now.
                                        return write_then_read(buf, std::move(
                                                                      handler));
                                      handler(ec, passed);
                                    }});
  }

  /// After a refusal: tells the client that nothing more comes, then drops
  /// what it still sends (linger()). Over TLS the close_notify alert goes
  /// first, the way nginx closes: OpenSSL treats application data that
  /// arrives after its close_notify as a fatal error, so the shutdown does
  /// not wait for the client's alert, and linger() drops the raw bytes under
  /// the TLS layer instead of decrypting them.
  template <class Handler>
  void end_sending(restinio::asio_ns::mutable_buffer buf, Handler&& handler) {
    if constexpr (is_tls) {
      auto* ssl = socket_.asio_ssl_stream().native_handle();
      // Marked as received: SSL_shutdown sends our alert and returns,
      // instead of reading until the client's.
      SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
      socket_.asio_ssl_stream().async_shutdown(
        continuation{std::forward<Handler>(handler),
                     [this, buf](auto& handler, const error_code& ec) {
                       if (ec == restinio::asio_ns::error::operation_aborted)
                         return handler(ec,
                                        size_t{
                                          0}); // RESTinio closed it meanwhile
                       half_close_and_linger(buf, std::move(handler));
                     }});
    } else {
      half_close_and_linger(buf, std::forward<Handler>(handler));
    }
  }

  template <class Handler>
  void half_close_and_linger(restinio::asio_ns::mutable_buffer buf,
                             Handler&& handler) {
    error_code ignored;
    tcp_socket().shutdown(restinio::asio_ns::socket_base::shutdown_send,
                          ignored);
    linger(buf, std::forward<Handler>(handler), 0);
  }

  /// Drops what the client still sends after a refusal, so that closing
  /// does not reset the connection before the client read the answer;
  /// RESTinio's read timeout bounds how long. Reads the TCP socket (under
  /// the TLS layer, if any: nothing is decrypted after the refusal).
  template <class Handler>
  void linger(restinio::asio_ns::mutable_buffer buf, Handler&& handler,
              size_t dropped) {
    static constexpr size_t max_dropped = 1024 * 1024;
    tcp_socket().async_read_some(
      restinio::asio_ns::mutable_buffers_1{buf},
      continuation{std::forward<Handler>(handler),
                   [this, buf, dropped](auto& handler, const error_code& ec,
                                        size_t n) {
                     if (ec == restinio::asio_ns::error::operation_aborted)
                       // RESTinio closed it meanwhile.
                       return handler(ec, size_t{0});
                     if (ec || dropped + n > max_dropped)
                       return handler(restinio::asio_ns::error::eof, size_t{0});
                     linger(buf, std::move(handler), dropped + n);
                   }});
  }

  /// The TCP socket at the bottom.
  restinio::asio_ns::ip::tcp::socket& tcp_socket() {
    if constexpr (is_tls)
      return socket_.asio_ssl_stream().next_layer();
    else
      return socket_;
  }

  Socket socket_;
  std::unique_ptr<wire_guard> guard_;
};

/// The guarded TLS stream of the HTTPS front.
using guarded_tls_socket = guarded_socket<restinio::impl::tls_socket_t>;

/// RESTinio's hook before a connection's first read: nothing to prepare on
/// plain TCP. Found by argument-dependent lookup from RESTinio's connection.
template <class Socket, class Connection, class Start, class Failed>
void prepare_connection_and_start_read(guarded_socket<Socket>&, Connection&,
                                       Start start, Failed) {
  start();
}

/// Over TLS: the server side of the handshake first, like RESTinio's own
/// for tls_socket_t, but bounded by server_handshake_timeout(): RESTinio's
/// timers start only after it, and a client that connects and never
/// finishes it would otherwise hold a connection slot for good. At the
/// deadline the socket closes, which fails the handshake, and RESTinio
/// closes the connection as for any failed handshake (plain HTTP sent to
/// this port included).
template <class Connection, class Start, class Failed>
void prepare_connection_and_start_read(guarded_tls_socket& socket,
                                       Connection& con, Start start,
                                       Failed failed) {
  namespace asio = restinio::asio_ns;
  struct handshake_state {
    explicit handshake_state(asio::any_io_executor ex) : timer(std::move(ex)) {
    }
    asio::steady_timer timer;
    bool finished = false;
  };
  // Both completions run on the connection's strand: `finished` tells the
  // timer whether the handshake already ended.
  auto strand = con.get_executor();
  auto state = std::make_shared<handshake_state>(socket.get_executor());
  auto self = con.shared_from_this();
  state->timer.expires_after(server_handshake_timeout());
  state->timer.async_wait(
    asio::bind_executor(strand,
                        [state, self, &socket](const asio::error_code&) {
                          if (state->finished)
                            return;
                          asio::error_code ignored;
                          socket.lowest_layer().close(ignored);
                        }));
  socket.next_layer()
    .async_handshake(asio::ssl::stream_base::server,
                     asio::bind_executor(strand,
                                         [state, self, start = std::move(start),
                                          failed = std::move(failed)](
                                           const asio::error_code& ec) mutable {
                                           state->finished = true;
                                           state->timer.cancel();
                                           if (ec)
                                             return failed(ec);
                                           start();
                                         }));
}

/// RESTinio's connection-state listener wants the TLS stream, if any.
template <class Socket>
restinio::impl::tls_socket_t*
make_tls_socket_pointer_for_state_listener(guarded_socket<Socket>& s) noexcept {
  if constexpr (guarded_socket<Socket>::is_tls)
    return &s.next_layer();
  else
    return nullptr;
}

} // namespace shop::http

namespace restinio {

/// The guarded TLS stream takes the TLS context setting of RESTinio's own
/// (`settings.tls_context(...)`).
template <class Settings>
class socket_type_dependent_settings_t<Settings, shop::http::guarded_tls_socket>
  : public socket_type_dependent_settings_t<Settings, impl::tls_socket_t> {
protected:
  ~socket_type_dependent_settings_t() = default;

public:
  // User-provided: RESTinio's settings initialise this base with `{}`,
  // which would make a C++17 aggregate of it and initialise the base, whose
  // destructor is protected, from outside.
  socket_type_dependent_settings_t() {
  }
  socket_type_dependent_settings_t(socket_type_dependent_settings_t&&)
    = default;
};

namespace impl {

/// The accept pool of guarded TLS streams: RESTinio's pool for
/// tls_socket_t, whose sockets need the TLS context. A socket moved out to
/// a connection is replaced by a fresh one (a moved-from TLS stream is
/// empty).
template <>
class socket_supplier_t<shop::http::guarded_tls_socket> {
protected:
  template <class Settings>
  socket_supplier_t(Settings& settings, asio_ns::io_context& io_context)
    : tls_context_{settings.giveaway_tls_context()}, io_context_{io_context} {
    sockets_.reserve(settings.concurrent_accepts_count());
    while (sockets_.size() < settings.concurrent_accepts_count())
      sockets_.emplace_back(io_context_, tls_context_);
  }

  virtual ~socket_supplier_t() = default;

  shop::http::guarded_tls_socket& socket(std::size_t idx) {
    return sockets_.at(idx);
  }

  shop::http::guarded_tls_socket move_socket(std::size_t idx) {
    shop::http::guarded_tls_socket result{io_context_, tls_context_};
    std::swap(result, sockets_.at(idx));
    return result;
  }

  auto concurrent_accept_sockets_count() const {
    return sockets_.size();
  }

private:
  std::shared_ptr<asio_ns::ssl::context> tls_context_;
  asio_ns::io_context& io_context_;
  std::vector<shop::http::guarded_tls_socket> sockets_;
};

} // namespace impl

} // namespace restinio

/// A continuation runs where the handler it continues would run.
template <class Handler, class F, class Executor>
struct restinio::asio_ns::associated_executor<
  shop::http::continuation<Handler, F>, Executor> {
  using type = associated_executor_t<Handler, Executor>;

  static type get(const shop::http::continuation<Handler, F>& c,
                  const Executor& fallback = Executor()) noexcept {
    return associated_executor<Handler, Executor>::get(c.handler, fallback);
  }
};
