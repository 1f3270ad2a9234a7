#include "http/wire_guard.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <string_view>

#include <fmt/format.h>
#include <http_parser.h>

#include "common/text.hpp"
#include "http/date.hpp"
#include "http/errors.hpp"

namespace shop::http {

namespace {

/// Header names the guard looks at; longer names are none of them.
constexpr size_t max_tracked_name = 16;

/// Longest Expect value kept, lower-cased (the only one granted is
/// "100-continue").
constexpr size_t max_tracked_expect = 64;

/// Why http_parser stopped, in words a client can act on.
std::string describe(http_errno err) {
  switch (err) {
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return "conflicting framing: Content-Length together with "
             "Transfer-Encoding, or Content-Length twice";
    case HPE_INVALID_CONTENT_LENGTH:
      return "invalid Content-Length";
    case HPE_INVALID_TRANSFER_ENCODING:
      return "invalid Transfer-Encoding";
    case HPE_INVALID_CHUNK_SIZE:
      return "invalid chunk size";
    case HPE_INVALID_METHOD:
      return "unknown method";
    case HPE_INVALID_URL:
      return "invalid request target";
    case HPE_INVALID_VERSION:
      return "invalid HTTP version";
    case HPE_INVALID_HEADER_TOKEN:
      return "invalid character in a header";
    default:
      return fmt::format("malformed HTTP message ({})",
                         http_errno_description(err));
  }
}

} // namespace

struct wire_guard::impl {
  explicit impl(const wire_limits& limits) : limits(limits) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  }

  wire_limits limits;
  http_parser parser;

  /// What the guard counts of the message being read; one struct so that
  /// scan() can save and restore it with the parser (see there).
  struct message_state {
    size_t target_bytes = 0;
    size_t header_bytes = 0;
    size_t fields = 0;
    size_t body_bytes = 0;
    size_t host_fields = 0;
    size_t expect_fields = 0;
    /// The current field's name, lower-cased, up to max_tracked_name + 1.
    std::string name;
    bool in_value = false;
    std::string expect;
    /// A 100 Continue is owed: the request asked for it, its body has not
    /// started to arrive and the guard found nothing to refuse.
    bool continue_owed = false;
  };

  // -- the message being read ------------------------------------------------
  message_state msg;

  // -- the connection ----------------------------------------------------------
  /// The refusal, once decided; written before the next read.
  std::string refusal;
  uint16_t refusal_status = 0;
  bool refusal_sent = false;

  void begin_message() {
    msg = message_state{};
  }

  /// Decides the refusal; returns 1 so that http_parser stops at once.
  int refuse(const api_error& err) {
    refusal_status = err.status;
    bool head = parser.method == HTTP_HEAD && msg.target_bytes > 0;
    auto body = to_json(err);
    refusal = fmt::format("HTTP/1.1 {} {}\r\n"
                          "Date: {}\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: {}\r\n"
                          "Connection: close\r\n"
                          "\r\n",
                          err.status, reason_phrase(err.status),
                          current_http_date(), body.size());
    if (!head)
      refusal += body;
    return 1;
  }

  /// A field ends: count the headers the guard cares about.
  void end_field() {
    if (!msg.in_value)
      return;
    msg.in_value = false;
    if (msg.name == "host")
      ++msg.host_fields;
    else if (msg.name == "expect")
      ++msg.expect_fields;
  }

  int on_url(size_t n) {
    msg.target_bytes += n;
    if (msg.target_bytes > limits.max_target_bytes)
      return refuse(uri_too_long(limits.max_target_bytes));
    return 0;
  }

  int on_header_bytes(size_t n) {
    msg.header_bytes += n;
    if (msg.header_bytes > limits.max_header_bytes)
      return refuse(
        headers_too_large(fmt::format("the header section exceeds {} bytes",
                                      limits.max_header_bytes)));
    return 0;
  }

  int on_header_field(const char* at, size_t n) {
    if (msg.in_value || msg.fields == 0) {
      end_field();
      msg.name.clear();
      if (++msg.fields > limits.max_header_fields)
        return refuse(headers_too_large(
          fmt::format("more than {} header fields", limits.max_header_fields)));
    }
    for (size_t i = 0; i < n && msg.name.size() <= max_tracked_name; ++i)
      msg.name
        += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
    return on_header_bytes(n);
  }

  int on_header_value(const char* at, size_t n) {
    msg.in_value = true;
    if (msg.name == "expect")
      for (size_t i = 0; i < n && msg.expect.size() < max_tracked_expect; ++i)
        msg.expect
          += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
    return on_header_bytes(n);
  }

  int on_headers_complete() {
    // From this callback 1 means "no body" to http_parser, not "stop".
    return check_headers() == 0 ? 0 : -1;
  }

  int check_headers() {
    end_field();
    if (parser.http_major != 1)
      return refuse(version_not_supported());
    if (parser.http_minor >= 1 && msg.host_fields != 1)
      return refuse(invalid_request(msg.host_fields == 0
                                      ? "an HTTP/1.1 request needs a Host "
                                        "header"
                                      : "the Host header is repeated"));
    if (msg.host_fields > 1)
      return refuse(invalid_request("the Host header is repeated"));
    bool chunked = (parser.flags & F_CHUNKED) != 0;
    bool has_length = (parser.flags & F_CONTENTLENGTH) != 0;
    if (has_length && parser.content_length > limits.max_body_bytes)
      return refuse(body_too_large(limits.max_body_bytes));
    if (msg.expect_fields > 0) {
      if (msg.expect_fields > 1 || text::trim(msg.expect) != "100-continue")
        return refuse(expectation_failed());
      msg.continue_owed = chunked || (has_length && parser.content_length > 0);
    }
    return 0;
  }

