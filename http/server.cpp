#include "http/server.hpp"

// The only translation unit that includes RESTinio (it costs ~40 s to
// compile): the route table, the bridge from requests to service actors, and
// the server's lifecycle. Parsing, response bodies and error mapping live in
// light files of their own (request_parsing, responses, errors).

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <fmt/format.h>
#include <restinio/all.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "actors/messages.hpp"
#include "http/date.hpp"
#include "http/errors.hpp"
#include "http/guarded_socket.hpp"
#include "http/metrics_text.hpp"
#include "http/request_parsing.hpp"
#include "http/responses.hpp"

namespace shop::http {

namespace {

constexpr const char* component = "http";

// -- server state -------------------------------------------------------------

/// What every handler needs, shared by all requests of one run_server call.
/// Outlives the io_context (declared before it), so write callbacks that run
/// while the io_context is destroyed still find it.
struct server_state {
  caf::actor_system& sys;
  const services& svc;
  const server_options& opts;
  /// Requests received but whose response is not yet written (or dropped).
  std::atomic<size_t> unanswered{0};
  /// Live exchange objects; each may hold a request handle, whose
  /// connection must die before the io_context.
  std::atomic<size_t> exchanges{0};
  /// Set on SIGINT/SIGTERM: new requests get 503 from then on.
  std::atomic<bool> stopping{false};
  /// Where answers given inside RESTinio's handler are posted (handle()).
  asio::io_context* ioctx = nullptr;
  /// The live event streams (GET /events); each removes itself when it
  /// ends, and a stop ends them all.
  std::mutex streams_mtx{};
  std::vector<caf::actor> streams{};
};

// -- metrics ------------------------------------------------------------------

/// The request metrics of one route: a latency histogram and a counter per
/// status code, created on first use and then found without a lock.
class route_metrics {
public:
  explicit route_metrics(std::string route)
    : route_(std::move(route)),
      latency_(metrics::registry::global().get_histogram(
        "actorshop_http_request_duration_seconds",
        "Time from receiving an HTTP request to handing its response to the "
        "server, by route.",
        {{"route", route_}})) {
  }

  void record(uint16_t status, double seconds) {
    latency_.observe(seconds);
    auto& slot = by_status_[status < by_status_.size() ? status : 0];
    auto* c = slot.load(std::memory_order_acquire);
    if (c == nullptr) {
      // Racing threads get the same counter from the registry.
      c = &metrics::registry::global().get_counter(
        "actorshop_http_requests_total",
        "HTTP requests answered, by route and status code.",
        {{"route", route_}, {"status", std::to_string(status)}});
      slot.store(c, std::memory_order_release);
    }
    c->inc();
  }

private:
  std::string route_;
  metrics::histogram& latency_;
  std::array<std::atomic<metrics::counter*>, 600> by_status_{};
};

/// Metrics of every route, indexed like routes(); the last one counts the
/// requests no route matched.
std::vector<std::unique_ptr<route_metrics>>& all_route_metrics();

/// Index of the catch-all entry of all_route_metrics().
size_t unmatched_route();

/// Whether this thread runs RESTinio's request handler right now (set by
/// handle()).
bool& inside_restinio_handler() noexcept {
  thread_local bool inside = false;
  return inside;
}

// -- one request in flight ----------------------------------------------------

/// One HTTP request on its way through the system: owns the RESTinio request
/// handle until the response is handed to RESTinio, and makes sure every
/// request gets exactly one response.
class exchange {
public:
  exchange(server_state& st, restinio::request_handle_t req)
    : st_(st),
      req_(std::move(req)),
      started_(std::chrono::steady_clock::now()),
      route_(unmatched_route()) {
    ++st_.exchanges;
    auto given = header_values("X-Request-Id");
    request_id_ = given.size() == 1 && is_request_id(given.front())
                    ? std::string{given.front()}
                    : new_request_id();
  }

  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  /// A request dropped without an answer (an actor that died without
  /// replying) still gets one.
  ~exchange() {
    if (req_) {
      try {
        fail(api_error{503, "service_unavailable",
                       "the request was dropped, retry later"});
      } catch (...) {
        // Nothing more we can do for this client; never throw here.
      }
    }
    --st_.exchanges;
  }

