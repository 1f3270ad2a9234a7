#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "common/timestamp.hpp"

namespace shop::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};
std::atomic<int> line_format{static_cast<int>(format::text)};

/// The level names of --log-level and of logfmt lines.
constexpr std::pair<std::string_view, level> level_names[] = {
  {"debug", level::debug}, {"info", level::info}, {"warning", level::warning},
  {"error", level::error}, {"off", level::off},
};

std::string_view logfmt_level(level lvl) noexcept {
  for (auto& [name, x] : level_names)
    if (x == lvl)
      return name;
  return "off";
}

/// `text` as a logfmt value: quoted, with backslashes, quotes and line
/// breaks escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (auto c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

const char* level_name(level lvl) noexcept {
  switch (lvl) {
    case level::debug:
      return "DEBUG";
    case level::info:
      return "INFO";
    case level::warning:
      return "WARN";
    case level::error:
      return "ERROR";
    default:
      return "OFF";
  }
}

} // namespace

void set_level(level lvl) noexcept {
  min_level = static_cast<int>(lvl);
}

level current_level() noexcept {
  return static_cast<level>(min_level.load());
}

void set_format(format f) noexcept {
  line_format = static_cast<int>(f);
}

bool parse_format(std::string_view text, format& out) noexcept {
  if (text == "text")
    out = format::text;
  else if (text == "logfmt")
    out = format::logfmt;
  else
    return false;
  return true;
}

bool parse_level(std::string_view text, level& out) noexcept {
  for (auto& [name, lvl] : level_names)
    if (text == name) {
      out = lvl;
      return true;
    }
  return false;
}

namespace {

/// One line: the message, then the already formatted fields (" k=v ...").
void emit_line(level lvl, std::string_view component, std::string_view msg,
               std::string_view fields) {
  using namespace std::chrono;
  auto stamp = iso8601_utc(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count());
  auto line = static_cast<format>(line_format.load()) == format::logfmt
                ? fmt::format("time={} level={} service={} msg={}{}\n", stamp,
                              logfmt_level(lvl), component, quoted(msg), fields)
                : fmt::format("{} {} [{}] {}{}\n", stamp, level_name(lvl),
                              component, msg, fields);
  // One fwrite per line: stdio locks the stream, so lines never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace

void write_fields(level lvl, std::string_view component, std::string_view text,
                  std::initializer_list<field> fields) {
  if (lvl < current_level())
    return;
  bool logfmt = static_cast<format>(line_format.load()) == format::logfmt;
  std::string line;
  for (auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    bool plain = !value.empty()
                 && value.find_first_of(" \"=\\\n") == std::string::npos;
    line += plain || !logfmt ? value : quoted(value);
  }
  emit_line(lvl, component, text, line);
}

void write(level lvl, std::string_view component, std::string_view text) {
  emit_line(lvl, component, text, {});
}

} // namespace shop::log
