#include "common/log.hpp"

#include <algorithm>
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

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, unsigned char c) {
  out += "\\x";
  out += hex_digits[c >> 4];
  out += hex_digits[c & 0xF];
}

/// The length of the valid UTF-8 sequence of two to four bytes that starts
/// at text[i] (a byte >= 0x80), or 0 when there is none there (a stray
/// continuation byte, a truncated, overlong or surrogate sequence, or one
/// beyond U+10FFFF).
size_t utf8_sequence(std::string_view text, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  auto lead = at(i);
  size_t n = lead >= 0xC2 && lead <= 0xDF   ? 2
             : lead >= 0xE0 && lead <= 0xEF ? 3
             : lead >= 0xF0 && lead <= 0xF4 ? 4
                                            : 0;
  if (n == 0 || text.size() - i < n)
    return 0;
  for (size_t k = 1; k < n; ++k)
    if ((at(i + k) & 0xC0) != 0x80)
      return 0;
  auto second = at(i + 1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F)
      || (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F))
    return 0;
  return n;
}

/// `text` as a logfmt value: escaped, quoted, with quotes escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (auto c : escape(text)) {
    if (c == '"')
      out += '\\';
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

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (c == '\\')
        out += "\\\\";
      else if (c < 0x20 || c == 0x7F)
        append_hex(out, c);
      else
        out += static_cast<char>(c);
      continue;
    }
    auto n = utf8_sequence(text, i);
    // U+0080..U+009F, the C1 controls (CSI among them), are C2 80..C2 9F.
    bool c1 = n == 2 && c == 0xC2
              && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (n == 0 || c1) {
      for (size_t k = 0; k < std::max<size_t>(n, 1); ++k)
        append_hex(out, static_cast<unsigned char>(text[i + k]));
      i += std::max<size_t>(n, 1);
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

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
                              logfmt_level(lvl), escape(component), quoted(msg),
                              fields)
                : fmt::format("{} {} [{}] {}{}\n", stamp, level_name(lvl),
                              escape(component), escape(msg), fields);
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
    auto shown = escape(value);
    bool plain = !shown.empty() && shown == value
                 && shown.find_first_of(" \"=") == std::string::npos;
    line += plain || !logfmt ? shown : quoted(value);
  }
  emit_line(lvl, component, text, line);
}

void write(level lvl, std::string_view component, std::string_view text) {
  emit_line(lvl, component, text, {});
}

} // namespace shop::log
