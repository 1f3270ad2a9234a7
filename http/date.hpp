#pragma once

// The Date header (RFC 9110 6.6.1): every response carries the time it was
// made, in IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").

#include <ctime>
#include <string>

namespace shop::http {

/// `t` in IMF-fixdate.
std::string http_date(std::time_t t);

/// Now in IMF-fixdate; formatted at most once per second and thread.
const std::string& current_http_date();

} // namespace shop::http
