#pragma once

// The one place that decides which HTTP status and error code a failure gets:
// client mistakes found while parsing a request, and errors the services
// answer with (shop::errc, CAF's own errors such as a request timeout).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace shop::http {

/// An error answer: the HTTP status and the body
/// {"error": code, "message": message}.
struct api_error {
  uint16_t status = 500;
  /// Stable snake_case code clients can switch on, e.g. "invalid_field".
  std::string code;
  /// Human-readable: what went wrong and with which field. Never internal
  /// text (SQL, SQLSTATE, host:port, exception messages): for a 5xx it is
  /// the fixed text of its code.
  std::string message;
  /// What the server log says about a 5xx (the service's own explanation);
  /// never sent to the client.
  std::string detail = {};
  /// Seconds for a Retry-After header (RFC 9110 10.2.3); 0: none.
  uint32_t retry_after = 0;
  /// The WWW-Authenticate challenge of a 401 (RFC 6750 3); empty: none.
  std::string www_authenticate = {};
};

/// One error code the API can answer with: the rows of docs/api.md's error
/// table, which a unit test keeps equal to this list.
struct error_kind {
  uint16_t status;
  const char* code;
};

/// Every error code the server can send, in the order of docs/api.md.
const std::vector<error_kind>& error_kinds();

/// The reason phrase of a status line ("Not Found").
const char* reason_phrase(uint16_t status) noexcept;

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

/// 400 invalid_request: the HTTP message itself breaks RFC 9112 (malformed,
/// conflicting framing headers, a missing or repeated Host).
api_error invalid_request(const std::string& why);

/// 414 uri_too_long: the request target exceeds `limit` bytes.
api_error uri_too_long(size_t limit);

/// 417 expectation_failed: an Expect other than 100-continue.
api_error expectation_failed();

/// 431 headers_too_large: the header section is over a limit (`why`).
api_error headers_too_large(const std::string& why);

/// 505 http_version_not_supported: not HTTP/1.x.
api_error version_not_supported();

/// 500 internal_error: a bug on our side; `detail` goes to the log only.
api_error internal_error(std::string detail);

/// 404 not_found: no route for the path.
api_error path_not_found(const std::string& path);

/// 405 method_not_allowed.
api_error method_not_allowed(const std::string& method,
                             const std::string& path);

/// 413 body_too_large.
api_error body_too_large(size_t limit);

/// 503 service_unavailable: the server is shutting down.
api_error shutting_down();

/// 503 overloaded with Retry-After: 1, refused at once by admission control
/// (docs/reliability.md, "Overload"); `detail` (which bound) goes to the log
/// only.
api_error overloaded(std::string detail);

/// 415: a POST body that is not declared application/json.
api_error unsupported_media_type();

/// Maps an error a service answered with. shop::errc codes get their own
/// status (404, 409, 400, 422, 503); CAF's request timeout and a dead
/// receiver get 503; anything else is a bug on our side and gets 500.
api_error from_service_error(const caf::error& err);

/// The response body of an error: {"error":"...","message":"..."}.
std::string to_json(const api_error& err);

/// The same with the request's correlation id as "requestId" (which the
/// server log names too).
std::string to_json(const api_error& err, std::string_view request_id);

} // namespace shop::http
