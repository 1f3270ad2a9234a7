#pragma once

// Timestamps as text, one format for the API and the logs.

#include <cstdint>
#include <string>

namespace shop {

/// Unix milliseconds as ISO-8601 UTC with milliseconds:
/// "2024-05-01T12:34:56.789Z" (-1 is "1969-12-31T23:59:59.999Z"). Every
/// int64 value has a text: years beyond 9999 get more digits, years before
/// 0 a minus sign ("-001").
std::string iso8601_utc(int64_t unix_ms);

} // namespace shop
