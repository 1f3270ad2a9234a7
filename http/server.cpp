#include "http/server.hpp"

// The only translation unit that includes RESTinio (it costs ~40 s to
// compile): the adapter that turns a RESTinio request into an exchange
// (http/exchange.hpp) and a chunked response into an event_sink, the
// tracking of requests in flight that a stop drains, and the server's
// lifecycle, over plain TCP or, with a certificate, TLS. The route table and
// the handlers (routes.cpp, *_handlers.cpp) never see RESTinio.

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <openssl/ssl.h>
#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "common/log.hpp"
#include "http/date.hpp"
#include "http/errors.hpp"
#include "http/exchange.hpp"
#include "http/guarded_socket.hpp"
#include "http/handler.hpp"
#include "http/route_metrics.hpp"
#include "http/routes.hpp"

namespace shop::http {

/// The output type of an answer whose bytes the front builds itself
/// (restinio_exchange::send), with the response builder below.
struct prebuilt_output {};

} // namespace shop::http

/// RESTinio's builders keep every header field as a pair of strings and
/// assemble them when the answer is done (create_header_string: 2,500
/// instructions of a GET /health's 24,700, the field vector another 1,500).
/// An answer of the front has a handful of fields known in advance, so it
/// builds its header section in one buffer and hands RESTinio the finished
/// bytes; what RESTinio keeps doing is what the other builders do at the end:
/// one write group for the request, in its order on the connection, closed
/// after it when the request or the front asks for it.
template <>
class restinio::response_builder_t<shop::http::prebuilt_output> final {
public:
  // The arguments of generic_request_t::create_response.
  response_builder_t(http_status_line_t, impl::connection_handle_t connection,
                     request_id_t request_id, bool should_keep_alive)
    : connection_(std::move(connection)), request_id_(request_id),
      keep_alive_(should_keep_alive) {
  }

  /// Whether the request lets the connection stay open after the answer.
  bool keep_alive() const noexcept {
    return keep_alive_;
  }

  impl::connection_base_t& connection() const noexcept {
    return *connection_;
  }

  /// Writes `bytes`, the whole answer, whose first `status_line_size` bytes
  /// are its status line; `keep_alive` must match the Connection header in
  /// them. `written` runs once the bytes are written or never will be.
  /// Called once; runs on the connection's strand when called on it.
  void done(std::string bytes, size_t status_line_size, bool keep_alive,
            write_status_cb_t written) {
    writable_items_container_t items;
    items.emplace_back(std::move(bytes));
    write_group_t wg{std::move(items)};
    wg.status_line_size(status_line_size);
    wg.after_write_notificator(std::move(written));
    auto connection = std::move(connection_);
    connection
      ->write_response_parts(request_id_,
                             response_output_flags_t{response_parts_attr_t::
                                                       final_parts,
                                                     response_connection_attr(
                                                       keep_alive)},
                             std::move(wg));
  }

private:
  impl::connection_handle_t connection_;
  request_id_t request_id_;
  bool keep_alive_;
};

namespace shop::http {

namespace {

constexpr const char* component = "http";

// -- server state -------------------------------------------------------------

/// Everything one run_server call shares between its requests. Outlives the
/// io_context (declared before it), so write callbacks that run while the
/// io_context is destroyed still find it.
struct server_state {
  handler_context ctx;
  /// Requests received but whose response is not yet written (or dropped);
  /// a live event stream counts until it ends.
  std::atomic<size_t> unanswered{0};
  /// Live exchange objects; each may hold a request handle, whose
  /// connection must die before the io_context.
  std::atomic<size_t> exchanges{0};
  /// Where answers given inside RESTinio's handler are posted (handle()).
  asio::io_context* ioctx = nullptr;
  /// The strand of a connection of this server (serve() knows its type).
  restinio::default_traits_t::strand_t& (*strand_of)(
    restinio::impl::connection_base_t&)
    = nullptr;

