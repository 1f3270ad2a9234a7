#pragma once

// The end-to-end tests' blocking HTTP/1.1 client: cpp-httplib underneath
// (tests/support/http_client.cpp, the only file that includes httplib.h),
// one connection per request ("Connection: close"), timeouts so a test can
// never hang on a silent server; HTTPS with a CA file (ca_file). Tests that put
// bytes on the wire themselves (malformed requests, pipelining, keep-alive,
// streams) use support/raw_socket.hpp instead.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace shop::test {

/// Extra request headers (names may repeat; repeated names keep their order).
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Lower-cases ASCII letters.
inline std::string to_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

/// A parsed HTTP response.
struct http_response {
  int status = 0;
  /// Header names in lower case; the first value of a repeated name.
  std::map<std::string, std::string> headers;
  std::string body;

  /// The header's value (the name in any case), or "" when absent.
  std::string header(const std::string& name) const {
    auto i = headers.find(to_lower(name));
    return i == headers.end() ? std::string{} : i->second;
  }
};

/// Raised when the connection fails or the response is malformed.
class http_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Talks to one server. Holds no connection: each request opens its own.
class http_client {
public:
  http_client(std::string host, uint16_t port,
              std::chrono::milliseconds timeout = std::chrono::seconds(15))
    : host_(std::move(host)), port_(port), timeout_(timeout) {
  }

  uint16_t port() const noexcept {
    return port_;
  }

  const std::string& host() const noexcept {
    return host_;
  }

  /// The connect, read and write timeout of every request.
  std::chrono::milliseconds timeout() const noexcept {
    return timeout_;
  }

  http_response get(const std::string& target) {
    return request("GET", target, "", "");
  }

  http_response post(const std::string& target, const std::string& body,
                     const std::string& content_type = "application/json",
                     const header_list& headers = {}) {
    return request("POST", target, body, content_type, headers);
  }

  /// POST with an Idempotency-Key header.
  http_response post_with_key(const std::string& target,
                              const std::string& body, const std::string& key) {
    return post(target, body, "application/json", {{"Idempotency-Key", key}});
  }

  /// Sends one request and reads the whole response; throws http_error when
  /// the connection fails, times out or the answer is not HTTP. `target` goes
  /// on the request line as given (not re-encoded). An empty content_type
  /// sends no Content-Type header; a body always gets a Content-Length, and
  /// so does a POST without one.
  http_response request(const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::string& content_type,
                        const header_list& headers = {});

  /// Sent as "Authorization: Bearer <bearer>" with every request that has
  /// no Authorization header of its own; empty: none.
  std::string bearer;

  /// HTTPS when set: the CA certificate file (PEM) the server's certificate
  /// must chain to, with its name or address (host()) checked too; empty:
  /// plain HTTP.
  std::string ca_file;

  /// Called with the request line and the response of every exchange (the
  /// contract run checks the validating proxy's verdict there).
  std::function<void(const std::string&, const http_response&)> on_response;

  /// Like get(), but nullopt instead of an exception when the server does
  /// not accept connections (yet).
  std::optional<http_response> try_get(const std::string& target) {
    try {
      return get(target);
    } catch (const http_error&) {
      return std::nullopt;
    }
  }

private:
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
};

} // namespace shop::test
