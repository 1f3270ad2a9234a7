#include "common/timestamp.hpp"

#include <chrono>
#include <ctime>

#include <fmt/chrono.h>

namespace shop {

std::string iso8601_utc(int64_t unix_ms) {
  using namespace std::chrono;
  milliseconds since_epoch{unix_ms};
  auto secs = floor<seconds>(since_epoch); // before 1970 too
  // fmt formats a std::tm in the "C" locale unless given another; its %Y
  // has at least four digits. Formatting a system_clock::time_point instead
  // would go through nanoseconds (overflowing beyond 2262) and, in fmt 9,
  // local time.
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z",
                     fmt::gmtime(static_cast<std::time_t>(secs.count())),
                     (since_epoch - secs).count());
}

} // namespace shop
