#include "http/wire_guard.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <optional>
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

// -- the plain-request scanner -------------------------------------------------
//
// http_parser costs a tenth of the front's instructions per request, and
// RESTinio runs it on the same bytes right after the guard. Nearly every
// request is a plain one: a known method, an origin-form target, HTTP/1.1,
// `Name: value` lines ending in CRLF, one Host, at most one Content-Length
// and none of the fields that change how a message is framed or answered
// (Transfer-Encoding, Expect, Connection, Proxy-Connection, Upgrade). For
// such a request, whose header section arrived whole in one read, the guard
// only needs where it ends, which a scan over its bytes tells. Everything
// else, and every message the guard might refuse, goes to http_parser from
// its first byte, as before. The scanner accepts a subset of what
// http_parser accepts, with the same end: tests/unit/wire_guard_test.cpp
// checks every byte value in every position against it, and the wire_guard
// fuzz target runs each input through both.

/// Bytes allowed in a plain request's target: visible ASCII except '#'
/// (a fragment is http_parser's business). A subset of http_parser's URL
/// characters.
constexpr bool plain_target_char(unsigned char c) noexcept {
  return c > 0x20 && c < 0x7f && c != '#';
}

/// RFC 9110 token characters, for field names.
constexpr bool token_char(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
      || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

/// Field-value bytes of a plain request: visible ASCII, space and tab.
constexpr bool plain_value_char(unsigned char c) noexcept {
  return (c >= 0x20 && c < 0x7f) || c == '\t';
}

// Eight bytes at a time (a JWT in Authorization is ~200 bytes): whether a
// word may hold a byte below `n`, one equal to `b`, one of 0x80 and above.
// False positives only send the word to the byte-wise check.
constexpr uint64_t ones = 0x0101010101010101ULL;
constexpr uint64_t highs = 0x8080808080808080ULL;

constexpr uint64_t has_below(uint64_t w, uint8_t n) noexcept {
  return (w - ones * n) & ~w & highs;
}

constexpr uint64_t has_byte(uint64_t w, uint8_t b) noexcept {
  return has_below(w ^ (ones * b), 1);
}

/// How many of the `n` bytes at `p` `ok` accepts: eight at a time while
/// `maybe_not` finds nothing in a word, then byte by byte.
template <class Ok, class MaybeNot>
size_t run_of(const char* p, size_t n, Ok ok, MaybeNot maybe_not) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (maybe_not(w))
      break;
  }
  while (i < n && ok(static_cast<unsigned char>(p[i])))
    ++i;
  return i;
}

/// A plain request's framing, when scan_plain recognised one.
struct plain_request {
  /// The request line and header section, final empty line included.
  size_t head_bytes = 0;
  /// Content-Length, 0 without one.
  size_t body_bytes = 0;
};

