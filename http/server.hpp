#pragma once

// The HTTP front: one RESTinio server whose handlers turn requests into
// service messages, ask the service actors without blocking, and answer from
// the actors' replies.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/system.hpp"
#include "http/auth.hpp"
#include "http/wire_guard.hpp"

namespace shop::http {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  /// I/O threads of the HTTP server.
  size_t threads = 1;
  /// How long a request waits for a service before it gets 503.
  std::chrono::milliseconds request_timeout{5000};
  /// What one request may send: 413, 414, 431 beyond.
  wire_limits limits;
  /// Connections served at once (RESTinio's connection limiter): at the
  /// limit the server accepts no more until one closes; the kernel keeps
  /// the next ones waiting in the listen backlog.
  size_t max_connections = 1024;
  /// How long a client may take to send a request, from the moment the
  /// server waits for it (the connection opened, or the previous answer
  /// was written) to its last byte; then the connection closes. Bounds
  /// slow clients and idle keep-alive connections alike.
  std::chrono::milliseconds read_timeout{10000};
  /// Live GET /events streams at once; beyond, 503.
  size_t max_event_streams = 64;
  /// Requests this front may have in flight to one service; beyond, 503
  /// overloaded at once (http/admission.hpp).
  size_t max_in_flight = 192;
  /// An event stream that wrote nothing for this long gets a comment
  /// (`: keep-alive`): a dead connection fails that write and its stream
  /// ends.
  std::chrono::milliseconds event_keepalive{5000};
  /// Verifies tokens and the operator secret, signs login tokens. Null: a
  /// random token key for this run, and no operator.
  std::shared_ptr<const authenticator> auth;
  /// HTTPS: the certificate chain and the key (PEM files) the front
  /// presents; both empty: plain HTTP. TLS 1.2 or newer.
  std::string tls_certificate;
  std::string tls_key;
};

/// Every endpoint as (method, path), in the order of the route table: the
/// contract test compares them with docs/openapi.yaml.
std::vector<std::pair<std::string, std::string>> route_list();

/// The text of a file the server serves ("openapi.yaml", "asyncapi.yaml"
/// from docs/, "console.html" from http/), embedded at build time; nullptr
/// for others.
const char* contract_document(const char* name) noexcept;

/// Serves HTTP until SIGINT or SIGTERM, then closes the listening socket,
/// finishes (answers) the requests in flight and returns. `on_ready` runs once
/// the socket is listening (main logs the address there).
void run_server(caf::actor_system& sys, const services& svc,
                const server_options& opts,
                std::function<void()> on_ready = nullptr);

} // namespace shop::http
