#pragma once

// Reads a request body as one JSON object through nlohmann's SAX interface
// into its top-level fields, each with the text it needs: a number exactly
// as the client wrote it, never through a double, so ids and amounts are
// parsed from their literal text (http/request_parsing.cpp); a string
// decoded. Nested values count only for their kind (the bodies are flat).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "http/parsed.hpp"

namespace shop::http {

/// The deepest nesting of arrays and objects a body may have. Our bodies are
/// flat; the limit stops pathological input before the JSON parser sees it.
inline constexpr size_t max_json_depth = 32;

/// What a JSON value is, as far as the body parsers care.
enum class json_kind : uint8_t {
  null,
  boolean,
  /// A negative integer (or -0) that fits int64.
  negative_integer,
  /// A non-negative integer that fits uint64.
  unsigned_integer,
  /// Any other number: a fraction, an exponent, or an integer too large.
  other_number,
  string,
  array,
  object,
};

/// The kind's name as nlohmann's type_name() says it ("number" for all three
/// kinds of numbers), for error messages.
const char* type_name(json_kind x) noexcept;

/// Whether the kind is one of the three kinds of numbers.
constexpr bool is_number(json_kind x) noexcept {
  return x == json_kind::negative_integer || x == json_kind::unsigned_integer
         || x == json_kind::other_number;
}

/// One top-level field of a body.
struct json_field {
  json_kind kind = json_kind::null;
  /// A number: its literal text ("12.50", "1.25e1", "7"; an integer's text is
  /// its decimal value, which JSON spells one way only, "-0" aside); a
  /// string: its decoded value; else empty.
  std::string text;
};

/// The top-level fields of a body by name; a name given twice keeps its
/// last value, as nlohmann's own documents do.
using json_object = std::map<std::string, json_field, std::less<>>;

/// The body as one JSON object (any Content-Type, nothing after it), or the
/// invalid_json error that says why it is not one: empty, a NUL byte,
/// nested deeper than max_json_depth, malformed (nlohmann's message), or
/// another kind of value.
parsed<json_object> read_json_object(std::string_view body);

/// Whether `text` nests arrays/objects deeper than `max_depth` (strings are
/// skipped correctly, so brackets inside them do not count).
bool exceeds_json_depth(std::string_view text, size_t max_depth) noexcept;

} // namespace shop::http
