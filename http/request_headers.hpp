#pragma once

// The request headers with rules of ours (http/request_parsing.hpp,
// docs/api.md): Idempotency-Key, refused when malformed, and X-Request-Id,
// replaced when it is not safe to echo.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/parsed.hpp"

namespace shop::http {

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

} // namespace shop::http
