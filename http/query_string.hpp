#pragma once

// Query strings: split, percent-decoded, and read into the parameters of
// the GET endpoints (rules in http/request_parsing.hpp and docs/api.md).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "domain/types.hpp"
#include "http/parsed.hpp"

namespace shop::http {

/// Decoded query parameters (parse_query refuses a name given twice).
using query_params = std::map<std::string, std::string, std::less<>>;

/// Splits and percent-decodes a raw query string ("a=1&b=x%20y"); '+' means
/// a space. Fails on a malformed percent escape and on a parameter given
/// twice (invalid_field naming it).
parsed<query_params> parse_query(std::string_view raw);

/// The required positive id parameter `name` (userId, orderId).
parsed<int64_t> parse_id_param(const query_params& params,
                               const std::string& name);

/// GET /getAllSentMessages: optional userId and orderId filters, limit.
parsed<notification_filter> parse_messages_query(const query_params& params);

} // namespace shop::http