  /// Whether every request has been answered and every exchange released.
  bool drained() const noexcept {
    return unanswered == 0 && exchanges == 0;
  }
};

/// Whether this thread runs RESTinio's request handler right now (set by
/// handle()).
bool& inside_restinio_handler() noexcept {
  thread_local bool inside = false;
  return inside;
}

// -- the adapters -------------------------------------------------------------

using stream_response
  = restinio::response_builder_t<restinio::chunked_output_t>;

/// The body of a GET /events response. Counts as unanswered until finished.
class restinio_sink : public event_sink {
public:
  restinio_sink(std::shared_ptr<stream_response> resp, server_state* st)
    : resp_(std::move(resp)), st_(st) {
  }

  void write(std::string chunk, std::function<void()> on_failure) override {
    resp_->append_chunk(std::move(chunk))
      .flush([on_failure = std::move(on_failure)](
               const restinio::asio_ns::error_code& ec) {
        if (ec)
          on_failure();
      });
  }

  void finish() noexcept override {
    try {
      resp_->done();
    } catch (...) {
      // The connection is gone already; nothing to finish.
    }
    --st_->unanswered;
  }

private:
  std::shared_ptr<stream_response> resp_;
  server_state* st_;
};

/// An answer's bytes, gathered as pieces and copied once into a string of
/// their size (std::string's appends, one check and one call each, were
/// half the cost of a GET /health's answer).
class answer_bytes {
public:
  void add(std::string_view piece) {
    if (count_ == pieces_.size())
      throw std::logic_error(
        "an answer of more pieces than answer_bytes holds");
    pieces_[count_++] = piece;
    size_ += piece.size();
  }

  size_t size() const noexcept {
    return size_;
  }

  std::string join() const {
    std::string result(size_, '\0');
    auto* at = result.data();
    for (size_t i = 0; i < count_; ++i) {
      std::memcpy(at, pieces_[i].data(), pieces_[i].size());
      at += pieces_[i].size();
    }
    return result;
  }

private:
  // send() adds at most 27.
  std::array<std::string_view, 40> pieces_;
  size_t count_ = 0;
  size_t size_ = 0;
};

/// A number's decimal digits, for answer_bytes.
class decimal {
public:
  explicit decimal(uint64_t n) noexcept
    : size_(static_cast<size_t>(
      std::to_chars(digits_, digits_ + sizeof digits_, n).ptr - digits_)) {
  }

