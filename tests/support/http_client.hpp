#pragma once

// A small blocking HTTP/1.1 client over POSIX sockets for the end-to-end
// tests: one connection per request ("Connection: close"), socket timeouts so
// a test can never hang on a silent server. Header-only because tests/support
// is not part of any suite's source glob.

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace shop::test {

/// Extra request headers, sent in this order (names may repeat).
using header_list = std::vector<std::pair<std::string, std::string>>;

/// A parsed HTTP response.
struct http_response {
  int status = 0;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;

  /// The header's value, or "" when absent.
  std::string header(const std::string& lower_case_name) const {
    auto i = headers.find(lower_case_name);
    return i == headers.end() ? std::string{} : i->second;
  }
};

/// Raised when the connection fails or the response is malformed.
class http_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// An owned socket descriptor.
class socket_fd {
public:
  socket_fd() = default;
  explicit socket_fd(int fd) : fd_(fd) {
  }
  socket_fd(socket_fd&& other) noexcept : fd_(other.release()) {
  }
  socket_fd& operator=(socket_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  ~socket_fd() {
    reset();
  }

  int get() const noexcept {
    return fd_;
  }
  int release() noexcept {
    auto fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
};

/// Connects to 127.0.0.1-style numeric IPv4 `host`:`port`, with send and
/// receive timeouts. Throws http_error when the connection fails.
inline socket_fd connect_tcp(const std::string& host, uint16_t port,
                             std::chrono::milliseconds timeout) {
  socket_fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (fd.get() < 0)
    throw http_error{std::string{"socket: "} + std::strerror(errno)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw http_error{"not a numeric IPv4 address: " + host};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
      != 0)
    throw http_error{"connect to " + host + ":" + std::to_string(port) + ": "
                     + std::strerror(errno)};
  return fd;
}

/// Writes all of `data`; throws http_error on failure or timeout.
inline void send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw http_error{std::string{"send: "} + std::strerror(errno)};
    }
    sent += static_cast<size_t>(n);
  }
}

/// Reads until the peer closes the connection; throws http_error on a
/// timeout. A reset after some data counts as the end (a server may reset a
/// connection whose request it did not read completely).
inline std::string recv_all(int fd) {
  std::string data;
  char buf[16 * 1024];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0)
      return data;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == ECONNRESET && !data.empty())
        return data;
      throw http_error{std::string{"recv: "} + std::strerror(errno)};
    }
    data.append(buf, static_cast<size_t>(n));
  }
}

inline std::string to_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

/// Parses one complete response (status line, headers, Content-Length or
/// read-to-end body; chunked bodies are decoded).
inline http_response parse_response(const std::string& raw) {
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos)
    throw http_error{"incomplete response: '" + raw + "'"};
  http_response resp;
  auto line_end = raw.find("\r\n");
  auto status_line = raw.substr(0, line_end);
  if (status_line.compare(0, 5, "HTTP/") != 0 || status_line.size() < 12)
    throw http_error{"bad status line: '" + status_line + "'"};
  resp.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end + 2;
  while (pos < head_end) {
    auto eol = raw.find("\r\n", pos);
    auto line = raw.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = line.find(':');
    if (colon == std::string::npos)
      throw http_error{"bad header line: '" + line + "'"};
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.pop_back();
    resp.headers.emplace(to_lower(line.substr(0, colon)), value);
  }
  auto body = raw.substr(head_end + 4);
  if (to_lower(resp.header("transfer-encoding")) == "chunked") {
    std::string decoded;
    size_t at = 0;
    for (;;) {
      auto eol = body.find("\r\n", at);
      if (eol == std::string::npos)
        throw http_error{"truncated chunked body"};
      auto size = std::stoul(body.substr(at, eol - at), nullptr, 16);
      at = eol + 2;
      if (size == 0)
        break;
      decoded += body.substr(at, size);
      at += size + 2;
    }
    resp.body = std::move(decoded);
  } else if (auto len = resp.header("content-length"); !len.empty()) {
    auto n = std::stoul(len);
    if (body.size() < n)
      throw http_error{"truncated body: expected " + len + " bytes, got "
                       + std::to_string(body.size())};
    resp.body = body.substr(0, n);
  } else {
    resp.body = std::move(body);
  }
  return resp;
}

/// Talks to one server.
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
                              const std::string& body,
                              const std::string& key) {
    return post(target, body, "application/json", {{"Idempotency-Key", key}});
  }

  /// The bytes of one request (asking to close the connection afterwards).
  /// An empty content_type sends no Content-Type header; a body always gets
  /// a Content-Length.
  std::string format_request(const std::string& method,
                             const std::string& target,
                             const std::string& body,
                             const std::string& content_type,
                             const header_list& headers = {}) const {
    std::string req = method + " " + target + " HTTP/1.1\r\n";
    req += "Host: " + host_ + ":" + std::to_string(port_) + "\r\n";
    req += "Connection: close\r\n";
    if (!content_type.empty())
      req += "Content-Type: " + content_type + "\r\n";
    for (const auto& [name, value] : headers)
      req += name + ": " + value + "\r\n";
    if (!body.empty() || method == "POST")
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    return req;
  }

  /// Sends one request and reads the whole response.
  http_response request(const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::string& content_type,
                        const header_list& headers = {}) {
    return raw(format_request(method, target, body, content_type, headers));
  }

  /// Sends raw bytes (which should ask to close the connection) and parses
  /// what comes back.
  http_response raw(const std::string& bytes) {
    auto fd = connect_tcp(host_, port_, timeout_);
    send_all(fd.get(), bytes);
    auto resp = parse_response(recv_all(fd.get()));
    if (on_response)
      on_response(bytes.substr(0, bytes.find("\r\n")), resp);
    return resp;
  }

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