  server_state& state() noexcept {
    return st_;
  }

  const std::string& body() const noexcept {
    return req_->body();
  }

  /// Every value the request sent for the header `name` (case-insensitive).
  /// The views point into the request, which outlives them.
  std::vector<std::string_view> header_values(std::string_view name) const {
    std::vector<std::string_view> result;
    req_->header().for_each_value_of(
      restinio::string_view_t{name.data(), name.size()},
      [&](restinio::string_view_t value) {
        result.emplace_back(value.data(), value.size());
        return restinio::http_header_fields_t::continue_enumeration();
      });
    return result;
  }

  std::string_view query() const noexcept {
    auto q = req_->header().query();
    return {q.data(), q.size()};
  }

  /// The request's correlation id: the client's X-Request-Id when it sent
  /// a usable one, else a new one. Echoed in the response.
  const std::string& request_id() const noexcept {
    return request_id_;
  }

  /// Hands the request to a long-lived response (GET /events): the
  /// exchange no longer answers it. Counts it as answered with 200.
  restinio::request_handle_t take_for_stream() {
    all_route_metrics()[route_]->record(200, metrics::seconds_since(started_));
    return std::move(req_);
  }

  /// The route (index into routes()) the request matched, for its metrics.
  void matched(size_t route) noexcept {
    route_ = route;
  }

  /// Answers a HEAD request: replies carry the headers of the GET answer
  /// but no body.
  void head_only() noexcept {
    head_ = true;
  }

  bool is_head() const noexcept {
    return head_;
  }

  /// Sends the response. Safe from any thread, though not from two at once
  /// (an exchange belongs to one actor at a time); later calls are ignored.
  void reply(uint16_t status, std::string json_body,
             const char* allow = nullptr,
             const char* content_type = "application/json") {
    auto req = std::move(req_);
    if (!req)
      return;
    auto seconds = metrics::seconds_since(started_);
    all_route_metrics()[route_]->record(status, seconds);
    log::debug_fields(component, "request", [&](auto write) {
      write({{"method", std::string{req->header().method().c_str()}},
             {"route", std::string{req->header().request_target()}},
             {"status", std::to_string(status)},
             {"duration_ms", fmt::format("{:.2f}", seconds * 1000)},
             {"request", request_id_}});
    });
    auto* st = &st_;
    // The length is set by hand so that a HEAD answer announces the body
    // its GET would carry without sending it (RFC 9110 9.3.2).
    auto resp = req->create_response<restinio::user_controlled_output_t>(
      restinio::http_status_line_t{restinio::http_status_code_t{status},
                                   reason_phrase(status)});
    resp.append_header(restinio::http_field::date, current_http_date())
      .append_header(restinio::http_field::content_type, content_type)
      .append_header("X-Request-Id", request_id_)
      .set_content_length(json_body.size());
    if (!head_)
      resp.set_body(std::move(json_body));
    if (allow != nullptr)
      resp.append_header(restinio::http_field::allow, allow);
    if (st_.stopping)
      resp.connection_close();
    // The callback runs once the bytes are written, or with an error when
    // they never will be (connection gone, io_context destroyed).
    auto written = [st](const restinio::asio_ns::error_code&) {
      --st->unanswered;
    };
    if (!inside_restinio_handler()) {
      resp.done(std::move(written));
      return;
    }
    // Answered while RESTinio's handler still runs (the front's own
    // answers): written right after it returned, see handle().
    asio::post(*st_.ioctx,
               [resp = std::move(resp), written]() mutable {
                 resp.done(std::move(written));
               });
  }

  /// Answers with an error body.
  void fail(const api_error& err, const char* allow = nullptr) {
    if (err.status >= 500)
      log::warning(component, "answering {} {}: {} (request {})", err.status,
                   err.code, err.detail.empty() ? err.message : err.detail,
                   request_id_);
    reply(err.status, to_json(err), allow);
  }

private:
  static std::string new_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{:016x}", rng());
  }

