#pragma once

// One HTTP request as the handlers see it: what the client sent and the one
// answer it gets, without RESTinio. The server's adapter (http/server.cpp)
// implements it over a RESTinio request handle; tests implement it with a
// fake that records the answer (tests/unit/http_handlers_test.cpp).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/auth.hpp"
#include "http/errors.hpp"

namespace shop::http {

class service_gate; // http/admission.hpp

/// The chunked body of a long-lived response (GET /events), written by an
/// event stream. Used by one actor at a time.
class event_sink {
public:
  virtual ~event_sink();

  /// Writes one chunk and flushes it. `on_failure` runs (on any thread) if
  /// the chunk never reaches the client (the connection is gone).
  virtual void write(std::string chunk, std::function<void()> on_failure) = 0;

  /// Ends the response; called once, when the stream ends. Never throws.
  virtual void finish() noexcept = 0;
};

/// The headers of an answer besides Date, Content-Type, Content-Length and
/// X-Request-Id, which every answer carries.
struct answer_headers {
  const char* content_type = "application/json";
  /// Allow (405, OPTIONS).
  const char* allow = nullptr;
  /// WWW-Authenticate (401).
  const std::string* www_authenticate = nullptr;
  /// Retry-After in seconds (429, 503 overloaded); 0: none.
  uint32_t retry_after = 0;
};

/// One request on its way through the system, from the router to the
/// handler to the actor whose reply answers it. Makes sure it gets exactly
/// one answer: later ones are ignored, and a derived class answers a dropped
/// request (one whose last owner never answered) with 503.
class exchange {
public:
  /// `request_id` is the request's correlation id (choose_request_id).
  explicit exchange(std::string request_id);

  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  virtual ~exchange();

  // -- the request ------------------------------------------------------------

  /// The method as sent ("GET", "HEAD", "POST", ...).
  virtual std::string_view method() const noexcept = 0;

  /// The request target as sent ("/getOrder?orderId=1").
  virtual std::string_view target() const noexcept = 0;

  /// The query string, without its '?'.
  virtual std::string_view query() const noexcept = 0;

  /// Every value the request sent for the header `name` (case-insensitive).
  /// The views point into the request, which outlives them.
  virtual std::vector<std::string_view>
  header_values(std::string_view name) const = 0;

  virtual const std::string& body() const noexcept = 0;

  /// The client's IP address as text, for the login throttle.
  virtual std::string remote_address() const = 0;

  // -- the caller -----------------------------------------------------------------

  /// Set by the router once it checked the route's access rule.
  void authenticated(principal who) noexcept {
    caller_ = who;
  }

  /// Who sent the request (anonymous until authenticated()).
  const principal& caller() const noexcept {
    return caller_;
  }

  /// The request's correlation id: the client's X-Request-Id when it sent
  /// a usable one, else a new one. Echoed in the response.
  const std::string& request_id() const noexcept {
    return request_id_;
  }

  // -- routing ------------------------------------------------------------------

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

  // -- admission ------------------------------------------------------------------

  /// Holds a place taken at `gate` (service_gate::try_enter) until the
  /// exchange is answered, or destroyed unanswered. At most one at a time.
  void hold(service_gate& gate) noexcept;

  // -- the answer -----------------------------------------------------------------

  /// Sends the response: records the route's metrics, logs the request and
  /// hands the answer to send(). Safe from any thread, though not from two
  /// at once (an exchange belongs to one actor at a time); later calls are
  /// ignored.
  void reply(uint16_t status, std::string body, const char* allow = nullptr,
             const char* content_type = "application/json");

  /// Answers with an error body ({"error", "message", "requestId"}) and
  /// the error's Retry-After and WWW-Authenticate; a 5xx is logged as a
  /// warning with its detail, which the client never sees.
  void fail(const api_error& err, const char* allow = nullptr);

  /// Answers with a long-lived 200 text/event-stream response whose body
  /// starts with `first_chunk`; `on_open` gets the sink for the rest once
  /// the headers are on their way. Counts the request as answered with 200.
  virtual void
  open_stream(std::string first_chunk,
              std::function<void(std::shared_ptr<event_sink>)> on_open)
    = 0;

protected:
  /// Writes the answer reply() accepted; called at most once, and never
  /// after stream_taken().
  virtual void send(uint16_t status, std::string body,
                    const answer_headers& headers)
    = 0;

  /// Whether the exchange has been answered (or handed to a stream).
  bool answered() const noexcept {
    return answered_;
  }

  /// For open_stream(): marks the request answered by a stream and records
  /// its 200. Returns false if it was answered already.
  bool stream_taken();

  /// For a derived class' destructor (where send() still dispatches to it):
  /// answers a request nobody answered with 503. Never throws.
  void answer_if_dropped() noexcept;

private:
  void answer(uint16_t status, std::string body, const answer_headers& headers);

  /// Gives the held place back, if any.
  void release() noexcept;

  std::chrono::steady_clock::time_point started_;
  size_t route_;
  std::string request_id_;
  principal caller_;
  /// The places of the gate held (service_gate::places), or null.
  std::shared_ptr<std::atomic<size_t>> held_;
  bool head_ = false;
  bool answered_ = false;
};

using exchange_ptr = std::shared_ptr<exchange>;

/// The correlation id of a request whose X-Request-Id headers are `given`:
/// the client's when it sent exactly one usable id (is_request_id), else a
/// new random one (16 hex digits).
std::string choose_request_id(const std::vector<std::string_view>& given);

} // namespace shop::http
