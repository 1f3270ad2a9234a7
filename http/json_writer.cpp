#include "http/json_writer.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shop::http {

namespace {

using json = nlohmann::json;

/// Length of the well-formed UTF-8 sequence starting at `i`, or 0 if the
/// bytes there are not one (bad lead byte, missing continuation, overlong
/// form, surrogate, or beyond U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i) noexcept {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont
    = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  auto b0 = byte(i);
  if (b0 < 0x80)
    return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2))
      return 0;
    auto b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) // overlong
      return 0;
    if (b0 == 0xED && b1 > 0x9F) // UTF-16 surrogate
      return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3))
      return 0;
    auto b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) // overlong
      return 0;
    if (b0 == 0xF4 && b1 > 0x8F) // above U+10FFFF
      return 0;
    return 4;
  }
  return 0;
}

/// `s` with each byte that is not part of a well-formed UTF-8 sequence
/// replaced by U+FFFD.
std::string well_formed(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

} // namespace

void append_json_string(std::string& out, std::string_view str) {
  // The common case, printable ASCII without a quote or a backslash (every
  // key, most values), needs no escape: written as it is. The general path
  // below was 4% of the instructions of an order (callgrind).
  auto plain = std::all_of(str.begin(), str.end(), [](char c) {
    return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out.append(str);
    out += '"';
    return;
  }
  // nlohmann's serializer writes the quotes and the escapes. It replaces an
  // ill-formed sequence with a single U+FFFD where we promise one per byte
  // ("\xE2\x82" gives two), so the text reaches it well formed already;
  // "replace" rather than "strict" only so that a response never throws.
  auto quoted = json(well_formed(str))
                  .dump(-1, ' ', false, json::error_handler_t::replace);
  // nlohmann leaves DEL as it is (JSON allows it); we escape it, as the
  // other control characters. A 0x7F byte is never part of a longer UTF-8
  // sequence, so replacing the byte is safe.
  size_t from = 0;
  for (auto del = quoted.find('\x7F'); del != std::string::npos;
       del = quoted.find('\x7F', from)) {
    out.append(quoted, from, del - from);
    out += "\\u007f";
    from = del + 1;
  }
  out.append(quoted, from);
}

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back())
      out_ += ',';
    has_element_.back() = true;
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  out_ += '{';
  has_element_.push_back(false);
  return *this;
}

json_writer& json_writer::end_object() {
  has_element_.pop_back();
  out_ += '}';
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_ += '[';
  has_element_.push_back(false);
  return *this;
}

json_writer& json_writer::end_array() {
  has_element_.pop_back();
  out_ += ']';
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view str) {
  before_value();
  append_json_string(out_, str);
  return *this;
}

json_writer& json_writer::value(const char* str) {
  return value(std::string_view{str});
}

json_writer& json_writer::value(const std::string& str) {
  return value(std::string_view{str});
}

json_writer& json_writer::value(int64_t x) {
  before_value();
  fmt::format_to(std::back_inserter(out_), "{}", x);
  return *this;
}

json_writer& json_writer::value(int32_t x) {
  return value(static_cast<int64_t>(x));
}

json_writer& json_writer::value(bool x) {
  before_value();
  out_ += x ? "true" : "false";
  return *this;
}

json_writer& json_writer::value(money x) {
  before_value();
  out_ += to_string(x);
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

std::string json_writer::take() {
  std::string result;
  result.swap(out_);
  has_element_.clear();
  after_key_ = false;
  return result;
}

} // namespace shop::http