  server_state& st_;
  restinio::request_handle_t req_;
  std::chrono::steady_clock::time_point started_;
  size_t route_;
  std::string request_id_;
  bool head_ = false;
};

using exchange_ptr = std::shared_ptr<exchange>;

/// Asks `handle` with `xs...` from a short-lived actor, without blocking the
/// calling (RESTinio) thread; `on_reply` answers the request from the reply
/// and must take concrete parameter types (CAF checks them against the
/// handle's interface). Errors and the timeout become error responses.
/// The actor is hidden: CAF counts every other actor in a registry guarded
/// by a mutex and a condition variable (for await_all_actors_done), which
/// at tens of thousands of requests per second costs more than the request
/// itself. The server tracks its exchanges and drains them on stop instead.
template <class Handle, class OnReply, class... Ts>
void ask(const exchange_ptr& x, const Handle& handle, OnReply on_reply,
         Ts... xs) {
  auto timeout = x->state().opts.request_timeout;
  x->state().sys.spawn<caf::hidden>([x, handle, timeout, on_reply = std::move(on_reply),
                        args = std::make_tuple(std::move(xs)...)](
                         caf::event_based_actor* self) mutable {
    std::apply(
      [&](auto&... ys) {
        self->request(handle, timeout, std::move(ys)...)
          .then(std::move(on_reply),
                [x](caf::error& err) { x->fail(from_service_error(err)); });
      },
      args);
  });
}

// -- handlers -----------------------------------------------------------------

/// Parses a state-changing command's body with `parse` and attaches the
/// request's Idempotency-Key; on a client error, answers it and returns
/// nullopt. The service stores the key with the effect and replays the reply
/// it gave, so a retry renders exactly like the original answer.
template <class Parse>
auto keyed_command(const exchange_ptr& x, Parse parse)
  -> std::optional<std::decay_t<decltype(*parse(std::string_view{}))>> {
  auto key = parse_idempotency_key(x->header_values(idempotency_key_header));
  if (!key) {
    x->fail(key.error());
    return std::nullopt;
  }
  auto cmd = parse(x->body());
  if (!cmd) {
    x->fail(cmd.error());
    return std::nullopt;
  }
  cmd->idempotency_key = std::move(*key);
  cmd->correlation = x->request_id();
  return std::move(*cmd);
}

void get_health(const exchange_ptr& x) {
  x->reply(200, health_json());
}

void get_openapi(const exchange_ptr& x) {
  x->reply(200, contract_document("openapi.yaml"), nullptr,
           "application/yaml");
}

void get_asyncapi(const exchange_ptr& x) {
  x->reply(200, contract_document("asyncapi.yaml"), nullptr,
           "application/yaml");
}

// -- the live event stream ---------------------------------------------------

using stream_response = restinio::response_builder_t<restinio::chunked_output_t>;

struct stream_state {
  std::shared_ptr<stream_response> resp;
  server_state* st = nullptr;

