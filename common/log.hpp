#pragma once

// Minimal leveled logging to stderr, one line per call, safe from any thread.
// Kept behind this small interface so structured logging (JSON lines, a
// correlation id) can replace the format later without touching callers.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/core.h>

namespace shop::log {

enum class level : int { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

/// Lines below this level are dropped. Default: info; tests use warning.
void set_level(level lvl) noexcept;
level current_level() noexcept;

/// Parses "debug", "info", "warning", "error" or "off".
bool parse_level(std::string_view text, level& out) noexcept;

/// text: `2026-12-01T10:00:00.123Z INFO [orders] message`;
/// logfmt: `time=2026-12-01T10:00:00.123Z level=info service=orders
/// msg="message"` (one key=value line per event, for log pipelines).
enum class format { text, logfmt };

void set_format(format f) noexcept;

/// Parses "text" or "logfmt".
bool parse_format(std::string_view text, format& out) noexcept;

/// What a log line shows of `text`, which may come from a client (a request
/// target, an email, a header): every control character escaped, so that a
/// value can neither end the line nor forge another one, nor reach a
/// terminal as an escape sequence. A line feed, carriage return and tab
/// become `\n`, `\r` and `\t`; every other byte below 0x20, DEL (0x7F), the
/// C1 controls
/// (U+0080..U+009F, the bytes C2 80..C2 9F) and every byte that is not part
/// of valid UTF-8 become `\xNN` (lower-case hex); a backslash becomes `\\`,
/// so an escape in the log always stands for one byte of the value. Valid
/// UTF-8 otherwise passes as is. write() and write_fields() apply it to the
/// message and to every field value, in both formats.
std::string escape(std::string_view text);

/// Writes one line: time, level, component, text.
void write(level lvl, std::string_view component, std::string_view text);

/// A named value of a structured line.
using field = std::pair<std::string_view, std::string>;

/// Writes one line with named fields: `text k=v ...` as text, and as
/// logfmt `msg="text" k=v ...`, each field a key of its own (route, user,
/// order, duration_ms, request: what a log pipeline indexes). Values are
/// escaped (escape()); in logfmt a value is quoted when it is empty or has
/// a space, `"`, `=`, a backslash or anything escape() changes.
void write_fields(level lvl, std::string_view component, std::string_view text,
                  std::initializer_list<field> fields);

/// write_fields at debug level, when debug lines are on. The fields are
/// built only then.
template <class MakeFields>
void debug_fields(std::string_view component, std::string_view text,
                  MakeFields make) {
  if (level::debug >= current_level())
    make([&](std::initializer_list<field> fields) {
      write_fields(level::debug, component, text, fields);
    });
}

template <class... Ts>
void emit(level lvl, std::string_view component,
          fmt::format_string<Ts...> format, Ts&&... xs) {
  if (lvl >= current_level())
    write(lvl, component, fmt::format(format, std::forward<Ts>(xs)...));
}

template <class... Ts>
void debug(std::string_view component, fmt::format_string<Ts...> format,
           Ts&&... xs) {
  emit(level::debug, component, format, std::forward<Ts>(xs)...);
}

template <class... Ts>
void info(std::string_view component, fmt::format_string<Ts...> format,
          Ts&&... xs) {
  emit(level::info, component, format, std::forward<Ts>(xs)...);
}

template <class... Ts>
void warning(std::string_view component, fmt::format_string<Ts...> format,
             Ts&&... xs) {
  emit(level::warning, component, format, std::forward<Ts>(xs)...);
}

template <class... Ts>
void error(std::string_view component, fmt::format_string<Ts...> format,
           Ts&&... xs) {
  emit(level::error, component, format, std::forward<Ts>(xs)...);
}

} // namespace shop::log