  int on_body(size_t n) {
    msg.continue_owed = false;
    msg.body_bytes += n;
    if (msg.body_bytes > limits.max_body_bytes)
      return refuse(body_too_large(limits.max_body_bytes));
    return 0;
  }

  int on_message_complete() {
    msg.continue_owed = false;
    // Stop at each message's end, as RESTinio does, so scan() knows where
    // the next one begins.
    http_parser_pause(&parser, 1);
    return 0;
  }

  static impl& of(http_parser* p) {
    return *static_cast<impl*>(p->data);
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings result = [] {
      http_parser_settings s;
      http_parser_settings_init(&s);
      s.on_message_begin = [](http_parser* p) {
        of(p).begin_message();
        return 0;
      };
      s.on_url
        = [](http_parser* p, const char*, size_t n) { return of(p).on_url(n); };
      s.on_header_field = [](http_parser* p, const char* at, size_t n) {
        return of(p).on_header_field(at, n);
      };
      s.on_header_value = [](http_parser* p, const char* at, size_t n) {
        return of(p).on_header_value(at, n);
      };
      s.on_headers_complete
        = [](http_parser* p) { return of(p).on_headers_complete(); };
      s.on_body = [](http_parser* p, const char*, size_t n) {
        return of(p).on_body(n);
      };
      s.on_message_complete
        = [](http_parser* p) { return of(p).on_message_complete(); };
      return s;
    }();
    return result;
  }

  /// Parses `n` bytes again, one at a time, from the state before they were
  /// parsed as one, so that a limit is refused at the byte that crosses it.
  /// Needed when http_parser stops with an error: it reports a token's bytes
  /// (the target, a header name or value) when the token or the read ends,
  /// so an error inside a token drops the part read so far, and a target
  /// past max_target_bytes followed by an invalid byte got 400 in one read
  /// but 414 when the bytes came one per read. The verdict must not depend
  /// on how the network split the client's bytes (found by the wire_guard
  /// fuzz target, tests/fuzz/regressions/wire_guard/). Only on an error,
  /// which ends the connection, so it costs nothing on valid traffic.
  void reparse_bytewise(const http_parser& saved_parser,
                        const message_state& saved_msg, const char* data,
                        size_t n) {
    parser = saved_parser;
    parser.data = this;
    msg = saved_msg;
    for (size_t i = 0; i < n && refusal_status == 0; ++i) {
      http_parser_execute(&parser, &settings(), data + i, 1);
      if (HTTP_PARSER_ERRNO(&parser) != HPE_OK)
        break;
    }
  }

  size_t scan(const char* data, size_t n) {
    if (refusal_status != 0)
      return 0;
    // Where the message being parsed began in this chunk: a refused message
    // that began in an earlier chunk is withheld from its next byte on.
    size_t message_start = 0;
    size_t pos = 0;
    while (pos < n) {
      auto saved_parser = parser;
      auto saved_msg = msg;
      auto parsed
        = http_parser_execute(&parser, &settings(), data + pos, n - pos);
      auto err = HTTP_PARSER_ERRNO(&parser);
      if (err == HPE_PAUSED) {
        // One message complete; the next one starts right after it.
        if (refusal_status != 0)
          return message_start;
        pos += parsed;
        message_start = pos;
        if (parser.upgrade) {
          // RESTinio answers an Upgrade request like any other (it makes no
          // websockets here), then reads on: so does the guard.
          http_parser_init(&parser, HTTP_REQUEST);
          parser.data = this;
        } else {
          http_parser_pause(&parser, 0);
        }
        continue;
      }
      if (err == HPE_CLOSED_CONNECTION) {
        // Bytes after a request that asked to close: RESTinio closes after
        // answering it and never reads them; neither does the guard.
        return message_start;
      }
      if (err != HPE_OK) {
        if (refusal_status == 0)
          reparse_bytewise(saved_parser, saved_msg, data + pos, n - pos);
        if (refusal_status == 0)
          refuse(invalid_request(describe(err)));
        return message_start;
      }
      pos += parsed;
      if (parsed == 0)
        break; // cannot happen without an error; never loop forever
    }
    return n;
  }
};

wire_guard::wire_guard(const wire_limits& limits)
  : impl_(std::make_unique<impl>(limits)) {
}

wire_guard::~wire_guard() = default;

size_t wire_guard::scan(const char* data, size_t n) {
  return impl_->scan(data, n);
}

std::string wire_guard::take_output() {
  auto& d = *impl_;
  if (d.refusal_status != 0) {
    if (d.refusal_sent)
      return {};
    d.refusal_sent = true;
    return std::move(d.refusal);
  }
  if (d.msg.continue_owed) {
    d.msg.continue_owed = false;
    return "HTTP/1.1 100 Continue\r\n\r\n";
  }
  return {};
}

bool wire_guard::refused() const noexcept {
  return impl_->refusal_status != 0;
}

uint16_t wire_guard::refusal_status() const noexcept {
  return impl_->refusal_status;
}

} // namespace shop::http