  static inline const char* name = "event_stream";
};

/// One Server-Sent Events stream: writes every event the node's feed passes
/// on, as `event: <TYPE>` and `data: <JSON>`. Ends when the client goes away
/// (a failed write) or the server stops.
caf::behavior event_stream(caf::stateful_actor<stream_state>* self,
                           std::shared_ptr<stream_response> resp,
                           server_state* st) {
  self->state.resp = resp;
  self->state.st = st;
  // get_events registered this stream in st->streams; it leaves on exit.
  self->attach_functor([resp, st, addr = self->address()] {
    {
      std::lock_guard<std::mutex> guard{st->streams_mtx};
      auto& xs = st->streams;
      xs.erase(std::remove_if(xs.begin(), xs.end(),
                              [&](const caf::actor& x) {
                                return x.address() == addr;
                              }),
               xs.end());
    }
    try {
      resp->done();
    } catch (...) {
      // The connection is gone already; nothing to finish.
    }
    --st->unanswered;
  });
  auto write = [self](const char* type, std::string json) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
    self->state.resp
      ->append_chunk(fmt::format("event: {}\ndata: {}\n\n", type, json))
      .flush([weak](const restinio::asio_ns::error_code& ec) {
        if (ec)
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

void get_events(const exchange_ptr& x) {
  auto& st = x->state();
  if (!st.svc.feed)
    return x->fail(api_error{503, "service_unavailable",
                             "this node has no event feed"});
  if (x->is_head())
    return x->reply(200, "", nullptr, "text/event-stream");
  if (inside_restinio_handler())
    // The stream's first bytes go out after RESTinio's handler returned,
    // like every answer (see handle()).
    return asio::post(*st.ioctx, [x] { get_events(x); });
  auto req = x->take_for_stream();
  auto resp = std::make_shared<stream_response>(
    req->create_response<restinio::chunked_output_t>());
  resp->append_header(restinio::http_field::date, current_http_date())
    .append_header(restinio::http_field::content_type, "text/event-stream")
    .append_header(restinio::http_field::cache_control, "no-cache")
    .append_header("X-Request-Id", x->request_id())
    .append_chunk(": the events of this node, as they commit\n\n")
    .flush();
  auto stream = st.sys.spawn<caf::hidden>(event_stream, resp, &st);
  {
    // Registered here, on the I/O thread, before any stop can look: a stop
    // ends every stream before the server state goes away.
    std::lock_guard<std::mutex> guard{st.streams_mtx};
    st.streams.push_back(stream);
  }
  // A stop that began meanwhile (another I/O thread) may have missed it.
  if (st.stopping)
    caf::anon_send_exit(stream, caf::exit_reason::user_shutdown);
  caf::anon_send(st.svc.feed, atom::join_v, stream);
}

void get_console(const exchange_ptr& x) {
  x->reply(200, contract_document("console.html"), nullptr,
           "text/html; charset=utf-8");
}

void get_metrics(const exchange_ptr& x) {
  x->reply(200, to_prometheus(metrics::registry::global().collect()), nullptr,
           prometheus_content_type);
}

/// Ready when every service answers on this node: a local one whose worker
/// runs (its storage loaded), a remote one whose node is connected.
void get_ready(const exchange_ptr& x) {
  ask(
    x, x->state().svc.directory,
    [x](std::vector<service_status>& xs) {
      bool ready = std::all_of(xs.begin(), xs.end(),
                               [](auto& s) { return s.reachable; });
      x->reply(ready ? 200 : 503, ready_json(ready, xs));
    },
    atom::status_v);
}

void post_register(const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_register);
  if (!cmd)
    return;
  ask(
    x, x->state().svc.users,
    [x](user& u) { x->reply(201, registered_json(u)); }, std::move(*cmd));
}

/// Parses the query string and the required id parameter `name`.
parsed<int64_t> id_from_query(const exchange_ptr& x, const char* name) {
  auto params = parse_query(x->query());
  if (!params)
    return params.error();
  return parse_id_param(*params, name);
}

void get_user_info(const exchange_ptr& x) {
  auto id = id_from_query(x, "userId");
  if (!id)
    return x->fail(id.error());
  ask(
    x, x->state().svc.users, [x](user& u) { x->reply(200, user_json(u)); },
    atom::get_v, *id);
}

void post_create_account(const exchange_ptr& x) {
  auto id = parse_create_account(x->body());
  if (!id)
    return x->fail(id.error());
  ask(
    x, x->state().svc.billing,
    [x](account& acc, bool created) {
      x->reply(created ? 201 : 200, account_json(acc));
    },
    atom::open_v, *id);
}

void get_my_balance(const exchange_ptr& x) {
  auto id = id_from_query(x, "userId");
  if (!id)
    return x->fail(id.error());
  ask(
    x, x->state().svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, atom::balance_v,
    *id);
}

void post_deposit(const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_deposit);
  if (!cmd)
    return;
  ask(
    x, x->state().svc.billing,
    [x](account& acc) { x->reply(200, account_json(acc)); }, *cmd);
}

void post_payment(const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_payment);
  if (!cmd)
    return;
  ask(
    x, x->state().svc.billing,
    [x](payment_outcome& out) { x->reply(200, payment_json(out)); }, *cmd);
}

void get_items(const exchange_ptr& x) {
  ask(
    x, x->state().svc.orders,
    [x](std::vector<item>& xs) { x->reply(200, items_json(xs)); },
    atom::list_v);
}

void post_create_order(const exchange_ptr& x) {
  auto cmd = keyed_command(x, parse_create_order);
  if (!cmd)
    return;
  ask(
    x, x->state().svc.orders,
    [x](order& o) { x->reply(201, created_order_json(o)); }, *cmd);
}

void get_order(const exchange_ptr& x) {
  auto id = id_from_query(x, "orderId");
  if (!id)
    return x->fail(id.error());
  ask(
    x, x->state().svc.orders, [x](order& o) { x->reply(200, order_json(o)); },
    atom::get_v, *id);
}

void get_all_sent_messages(const exchange_ptr& x) {
  auto params = parse_query(x->query());
  if (!params)
    return x->fail(params.error());
  auto filter = parse_messages_query(*params);
  if (!filter)
    return x->fail(filter.error());
  ask(
    x, x->state().svc.notifications,
    [x](std::vector<notification>& xs) {
      x->reply(200, notifications_json(xs));
    },
    atom::list_v, *filter);
}

void get_cluster(const exchange_ptr& x) {
  auto node = caf::to_string(x->state().sys.node());
  ask(
    x, x->state().svc.directory,
    [x, node](std::vector<service_status>& xs) {
      x->reply(200, cluster_json(node, xs));
    },
    atom::status_v);
}

// -- routing ------------------------------------------------------------------

struct route {
  std::string_view path;
  restinio::http_method_id_t method;
  void (*handler)(const exchange_ptr&);
};

/// Every endpoint of the API. Paths are matched exactly.
const std::vector<route>& routes() {
  using restinio::http_method_get;
  using restinio::http_method_post;
  static const std::vector<route> table{
    {"/", http_method_get(), get_console},
    {"/events", http_method_get(), get_events},
    {"/health", http_method_get(), get_health},
    {"/ready", http_method_get(), get_ready},
    {"/metrics", http_method_get(), get_metrics},
    {"/openapi.yaml", http_method_get(), get_openapi},
    {"/asyncapi.yaml", http_method_get(), get_asyncapi},
    {"/cluster", http_method_get(), get_cluster},
    {"/register", http_method_post(), post_register},
    {"/getUserInfo", http_method_get(), get_user_info},
    {"/createAccount", http_method_post(), post_create_account},
    {"/myBalance", http_method_get(), get_my_balance},
    {"/deposit", http_method_post(), post_deposit},
    {"/payment", http_method_post(), post_payment},
    {"/items", http_method_get(), get_items},
    {"/createOrder", http_method_post(), post_create_order},
    {"/getOrder", http_method_get(), get_order},
    {"/getAllSentMessages", http_method_get(), get_all_sent_messages},
  };
  return table;
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

std::vector<std::pair<std::string, std::string>> route_list() {
  std::vector<std::pair<std::string, std::string>> result;
  for (auto& r : routes())
    result.emplace_back(r.method.c_str(), std::string{r.path});
  return result;
}

namespace {

std::vector<std::unique_ptr<route_metrics>>& all_route_metrics() {
  static std::vector<std::unique_ptr<route_metrics>> all = [] {
    std::vector<std::unique_ptr<route_metrics>> xs;
    for (auto& r : routes())
      xs.push_back(std::make_unique<route_metrics>(std::string{r.path}));
    xs.push_back(std::make_unique<route_metrics>("unmatched"));
    return xs;
  }();
  return all;
}

size_t unmatched_route() {
  return routes().size();
}

/// The path of a request target: origin-form ("/x?q") as it is, and
/// absolute-form ("http://host/x?q", RFC 9112 3.2.2) without its scheme and
/// authority.
std::string_view target_path(std::string_view target) noexcept {
  auto scheme_end = target.find("://");
  if (!target.empty() && target.front() != '/'
      && scheme_end != std::string_view::npos) {
    auto slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? std::string_view{"/"}
                                             : target.substr(slash);
  }
  return target.substr(0, std::min(target.find('?'), target.find('#')));
}

/// Finds the handler for the request, or answers 404/405/413/503 itself.
/// HEAD runs the GET handler and drops the body.
void dispatch(const exchange_ptr& x, const restinio::request_t& req) {
  auto& st = x->state();
  auto target = req.header().request_target();
  auto path = target_path({target.data(), target.size()});
  auto method = req.header().method();
  bool head = method == restinio::http_method_head();
  if (head) {
    x->head_only();
    method = restinio::http_method_get();
  }
  if (st.stopping)
    return x->fail(shutting_down());
  if (req.body().size() > st.opts.limits.max_body_bytes)
    return x->fail(body_too_large(st.opts.limits.max_body_bytes));
  std::string allow;
  auto& table = routes();
  for (size_t i = 0; i < table.size(); ++i) {
    auto& r = table[i];
    if (r.path != path)
      continue;
    x->matched(i);
    if (r.method == method)
      return r.handler(x);
    if (!allow.empty())
      allow += ", ";
    allow += r.method.c_str();
    if (r.method == restinio::http_method_get())
      allow += ", HEAD";
  }
  if (allow.empty())
    return x->fail(path_not_found(std::string{path}));
  x->fail(method_not_allowed(req.header().method().c_str(), std::string{path}),
          allow.c_str());
}

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
  auto x = std::make_shared<exchange>(st, req);
  try {
    dispatch(x, *req);
  } catch (const std::exception& e) {
    x->fail(internal_error(e.what()));
  }
  return restinio::request_accepted();
}

// -- lifecycle ----------------------------------------------------------------

/// RESTinio's defaults, with every connection's bytes behind a wire_guard.
struct traits : restinio::default_traits_t {
  using stream_socket_t = guarded_socket<asio::ip::tcp::socket>;
};

/// Once a stop is requested: polls until every request in flight is answered
/// (or the deadline passes), then stops the io_context. Polling keeps this
/// safe: nothing outside the io_context ever has to touch it.
void drain(asio::steady_timer& timer, server_state& st, asio::io_context& ioctx,
           std::chrono::steady_clock::time_point deadline) {
  if ((st.unanswered == 0 && st.exchanges == 0)
      || std::chrono::steady_clock::now() >= deadline) {
    if (st.unanswered != 0 || st.exchanges != 0)
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

void run_server(caf::actor_system& sys, const services& svc,
                const server_options& opts, std::function<void()> on_ready) {
  // Declaration order is destruction order in reverse: the state outlives
  // the io_context, which outlives the server and the signal set.
  server_state st{sys, svc, opts};
  asio::io_context ioctx;
  st.ioctx = &ioctx;
  // The wire guard refuses (413, 414, 431) before these limits are reached;
  // RESTinio's own are a backstop at twice the size.
  const auto& limits = server_wire_limits() = opts.limits;
  on_wire_refusal() = [](uint16_t status) {
    all_route_metrics()[unmatched_route()]->record(status, 0.0);
  };
  auto settings
    = restinio::server_settings_t<traits>{}
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
        .handle_request_timeout(opts.request_timeout + std::chrono::seconds(5))
        .request_handler([&st](restinio::request_handle_t req) {
          return handle(st, std::move(req));
        });
  restinio::http_server_t<traits> server{restinio::external_io_context(ioctx),
                                         std::move(settings)};
  asio::signal_set signals{ioctx, SIGINT, SIGTERM};
  asio::steady_timer drain_timer{ioctx};
  signals.async_wait([&](const asio::error_code& ec, int signo) {
    if (ec)
      return;
    log::info(component, "signal {} received, stopping", signo);
    st.stopping = true;
    // End the live streams: their connections would never drain.
    {
      std::lock_guard<std::mutex> guard{st.streams_mtx};
      for (auto& s : st.streams)
        caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    }
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

} // namespace shop::http
