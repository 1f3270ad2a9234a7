#pragma once

// Raw TCP for the tests that put bytes on the wire themselves, which an HTTP
// client library cannot do: malformed or conflicting framing, pipelined
// bursts, HEAD and 100 Continue read byte by byte, a keep-alive connection
// left idle while the server stops, a stream read as it arrives, many
// connections opened before any of them sends. Everything else uses
// http_client (support/http_client.hpp).

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>

#include "support/http_client.hpp"

namespace shop::test {

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

/// The bytes of one request to `to`'s server, asking to close the connection
/// afterwards. An empty content_type sends no Content-Type header; a body
/// always gets a Content-Length, and so does a POST without one.
inline std::string format_request(const http_client& to,
                                  const std::string& method,
                                  const std::string& target,
                                  const std::string& body,
                                  const std::string& content_type,
                                  const header_list& headers = {}) {
  std::string req = method + " " + target + " HTTP/1.1\r\n";
  req += "Host: " + to.host() + ":" + std::to_string(to.port()) + "\r\n";
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

} // namespace shop::test