/// Recognises a plain request at the start of `data` (see above), which the
/// guard passes under `limits`; nullopt for anything else, which http_parser
/// then parses.
std::optional<plain_request> scan_plain(std::string_view data,
                                        const wire_limits& limits) {
  static constexpr std::string_view methods[]
    = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "PATCH ", "OPTIONS "};
  size_t pos = 0;
  for (auto method : methods)
    if (data.substr(0, method.size()) == method) {
      pos = method.size();
      break;
    }
  if (pos == 0)
    return std::nullopt;
  // The target: origin-form, within its limit.
  auto target_begin = pos;
  if (pos >= data.size() || data[pos] != '/')
    return std::nullopt;
  pos += run_of(data.data() + pos, data.size() - pos, plain_target_char,
                [](uint64_t w) {
                  return (w & highs) | has_below(w, 0x21) | has_byte(w, 0x7f)
                         | has_byte(w, '#');
                });
  if (pos - target_begin > limits.max_target_bytes)
    return std::nullopt;
  constexpr std::string_view version = " HTTP/1.1\r\n";
  if (data.substr(pos, version.size()) != version)
    return std::nullopt;
  pos += version.size();
  // The fields, up to the empty line; their bytes all count against the
  // header limit, more than http_parser counts (names and values only).
  auto fields_begin = pos;
  size_t fields = 0;
  size_t hosts = 0;
  std::optional<size_t> length;
  for (;;) {
    // http_parser's own bound on a message's head (80 KB) is its to refuse.
    if (pos - fields_begin > limits.max_header_bytes
        || pos > HTTP_MAX_HEADER_SIZE)
      return std::nullopt;
    if (data.substr(pos, 2) == "\r\n") {
      pos += 2;
      break;
    }
    auto name_begin = pos;
    while (pos < data.size()
           && token_char(static_cast<unsigned char>(data[pos])))
      ++pos;
    if (pos == name_begin || pos >= data.size() || data[pos] != ':')
      return std::nullopt;
    auto name = data.substr(name_begin, pos - name_begin);
    ++pos;
    while (pos < data.size() && (data[pos] == ' ' || data[pos] == '\t'))
      ++pos;
    auto value_begin = pos;
    pos += run_of(data.data() + pos, data.size() - pos, plain_value_char,
                  [](uint64_t w) {
                    return (w & highs) | has_below(w, 0x20) | has_byte(w, 0x7f);
                  });
    if (data.substr(pos, 2) != "\r\n")
      return std::nullopt; // incomplete, a bare CR or LF, another byte
    auto value = data.substr(value_begin, pos - value_begin);
    pos += 2;
    if (++fields > limits.max_header_fields)
      return std::nullopt;
    if (text::iequals_ascii(name, "host")) {
      ++hosts;
    } else if (text::iequals_ascii(name, "content-length")) {
      // Digits only, no more than fit: anything else is http_parser's.
      // (from_chars takes neither a sign nor spaces for an unsigned type).
      size_t n = 0;
      auto end = value.data() + value.size();
      if (length || value.empty() || value.size() > 15
          || std::from_chars(value.data(), end, n).ptr != end)
        return std::nullopt;
      length = n;
    } else if (text::istarts_with_ascii(name, "transfer-encoding")
               || text::istarts_with_ascii(name, "content-length")
               || text::istarts_with_ascii(name, "expect")
               || text::istarts_with_ascii(name, "connection")
               || text::istarts_with_ascii(name, "proxy-connection")
               || text::istarts_with_ascii(name, "upgrade")) {
      // Any name that begins like one of these: http_parser 2.9.4 takes
      // "Transfer-Encoding-x" for a Transfer-Encoding (found by the fuzz
      // target, tests/fuzz/regressions/wire_guard/), and the others are
      // left to it the same way.
      return std::nullopt;
    }
  }
  if (hosts != 1 || length.value_or(0) > limits.max_body_bytes)
    return std::nullopt;
  return plain_request{pos, length.value_or(0)};
}

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
  impl(const wire_limits& limits, scanning mode)
    : limits(limits), fast(mode == scanning::fast) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  }

  wire_limits limits;
  bool fast;
  http_parser parser;
  /// Whether the next byte begins a message that may be a plain one: the
  /// parser is between messages and would take another (not after a
  /// request that asked to close).
  bool between_messages = true;
  /// The bytes of a plain request's body still to come.
  size_t plain_body_left = 0;
  size_t plain_requests = 0;
  /// The bytes scanned before this call, and a digest of the offsets where
  /// messages ended (for the tests: both ways of reading must agree).
  size_t scanned = 0;
  uint64_t message_ends = 0;

  void message_ended(size_t pos) noexcept {
    message_ends = message_ends * 1000003 + scanned + pos;
  }

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
    // http_parser reads a request line without a version as HTTP/0.9 (and
    // a target up to an LF as such a line): it does not match HTTP/1.1's
    // request-line, so it is malformed (RFC 9112 3), not another version.
    if (parser.http_major == 0 && parser.http_minor == 9)
      return refuse(invalid_request("the request line has no HTTP/1.x version "
                                    "(HTTP/0.9 is not served)"));
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
    auto passed = scan_bytes(data, n);
    scanned += n;
    return passed;
  }

  size_t scan_bytes(const char* data, size_t n) {
    if (refusal_status != 0)
      return 0;
    size_t pos = 0;
    if (plain_body_left > 0) {
      pos = std::min(plain_body_left, n);
      plain_body_left -= pos;
      if (plain_body_left == 0)
        message_ended(pos);
    }
    // Where the message being parsed began in this chunk: a refused message
    // that began in an earlier chunk is withheld from its next byte on.
    size_t message_start = pos;
    while (pos < n) {
      if (fast && between_messages) {
        if (auto plain = scan_plain({data + pos, n - pos}, limits)) {
          ++plain_requests;
          auto rest = n - pos - plain->head_bytes;
          if (plain->body_bytes > rest) {
            plain_body_left = plain->body_bytes - rest;
            return n;
          }
          pos += plain->head_bytes + plain->body_bytes;
          message_start = pos;
          message_ended(pos);
          continue;
        }
      }
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
        message_ended(pos);
        // Nothing of it may describe the next one: a refusal before the next
        // one's begin (an invalid method) took a HEAD before it for its own
        // and went without its body.
        begin_message();
        if (parser.upgrade) {
          // RESTinio answers an Upgrade request like any other (it makes no
          // websockets here), then reads on: so does the guard.
          http_parser_init(&parser, HTTP_REQUEST);
          parser.data = this;
          between_messages = true;
        } else {
          http_parser_pause(&parser, 0);
          // After a request that asked to close, http_parser may take no
          // other (it documents a dead state for it): what follows is its
          // to decide, not the scanner's.
          between_messages = http_should_keep_alive(&parser) != 0;
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
      // Part of a message read (or only the empty lines http_parser skips
      // before one: then the scanner waits for the next message).
      between_messages = false;
      if (parsed == 0)
        break; // cannot happen without an error; never loop forever
    }
    return n;
  }
};

wire_guard::wire_guard(const wire_limits& limits, scanning mode)
  : impl_(std::make_unique<impl>(limits, mode)) {
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

size_t wire_guard::plain_requests() const noexcept {
  return impl_->plain_requests;
}

uint64_t wire_guard::message_ends() const noexcept {
  return impl_->message_ends;
}

} // namespace shop::http
