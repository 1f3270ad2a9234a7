#include "http/json_body.hpp"

#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace shop::http {

namespace {

using json = nlohmann::json;

/// The SAX handler behind read_json_object: the kind of the document and,
/// when it is an object, its top-level fields; or nlohmann's parse error.
class object_reader final : public nlohmann::json_sax<json> {
public:
  /// The kind of the whole document.
  json_kind kind() const noexcept {
    return kind_;
  }

  json_object& fields() noexcept {
    return fields_;
  }

  /// nlohmann's message for a malformed document, "" when it is well formed.
  const std::string& error() const noexcept {
    return error_;
  }

  bool null() override {
    return value(json_kind::null);
  }

  bool boolean(bool) override {
    return value(json_kind::boolean);
  }

  // nlohmann hands integers over as values only; their text is their
  // decimal form (JSON allows no leading zeros and no plus sign).
  bool number_integer(number_integer_t x) override {
    return value(json_kind::negative_integer, std::to_string(x));
  }

  bool number_unsigned(number_unsigned_t x) override {
    return value(json_kind::unsigned_integer, std::to_string(x));
  }

  // The double nlohmann computed is ignored: only the literal counts.
  bool number_float(number_float_t, const string_t& literal) override {
    return value(json_kind::other_number, literal);
  }

  bool string(string_t& x) override {
    return value(json_kind::string, std::move(x));
  }

  bool binary(binary_t&) override { // never in JSON text
    return true;
  }

  bool start_object(std::size_t) override {
    value(json_kind::object);
    ++depth_;
    return true;
  }

  bool key(string_t& x) override {
    if (depth_ == 1)
      key_ = std::move(x);
    return true;
  }

  bool end_object() override {
    --depth_;
    return true;
  }

  bool start_array(std::size_t) override {
    value(json_kind::array);
    ++depth_;
    return true;
  }

  bool end_array() override {
    --depth_;
    return true;
  }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // what() starts with "[json.exception.parse_error.101] "; drop that.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos)
      what.remove_prefix(pos + 2);
    error_ = what;
    return false;
  }

private:
  /// Records a value that starts at the current depth.
  bool value(json_kind kind, std::string text = {}) {
    if (depth_ == 0)
      kind_ = kind;
    else if (depth_ == 1 && kind_ == json_kind::object)
      fields_[key_] = json_field{kind, std::move(text)};
    return true;
  }

  json_kind kind_ = json_kind::null;
  json_object fields_;
  std::string key_;
  std::string error_;
  size_t depth_ = 0;
};

} // namespace

const char* type_name(json_kind x) noexcept {
  switch (x) {
    case json_kind::null:
      return "null";
    case json_kind::boolean:
      return "boolean";
    case json_kind::negative_integer:
    case json_kind::unsigned_integer:
    case json_kind::other_number:
      return "number";
    case json_kind::string:
      return "string";
    case json_kind::array:
      return "array";
    case json_kind::object:
      return "object";
  }
  return "unknown";
}

parsed<json_object> read_json_object(std::string_view body) {
  if (text::trim_space(body).empty())
    return invalid_json("the request body is empty; expected a JSON object");
  // No JSON text holds a NUL byte (RFC 8259: inside a string it must be
  // escaped as \u0000), but nlohmann stops at one as at the end of the
  // input: {"userId":1,"sum":5}\0<anything> was accepted as the object
  // before it (found by the body fuzz targets, tests/fuzz/regressions/).
  if (body.find('\0') != std::string_view::npos)
    return invalid_json("malformed JSON: a NUL byte (control characters "
                        "must be escaped)");
  if (exceeds_json_depth(body, max_json_depth))
    return invalid_json(
      fmt::format("the JSON document nests deeper than {} levels",
                  max_json_depth));
  object_reader reader;
  if (!json::sax_parse(body.begin(), body.end(), &reader))
    return invalid_json(fmt::format("malformed JSON: {}", reader.error()));
  if (reader.kind() != json_kind::object)
    return invalid_json(
      fmt::format("the request body must be a JSON object, got {}",
                  type_name(reader.kind())));
  return std::move(reader.fields());
}

bool exceeds_json_depth(std::string_view text, size_t max_depth) noexcept {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (auto c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth)
          return true;
        break;
      case ']':
      case '}':
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

} // namespace shop::http
