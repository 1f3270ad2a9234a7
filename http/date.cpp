#include "http/date.hpp"

#include <fmt/chrono.h>

namespace shop::http {

std::string http_date(std::time_t t) {
  // fmt formats a std::tm in the "C" locale unless given another, so %a and
  // %b are always "Sun" and "Nov" (strftime's follow the global locale).
  return fmt::format("{:%a, %d %b %Y %H:%M:%S} GMT", fmt::gmtime(t));
}

const std::string& current_http_date() {
  thread_local std::time_t formatted = -1;
  thread_local std::string text;
  auto now = std::time(nullptr);
  if (now != formatted) {
    text = http_date(now);
    formatted = now;
  }
  return text;
}

} // namespace shop::http
