#pragma once

// What the fuzz targets (tests/fuzz/*_fuzz.cpp) share: the check that stops
// the run on a violated property, the checks of a client error, and the
// reference readings of a JSON body and of a decimal amount that the
// targets compare the parsers with. Each reference follows the rule as
// docs/api.md states it and is written apart from the parser it checks, so
// that one mistake is not made twice.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/errors.hpp"

namespace shop::fuzz {

/// Reports a violated property and aborts, which libFuzzer records as a
/// crash (keeping the input) and the replay test as a failure.
[[noreturn]] void violated(const char* file, int line, const char* what);

/// Stops the run when `cond` does not hold; `what` names the property.
#define FUZZ_CHECK(cond, what) \
  ((cond) ? void(0) : ::shop::fuzz::violated(__FILE__, __LINE__, what))

/// The fuzzer's bytes as text.
inline std::string_view as_text(const uint8_t* data, size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits at '\n': each line one element; a last line without '\n' counts
/// too, so "" is no element and "\n" is one empty element.
std::vector<std::string_view> split_lines(std::string_view text);

/// A client error as the parsers must produce it: status 400, a code among
/// `codes` (each also in http::error_kinds()), a non-empty message and a
/// response body that is valid JSON carrying that code and message.
void check_client_error(const http::api_error& err,
                        const std::vector<std::string_view>& codes);

/// Whether two errors say the same (status, code, message).
bool same_error(const http::api_error& x, const http::api_error& y);

/// Whether `bytes` are valid UTF-8 (shortest forms, no surrogates, at most
/// U+10FFFF): what nlohmann lets through in JSON strings.
bool valid_utf8(std::string_view bytes);

// -- amounts ------------------------------------------------------------------

/// Why a reference reading of an amount failed; the same reasons as
/// shop::money_error, in docs/api.md's words.
enum class amount_verdict : uint8_t {
  ok,
  empty,
  malformed,
  too_precise,
  not_positive,
  too_large,
};

/// The reference reading of an amount text (a numeric string in a body, a
/// catalog price): "-"? DIGITS ("." DIGITS)?, at most two fraction digits,
/// from 0.01 to 10000000000000; the reason follows parse_money's order
/// (syntax, then precision, then sign and zero, then size).
struct amount_reading {
  amount_verdict verdict = amount_verdict::malformed;
  int64_t cents = 0;
};
amount_reading read_amount_text(std::string_view text);

/// The reference reading of a JSON number's text as the client wrote it
/// ("12.5", "1e3", "0.1000000000000000001"): its exact decimal value, which
/// must be a positive whole number of cents up to the maximum. Trailing
/// zeros do not count as precision ("1.000" is 1).
amount_reading read_json_number(std::string_view text);

// -- JSON bodies --------------------------------------------------------------

/// One top-level field of a body as the reference sees it.
struct field_view {
  enum kind_type : uint8_t {
    null,
    boolean,
    unsigned_integer, ///< A JSON integer >= 0 that fits uint64.
    negative_integer, ///< A JSON integer < 0 that fits int64.
    floating,         ///< Any other number ("7.0", "1e2", 2^64).
    string,
    array,
    object,
  };
  kind_type kind = null;
  uint64_t unsigned_value = 0;
  /// The number exactly as written, or the decoded string.
  std::string text;
};

/// A body read by the reference: valid JSON (RFC 8259: a NUL byte never
/// is)? an object? nested how deep?
/// and its top-level fields (the last of repeated names wins, as for the
/// parser's JSON library).
struct body_view {
  bool valid_json = false;
  bool is_object = false;
  size_t depth = 0;
  std::map<std::string, field_view> fields;

  /// The field, or nullptr when absent or null (docs/api.md: null counts as
  /// absent).
  const field_view* find(const std::string& name) const;
};
body_view read_body(std::string_view body);

/// What the reference expects of a body field: a value or an error code.
template <class T>
struct expected {
  std::optional<T> value;
  std::string code;

  static expected fail(std::string c) {
    return {std::nullopt, std::move(c)};
  }
};

/// The reference for the "the body must be one JSON object" rule: the error
/// code when it is not one (invalid_json), else "".
std::string body_error(std::string_view body, const body_view& view);

/// Reference rule for a required id (userId, itemId).
expected<int64_t> expect_id(const body_view& view, const std::string& name);

/// Reference rule for an optional id (userId in a body): 0 when absent or
/// null, else the rule of a required one.
expected<int64_t> expect_optional_id(const body_view& view,
                                     const std::string& name);

/// Reference rule for a password: a string of 8 to 256 bytes (of UTF-8,
/// which every decoded JSON string is), taken as sent.
expected<std::string> expect_password(const body_view& view);

/// Reference rule for the required sum.
expected<int64_t> expect_sum(const body_view& view, const std::string& name);

/// Reference rule for the optional quantity.
expected<int32_t> expect_quantity(const body_view& view);

/// Reference rule for a required string field (email, name).
expected<std::string> expect_string(const body_view& view,
                                    const std::string& name);

/// Reference rule for an email: its normalized form, or the error code.
expected<std::string> expect_email(std::string_view text);

/// Reference rule for a name: its normalized form, or the error code.
expected<std::string> expect_name(std::string_view text);

/// Reference rule for an id given as text (query parameters, id strings).
expected<int64_t> expect_id_text(std::string_view text);

} // namespace shop::fuzz
