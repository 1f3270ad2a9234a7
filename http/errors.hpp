#pragma once

// The one place that decides which HTTP status and error code a failure gets:
// client mistakes found while parsing a request, and errors the services
// answer with (shop::errc, CAF's own errors such as a request timeout).

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

namespace shop::http {

/// An error answer: the HTTP status and the body
/// {"error": code, "message": message}.
struct api_error {
  uint16_t status = 500;
  /// Stable snake_case code clients can switch on, e.g. "invalid_field".
  std::string code;
  /// Human-readable: what went wrong and with which field.
  std::string message;
};

/// 400 invalid_json: the body is not a JSON document or not an object.
api_error invalid_json(std::string message);

/// 400 missing_field: a required field is absent (or null).
api_error missing_field(const std::string& field);

/// 400 invalid_field: a field has the wrong type or format.
api_error invalid_field(const std::string& field, const std::string& why);

/// 400 invalid_amount: a sum that parse_money rejects; `why` is the reason
/// phrased to follow the field name ("must be greater than zero").
api_error invalid_amount(const std::string& field, const std::string& why);

/// 400 invalid_header: a request header has the wrong format.
api_error invalid_header(const std::string& name, const std::string& why);

/// 404 not_found: no route for the path.
api_error path_not_found(const std::string& path);

/// 405 method_not_allowed.
api_error method_not_allowed(const std::string& method,
                             const std::string& path);

/// 413 body_too_large.
api_error body_too_large(size_t limit);

/// 503 service_unavailable: the server is shutting down.
api_error shutting_down();

/// Maps an error a service answered with. shop::errc codes get their own
/// status (404, 409, 400, 422, 503); CAF's request timeout and a dead
/// receiver get 503; anything else is a bug on our side and gets 500.
api_error from_service_error(const caf::error& err);

/// The response body of an error: {"error":"...","message":"..."}.
std::string to_json(const api_error& err);

} // namespace shop::http
