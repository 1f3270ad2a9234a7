#pragma once

// Turns request bodies and query strings into service commands, or into the
// client error that explains what is wrong. No RESTinio here, so the rules
// are unit tested cheaply (tests/unit/http_request_parsing_test.cpp).
//
// Rules (docs/api.md repeats them for clients):
// - The body must be one JSON object (any Content-Type), and nothing after
//   it (a NUL byte ends nothing). Unknown fields are ignored; a field that
//   is null counts as absent.
// - Ids: positive integers up to 2^63-1, as JSON integers (7) or numeric
//   strings ("7"). Floats (7.5, 7.0, 7e0), signs and spaces are rejected.
// - Sums: positive amounts with at most two fraction digits, up to
//   10000000000000, as JSON numbers (500, 12.5) or numeric strings ("12.50").
//   A JSON number counts at the exact value of its text, never rounded:
//   12.50 and 1.25e1 are 12.5, 0.10000000000000000001 is refused.
// - quantity: optional integer 1..1000 (default 1), JSON integer or string.
// - email: trimmed, 1..254 bytes, exactly one '@' with text on both sides, no
//   whitespace or control characters. name: trimmed, 1..200 characters, no
//   control characters.
// - limit (query): integer 1..1000, default 100.
// - Idempotency-Key (header, optional, POST /register, /deposit, /payment and
//   /createOrder): at most one, 1..255 printable ASCII characters.
// - X-Request-Id (header, optional, every request): echoed when it is one
//   value of 1..128 printable ASCII characters without spaces, else replaced
//   by a fresh id.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/types.hpp"
#include "http/errors.hpp"

namespace shop::http {

/// Either a parsed value or the client error explaining why there is none.
template <class T>
class parsed {
public:
  parsed(T value) : value_(std::move(value)) {
    // nop
  }

  parsed(api_error err) : error_(std::move(err)) {
    // nop
  }

  explicit operator bool() const noexcept {
    return value_.has_value();
  }

  T& operator*() {
    return *value_;
  }

  const T& operator*() const {
    return *value_;
  }

  T* operator->() {
    return &*value_;
  }

  const T* operator->() const {
    return &*value_;
  }

  /// @pre `!*this`
  const api_error& error() const noexcept {
    return error_;
  }

private:
  std::optional<T> value_;
  api_error error_;
};

/// Decoded query parameters (parse_query refuses a name given twice).
using query_params = std::map<std::string, std::string, std::less<>>;

/// The deepest nesting of arrays and objects a body may have. Our bodies are
/// flat; the limit stops pathological input before the JSON parser sees it.
inline constexpr size_t max_json_depth = 32;

// -- request bodies -----------------------------------------------------------

/// POST /register: {"email", "name"}.
parsed<register_user> parse_register(std::string_view body);

/// POST /createAccount: {"userId"}.
parsed<user_id> parse_create_account(std::string_view body);

/// POST /deposit: {"userId", "sum"}.
parsed<deposit> parse_deposit(std::string_view body);

/// POST /payment: {"userId", "sum"}.
parsed<payment> parse_payment(std::string_view body);

/// POST /createOrder: {"userId", "itemId", "quantity"?}.
parsed<create_order> parse_create_order(std::string_view body);

// -- headers ------------------------------------------------------------------

/// The name of the header that carries a client's idempotency key.
inline constexpr std::string_view idempotency_key_header = "Idempotency-Key";

/// The longest Idempotency-Key accepted, in bytes.
inline constexpr size_t max_idempotency_key_bytes = 255;

/// The Idempotency-Key of a request from every value sent for the header
/// (`values` is empty when there is none): "" for no key, else the one value,
/// which must have 1..255 printable ASCII characters (0x20..0x7E).
parsed<std::string>
parse_idempotency_key(const std::vector<std::string_view>& values);

/// The longest X-Request-Id a client may choose, in bytes.
inline constexpr size_t max_request_id_bytes = 128;

/// Whether a client's X-Request-Id may become the request's correlation id:
/// 1 to 128 printable ASCII characters without spaces (0x21..0x7E), so it is
/// safe to echo in a response header and to write into a log line. The
/// server replaces any other value (and a repeated header) with its own id
/// rather than refusing the request: the id only serves tracing.
bool is_request_id(std::string_view x) noexcept;

// -- query strings ------------------------------------------------------------

/// Splits and percent-decodes a raw query string ("a=1&b=x%20y"); '+' means
/// a space. Fails on a malformed percent escape and on a parameter given
/// twice (invalid_field naming it).
parsed<query_params> parse_query(std::string_view raw);

/// The required positive id parameter `name` (userId, orderId).
parsed<int64_t> parse_id_param(const query_params& params,
                               const std::string& name);

/// GET /getAllSentMessages: optional userId and orderId filters, limit.
parsed<notification_filter> parse_messages_query(const query_params& params);

// -- building blocks (exposed for tests) --------------------------------------

/// A positive id from its decimal text; `field` names it in the error.
parsed<int64_t> parse_id_text(std::string_view text, const std::string& field);

/// A normalized (trimmed) email address.
parsed<std::string> parse_email(std::string_view text);

/// A normalized (trimmed) user name.
parsed<std::string> parse_name(std::string_view text);

/// Whether `text` nests arrays/objects deeper than `max_depth` (strings are
/// skipped correctly, so brackets inside them do not count).
bool exceeds_json_depth(std::string_view text, size_t max_depth) noexcept;

} // namespace shop::http
