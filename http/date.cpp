#include "http/date.hpp"

#include <fmt/format.h>

namespace shop::http {

std::string http_date(std::time_t t) {
  // Spelled out instead of strftime, whose %a and %b follow the locale.
  static constexpr const char* days[]
    = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                     days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
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