  std::string_view view() const noexcept {
    return {digits_, size_};
  }

private:
  char digits_[20];
  size_t size_;
};

/// An exchange over a RESTinio request handle, which it owns until the
/// answer is handed to RESTinio.
class restinio_exchange
  : public exchange,
    public std::enable_shared_from_this<restinio_exchange> {
public:
  restinio_exchange(server_state& st, restinio::request_handle_t req)
    : exchange(choose_request_id(values_of(*req, "X-Request-Id"))), st_(st),
      req_(std::move(req)) {
    ++st_.exchanges;
  }

  /// A request dropped without an answer (an actor that died without
  /// replying) still gets one.
  ~restinio_exchange() override {
    answer_if_dropped();
    --st_.exchanges;
  }

  // The request is read until it is answered (the answer's log line
  // included); after that it is gone and these return nothing.

  std::string_view method() const noexcept override {
    return req_ ? req_->header().method().c_str() : std::string_view{};
  }

  std::string_view target() const noexcept override {
    return req_ ? std::string_view{req_->header().request_target()}
                : std::string_view{};
  }

  std::string_view query() const noexcept override {
    if (!req_)
      return {};
    auto q = req_->header().query();
    return {q.data(), q.size()};
  }

  std::vector<std::string_view>
  header_values(std::string_view name) const override {
    return req_ ? values_of(*req_, name) : std::vector<std::string_view>{};
  }

  const std::string& body() const noexcept override {
    static const std::string none;
    return req_ ? req_->body() : none;
  }

  std::string remote_address() const override {
    return req_ ? req_->remote_endpoint().address().to_string() : std::string{};
  }

  void open_stream(
    std::string first_chunk,
    std::function<void(std::shared_ptr<event_sink>)> on_open) override {
    if (inside_restinio_handler()) {
      // The stream's first bytes go out after RESTinio's handler returned,
      // like every answer (see handle()).
      asio::post(*st_.ioctx, [self = shared_from_this(),
                              first_chunk = std::move(first_chunk),
                              on_open = std::move(on_open)]() mutable {
        self->open_stream(std::move(first_chunk), std::move(on_open));
      });
      return;
    }
    if (!stream_taken())
      return;
    auto req = std::move(req_);
    auto resp = std::make_shared<stream_response>(
      req->create_response<restinio::chunked_output_t>());
    resp->append_header(restinio::http_field::date, current_http_date())
      .append_header(restinio::http_field::content_type, "text/event-stream")
      .append_header(restinio::http_field::cache_control, "no-cache")
      .append_header("X-Request-Id", request_id())
      .append_chunk(std::move(first_chunk))
      .flush();
    on_open(std::make_shared<restinio_sink>(std::move(resp), &st_));
  }

protected:
  void send(uint16_t status, std::string body,
            const answer_headers& headers) override {
    auto req = std::move(req_);
    auto resp = req->create_response<prebuilt_output>();
    bool keep_alive = resp.keep_alive() && !st_.ctx.stopping;
    bool json = std::string_view{headers.content_type} == "application/json";
    decimal status_digits{status};
    decimal length_digits{body.size()};
    answer_bytes out;
    out.add("HTTP/1.1 ");
    out.add(status_digits.view());
    out.add(" ");
    out.add(reason_phrase(status));
    // As RESTinio counts it: without the line's CRLF.
    auto status_line_size = out.size();
    out.add("\r\n");
    out.add(keep_alive ? "Connection: keep-alive\r\n"
                       : "Connection: close\r\n");
    // The length is the body's even for HEAD: its answer announces the body
    // its GET would carry without sending it (RFC 9110 9.3.2).
    out.add("Content-Length: ");
    out.add(length_digits.view());
    out.add("\r\nDate: ");
    out.add(current_http_date());
    out.add("\r\nContent-Type: ");
    out.add(headers.content_type);
    out.add("\r\nX-Request-Id: ");
    out.add(request_id());
    out.add("\r\n");
    if (headers.allow != nullptr) {
      out.add("Allow: ");
      out.add(headers.allow);
      out.add("\r\n");
    }
    if (headers.www_authenticate != nullptr) {
      out.add("WWW-Authenticate: ");
      out.add(*headers.www_authenticate);
      out.add("\r\n");
    }
    decimal retry_digits{headers.retry_after};
    if (headers.retry_after != 0) {
      out.add("Retry-After: ");
      out.add(retry_digits.view());
      out.add("\r\n");
    }
    // API answers depend on the credentials and carry tokens (POST /login):
    // no cache may keep them (RFC 6749 5.1, RFC 6750 5.3).
    if (json)
      out.add("Cache-Control: no-store\r\n");
    out.add("\r\n");
    if (!is_head())
      out.add(body);
    auto bytes = out.join();
    // The callback runs once the bytes are written, or with an error when
    // they never will be (connection gone, io_context destroyed).
    auto* st = &st_;
    auto written
      = [st](const restinio::asio_ns::error_code&) { --st->unanswered; };
    if (!inside_restinio_handler()) {
      resp.done(std::move(bytes), status_line_size, keep_alive,
                std::move(written));
      return;
    }
    // Answered while RESTinio's handler still runs (the front's own
    // answers): written right after it returned, see handle(). Posted to
    // the connection's strand, where RESTinio writes it at once.
    auto& strand = st_.strand_of(resp.connection());
    asio::post(strand, [resp = std::move(resp), bytes = std::move(bytes),
                        status_line_size, keep_alive,
                        written = std::move(written)]() mutable {
      resp.done(std::move(bytes), status_line_size, keep_alive,
                std::move(written));
    });
  }

private:
  static std::vector<std::string_view> values_of(const restinio::request_t& req,
                                                 std::string_view name) {
    std::vector<std::string_view> result;
    req.header().for_each_value_of(restinio::string_view_t{name.data(),
                                                           name.size()},
                                   [&](restinio::string_view_t value) {
                                     result.emplace_back(value.data(),
                                                         value.size());
                                     return restinio::http_header_fields_t::
                                       continue_enumeration();
                                   });
    return result;
  }

  server_state& st_;
  restinio::request_handle_t req_;
};

/// RESTinio's request handler. An answer written from inside it makes
/// RESTinio 0.6 start reading the next pipelined request twice, which lost
/// the answers of pipelined requests while their effects were applied
/// (issue #10): answers given while it runs (inside_restinio_handler) are
/// posted to the io_context and written right after it returned. Requests
/// for a service leave through an actor, whose answer comes later anyway.
restinio::request_handling_status_t handle(server_state& st,
                                           restinio::request_handle_t req) {
  ++st.unanswered;
  struct in_handler {
    in_handler() noexcept {
      inside_restinio_handler() = true;
    }
    ~in_handler() {
      inside_restinio_handler() = false;
    }
  } scope;
  dispatch(st.ctx, std::make_shared<restinio_exchange>(st, std::move(req)));
  return restinio::request_accepted();
}

// -- lifecycle ----------------------------------------------------------------

/// RESTinio's defaults, with every connection's bytes behind a wire_guard
/// and a limit on the connections served at once (max_connections).
struct traits : restinio::default_traits_t {
  using stream_socket_t = guarded_socket<asio::ip::tcp::socket>;
  static constexpr bool use_connection_count_limiter = true;
};

/// The same over TLS (--http-tls-cert): the guard reads and writes the
/// plaintext above the TLS stream.
struct tls_traits : restinio::default_traits_t {
  using stream_socket_t = guarded_tls_socket;
  static constexpr bool use_connection_count_limiter = true;
};

/// The HTTPS front's TLS context: TLS 1.2 or newer, OpenSSL's default
/// ciphers at the system's security level with the server's preference, no
/// compression, no renegotiation, and the certificate chain and key of
/// `opts`. Throws std::runtime_error naming the file and OpenSSL's reason,
/// never the key's bytes.
std::shared_ptr<asio::ssl::context>
make_tls_context(const server_options& opts) {
  auto ctx
    = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  auto* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw std::runtime_error("TLS: cannot require TLS 1.2 or newer");
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
                                | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An encrypted key would make OpenSSL ask for its passphrase on the
  // terminal; the server has none to give: loading fails instead.
  ctx->set_password_callback(
    [](size_t, asio::ssl::context::password_purpose) { return std::string{}; });
  asio::error_code ec;
  ctx->use_certificate_chain_file(opts.tls_certificate, ec);
  if (ec)
    throw std::runtime_error("cannot load the TLS certificate chain "
                             + opts.tls_certificate + ": " + ec.message());
  ctx->use_private_key_file(opts.tls_key, asio::ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("cannot load the TLS key " + opts.tls_key + ": "
                             + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("the TLS key " + opts.tls_key
                             + " does not match the certificate "
                             + opts.tls_certificate);
  return ctx;
}

/// Once a stop is requested: polls until every request in flight is answered
/// (or the deadline passes), then stops the io_context. Polling keeps this
/// safe: nothing outside the io_context ever has to touch it.
void drain(asio::steady_timer& timer, server_state& st, asio::io_context& ioctx,
           std::chrono::steady_clock::time_point deadline) {
  if (st.drained() || std::chrono::steady_clock::now() >= deadline) {
    if (!st.drained())
      log::warning(component,
                   "stopping with {} requests unanswered, {} held by actors",
                   st.unanswered.load(), st.exchanges.load());
    ioctx.stop();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(5));
  timer.async_wait([&timer, &st, &ioctx, deadline](const asio::error_code&) {
    drain(timer, st, ioctx, deadline);
  });
}

} // namespace

wire_limits& server_wire_limits() {
  static wire_limits limits;
  return limits;
}

std::function<void(uint16_t)>& on_wire_refusal() {
  static std::function<void(uint16_t)> callback;
  return callback;
}

std::chrono::steady_clock::duration& server_handshake_timeout() {
  static std::chrono::steady_clock::duration timeout = std::chrono::seconds(10);
  return timeout;
}

namespace {

/// run_server's server, over plain TCP or TLS (`Traits`); `tls` is the TLS
/// context for tls_traits, null for traits.
template <class Traits>
void serve(server_state& st, asio::io_context& ioctx,
           const server_options& opts, const std::function<void()>& on_ready,
           std::shared_ptr<asio::ssl::context> tls) {
  const auto& limits = server_wire_limits();
  auto settings
    = restinio::server_settings_t<Traits>{}
        .address(opts.host)
        .port(opts.port)
        // One request at a time per connection: pipelined requests wait in
        // the buffer and are answered in order; the wire guard relies on it.
        .max_pipelined_requests(1)
        .incoming_http_msg_limits(
          restinio::incoming_http_msg_limits_t{}
            .max_url_size(2 * limits.max_target_bytes)
            .max_field_name_size(2 * limits.max_header_bytes)
            .max_field_value_size(2 * limits.max_header_bytes)
            .max_field_count(2 * limits.max_header_fields)
            .max_body_size(2 * limits.max_body_bytes))
        // At the limit RESTinio stops accepting until a connection closes;
        // the kernel holds the next ones in the listen backlog meanwhile.
        .max_parallel_connections(std::max<size_t>(opts.max_connections, 1))
        // The whole request, from when the server waits for it to its last
        // byte: a slow client is closed, and so is an idle keep-alive one.
        .read_next_http_message_timelimit(opts.read_timeout)
        // A backstop only: a request gets its 503 at request_timeout. It
        // also bounds the silence of an event stream, which writes at least
        // a keep-alive comment every two keep-alive periods.
        .handle_request_timeout(
          std::max<std::chrono::milliseconds>(opts.request_timeout,
                                              2 * opts.event_keepalive)
          + std::chrono::seconds(5))
        .request_handler([&st](restinio::request_handle_t req) {
          return handle(st, std::move(req));
        });
  if constexpr (std::is_same_v<Traits, tls_traits>)
    settings.tls_context(std::move(tls));
  static_assert(std::is_same_v<typename Traits::strand_t,
                               restinio::default_traits_t::strand_t>);
  st.strand_of = [](restinio::impl::connection_base_t& connection)
    -> restinio::default_traits_t::strand_t& {
    // Every connection of this server is one of these.
    return static_cast<restinio::impl::connection_t<Traits>&>(connection)
      .get_executor();
  };
  restinio::http_server_t<Traits> server{restinio::external_io_context(ioctx),
                                         std::move(settings)};
  asio::signal_set signals{ioctx, SIGINT, SIGTERM};
  asio::steady_timer drain_timer{ioctx};
  signals.async_wait([&](const asio::error_code& ec, int signo) {
    if (ec)
      return;
    log::info(component, "signal {} received, stopping", signo);
    st.ctx.stopping = true;
    // End the live streams: their connections would never drain.
    st.ctx.streams.stop_all();
    // Stop accepting; open connections stay until the io_context stops.
    server.close_async([]() noexcept {}, [](std::exception_ptr) noexcept {});
    drain(drain_timer, st, ioctx,
          std::chrono::steady_clock::now() + opts.request_timeout
            + std::chrono::seconds(1));
  });
  // Opening here, before any thread runs, turns a busy port into an
  // exception for the caller instead of an error in a callback.
  server.open_sync();
  if (on_ready)
    on_ready();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < std::max<size_t>(opts.threads, 1); ++i)
    threads.emplace_back([&ioctx] { ioctx.run(); });
  ioctx.run();
  for (auto& t : threads)
    t.join();
}

} // namespace

void run_server(caf::actor_system& sys, const services& svc,
                const server_options& opts, std::function<void()> on_ready) {
  // Made first: a certificate or key that does not load stops the start
  // before anything listens.
  bool use_tls = !opts.tls_certificate.empty() || !opts.tls_key.empty();
  auto tls = use_tls ? make_tls_context(opts) : nullptr;
  // Declaration order is destruction order in reverse: the state outlives
  // the io_context, which outlives the server and the signal set.
  auto auth = opts.auth ? opts.auth : ephemeral_authenticator();
  server_state st{{sys, svc, opts, *auth}};
  asio::io_context ioctx;
  st.ioctx = &ioctx;
  // The wire guard refuses (413, 414, 431) before these limits are reached;
  // RESTinio's own are a backstop at twice the size.
  server_wire_limits() = opts.limits;
  server_handshake_timeout() = opts.read_timeout;
  on_wire_refusal() = [](uint16_t status) {
    route_metrics_of(unmatched_route()).record(status, 0.0);
  };
  if (use_tls)
    serve<tls_traits>(st, ioctx, opts, on_ready, std::move(tls));
  else
    serve<traits>(st, ioctx, opts, on_ready, nullptr);
}

} // namespace shop::http
