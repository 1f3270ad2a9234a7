#pragma once

// A small streaming JSON writer for responses. The structure and the numbers
// are written here rather than through a nlohmann::json document so that
// money is printed exactly as shop::to_string(money) formats it (200, 12.5,
// 0.01), never via a double; strings are escaped by nlohmann's serializer.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/money.hpp"

namespace shop::http {

/// Builds one JSON document into a string. Calls must form a valid document
/// (keys only inside objects, balanced begin/end); the writer inserts commas.
class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();

  /// Writes an object key; the next call writes its value.
  json_writer& key(std::string_view name);

  json_writer& value(std::string_view str);
  json_writer& value(const char* str);
  json_writer& value(const std::string& str);
  json_writer& value(int64_t x);
  json_writer& value(int32_t x);
  json_writer& value(bool x);
  /// Writes the amount as a raw JSON number: 200, 12.5, 0.01.
  json_writer& value(money x);
  json_writer& null();

  /// Shorthand for key(name).value(x).
  template <class T>
  json_writer& field(std::string_view name, const T& x) {
    key(name);
    return value(x);
  }

  /// The document so far.
  const std::string& str() const noexcept {
    return out_;
  }

  /// Moves the document out; the writer is empty afterwards.
  std::string take();

private:
  /// Writes a comma if a sibling value came before, and marks the current
  /// container as non-empty.
  void before_value();

  std::string out_;
  /// One entry per open container: whether it has an element already.
  std::vector<bool> has_element_;
  /// True right after key(): the value needs no comma.
  bool after_key_ = false;
};

/// Appends `str` as a quoted JSON string (nlohmann's serializer): escapes '"',
/// '\\' and every control character (U+0000..U+001F as \b \f \n \r \t or
/// \u00XX, plus U+007F), and replaces each byte of invalid UTF-8 with U+FFFD
/// so the output is always valid JSON in valid UTF-8.
void append_json_string(std::string& out, std::string_view str);

} // namespace shop::http
