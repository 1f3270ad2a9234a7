#pragma once

// The HTTP/1.1 rules RESTinio 0.6 does not keep by itself, enforced on the
// bytes of a connection before RESTinio parses them (http/server.cpp wraps
// every accepted socket in a guarded_socket that feeds this guard):
// - `Expect: 100-continue` gets its interim `100 Continue` once RESTinio
//   waits for the body (RESTinio never sends it, so curl waited 1 s);
// - an over-long request target gets 414, an over-large header section 431,
//   a body declared over the limit 413, a malformed message or conflicting
//   framing headers (Content-Length with Transfer-Encoding), a missing or
//   repeated Host 400, an unknown expectation 417 and another HTTP major
//   version 505: each with the JSON error body, then the connection closes
//   (RESTinio would close it silently, or accept what RFC 9112 refuses).
//
// The guard runs the same parser as RESTinio (libhttp-parser 2.9), so both
// agree on where each message starts and ends; the plainest requests, which
// it would pass anyway, it reads with a scanner that accepts a subset of
// what that parser accepts and ends each at the same byte (wire_guard.cpp),
// for a sixth of the instructions. Bytes from the first refused
// message on are never handed to RESTinio: every request before it is
// answered as usual, the refusal goes out after them, and nothing after it
// is read. That ordering relies on the server's setting of one request at a
// time per connection (max_pipelined_requests = 1) and on answers that
// never leave from inside RESTinio's handler: RESTinio then reads only when
// it has consumed everything it was given and no response is pending, which
// is exactly when an interim or final answer of the guard may be written.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace shop::http {

/// Limits on one request, checked as its bytes arrive.
struct wire_limits {
  /// Longest request target (the URL in the request line): 414 beyond.
  size_t max_target_bytes = 8 * 1024;
  /// Largest header section (names and values of every field): 431 beyond.
  size_t max_header_bytes = 16 * 1024;
  /// Most header fields in one request: 431 beyond.
  size_t max_header_fields = 100;
  /// Largest body, declared (Content-Length) or received (chunked): 413.
  size_t max_body_bytes = 64 * 1024;
};

/// Watches one connection's incoming bytes; see the top of this file.
class wire_guard {
public:
  /// How the guard reads messages. `fast` (the server's) first tries a
  /// scanner for the plainest requests, which the guard would pass anyway
  /// (see scan_plain in wire_guard.cpp), and hands every other message to
  /// http_parser; `parser_only` parses every message, for the tests that
  /// check both agree byte for byte.
  enum class scanning { fast, parser_only };

  explicit wire_guard(const wire_limits& limits,
                      scanning mode = scanning::fast);
  ~wire_guard();

  wire_guard(const wire_guard&) = delete;
  wire_guard& operator=(const wire_guard&) = delete;

  /// Scans `n` bytes just read from the connection. Returns how many of them
  /// RESTinio may parse: all, or those before the first message the guard
  /// refuses (refused() is true from then on, and take_output() yields the
  /// refusal). After a refusal every later byte is ignored (returns 0).
  size_t scan(const char* data, size_t n);

  /// What to write before the connection's next read, or an empty string:
  /// a `100 Continue` owed to the request whose body is awaited, or the
  /// refusal. Each is returned once.
  std::string take_output();

  /// Whether a message was refused: after its answer the connection closes.
  bool refused() const noexcept;

  /// The status of the refusal (0 when none), for the metrics.
  uint16_t refusal_status() const noexcept;

  /// How many messages the plain-request scanner read (for the tests).
  size_t plain_requests() const noexcept;

  /// A digest of the offsets in the connection's bytes where each message
  /// the guard let through ended (for the tests: the scanner and http_parser
  /// must end every message at the same byte).
  uint64_t message_ends() const noexcept;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace shop::http
