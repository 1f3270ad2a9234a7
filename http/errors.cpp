#include "http/errors.hpp"

#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>
#include <fmt/format.h>

#include "actors/errors.hpp"
#include "http/json_writer.hpp"

namespace shop::http {

namespace {

api_error make(uint16_t status, const char* code, std::string message) {
  return api_error{status, code, std::move(message)};
}

/// A 5xx: the fixed text goes to the client, the explanation to the log.
api_error make_5xx(uint16_t status, const char* code, const char* message,
                   std::string detail) {
  return api_error{status, code, message, std::move(detail)};
}

/// The first string in an error's context: services put a human-readable
/// explanation there (e.g. for invalid_argument).
std::string context_text(const caf::error& err) {
  const auto& ctx = err.context();
  for (size_t i = 0; i < ctx.size(); ++i)
    if (ctx.match_element<std::string>(i))
      return ctx.get_as<std::string>(i);
  return {};
}

api_error from_shop_error(errc code, const caf::error& err) {
  auto text = context_text(err);
  auto with_default = [&](const char* fallback) {
    return text.empty() ? std::string{fallback} : text;
  };
  switch (code) {
    case errc::user_not_found:
      return make(404, "user_not_found", with_default("no such user"));
    case errc::account_not_found:
      return make(404, "account_not_found",
                  with_default("no billing account for this user"));
    case errc::item_not_found:
      return make(404, "item_not_found", with_default("no such item"));
    case errc::order_not_found:
      return make(404, "order_not_found", with_default("no such order"));
    case errc::email_taken:
      return make(409, "email_taken",
                  with_default("a user with this email already exists"));
    case errc::invalid_argument:
      return make(400, "invalid_argument", with_default("invalid argument"));
    case errc::amount_too_large:
      return make(422, "amount_too_large",
                  with_default("the resulting amount would exceed the "
                               "maximum of 10000000000000"));
    case errc::service_unavailable:
      return make_5xx(503, "service_unavailable",
                      "the service is unavailable, retry later", text);
    case errc::storage_failure:
      // Not the client's business which part failed: the same answer as
      // any other unavailable service, the detail in the log.
      return make_5xx(503, "service_unavailable",
                      "the service is unavailable, retry later", text);
    case errc::idempotency_key_reused:
      return make(422, "idempotency_key_reused",
                  with_default("this Idempotency-Key was used for a different "
                               "request"));
    case errc::out_of_order:
      // Only services exchange events; a client should never see this. It
      // means "try again" like any other transient failure.
      return make_5xx(503, "service_unavailable",
                      "the service is catching up, retry later", text);
    case errc::invalid_credentials:
      return make(401, "invalid_credentials",
                  "the email or the password is wrong");
    case errc::overloaded:
      return overloaded(text);
    case errc::none:
      break;
  }
  return internal_error(
    fmt::format("unexpected service error code {}", static_cast<int>(code)));
}

} // namespace

api_error invalid_json(std::string message) {
  return make(400, "invalid_json", std::move(message));
}

api_error missing_field(const std::string& field) {
  return make(400, "missing_field",
              fmt::format("missing required field '{}'", field));
}

api_error invalid_field(const std::string& field, const std::string& why) {
  return make(400, "invalid_field", fmt::format("field '{}' {}", field, why));
}

api_error invalid_amount(const std::string& field, const std::string& why) {
  return make(400, "invalid_amount", fmt::format("field '{}' {}", field, why));
}

api_error invalid_header(const std::string& name, const std::string& why) {
  return make(400, "invalid_header", fmt::format("header '{}' {}", name, why));
}

api_error invalid_request(const std::string& why) {
  return make(400, "invalid_request", fmt::format("bad request: {}", why));
}

api_error uri_too_long(size_t limit) {
  return make(414, "uri_too_long",
              fmt::format("the request target exceeds {} bytes", limit));
}

api_error expectation_failed() {
  return make(417, "expectation_failed",
              "the only expectation served is Expect: 100-continue");
}

api_error headers_too_large(const std::string& why) {
  return make(431, "headers_too_large", why);
}

api_error version_not_supported() {
  return make(505, "http_version_not_supported",
              "only HTTP/1.0 and HTTP/1.1 are served");
}

api_error internal_error(std::string detail) {
  return make_5xx(500, "internal_error", "internal error", std::move(detail));
}

api_error path_not_found(const std::string& path) {
  return make(404, "not_found", fmt::format("no endpoint at '{}'", path));
}

api_error method_not_allowed(const std::string& method,
                             const std::string& path) {
  return make(405, "method_not_allowed",
              fmt::format("method {} is not allowed on '{}'", method, path));
}

api_error body_too_large(size_t limit) {
  return make(413, "body_too_large",
              fmt::format("request body exceeds {} bytes", limit));
}

api_error unsupported_media_type() {
  return make(415, "unsupported_media_type",
              "a request body must be sent as Content-Type: application/json");
}

api_error shutting_down() {
  return make(503, "service_unavailable", "the server is shutting down");
}

api_error overloaded(std::string detail) {
  auto err = make_5xx(503, "overloaded", "the server is busy, retry later",
                      std::move(detail));
  err.retry_after = 1;
  return err;
}

api_error from_service_error(const caf::error& err) {
  if (!err)
    return internal_error("empty error from a service");
  if (err.category() == caf::atom("shop"))
    return from_shop_error(static_cast<errc>(err.code()), err);
  if (err == caf::sec::request_timeout)
    return make(503, "service_unavailable",
                "the service did not answer in time, retry later");
  if (err == caf::sec::request_receiver_down)
    return make(503, "service_unavailable",
                "the service is restarting, retry later");
  return internal_error(
    fmt::format("unexpected error: {}", caf::to_string(err)));
}

const std::vector<error_kind>& error_kinds() {
  static const std::vector<error_kind> result{
    {400, "invalid_json"},
    {400, "missing_field"},
    {400, "invalid_field"},
    {400, "invalid_amount"},
    {400, "invalid_header"},
    {400, "invalid_argument"},
    {400, "invalid_request"},
    {404, "not_found"},
    {404, "user_not_found"},
    {404, "account_not_found"},
    {404, "item_not_found"},
    {404, "order_not_found"},
    {405, "method_not_allowed"},
    {409, "email_taken"},
    {413, "body_too_large"},
    {414, "uri_too_long"},
    {417, "expectation_failed"},
    {422, "amount_too_large"},
    {422, "idempotency_key_reused"},
    {431, "headers_too_large"},
    {401, "unauthorized"},
    {401, "invalid_credentials"},
    {403, "forbidden"},
    {415, "unsupported_media_type"},
    {429, "too_many_attempts"},
    {500, "internal_error"},
    {503, "service_unavailable"},
    {503, "overloaded"},
    {505, "http_version_not_supported"},
  };
  return result;
}

const char* reason_phrase(uint16_t status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 500 ? "Client Error" : "Server Error";
  }
}

std::string to_json(const api_error& err) {
  return to_json(err, {});
}

std::string to_json(const api_error& err, std::string_view request_id) {
  json_writer w;
  w.begin_object().field("error", err.code).field("message", err.message);
  if (!request_id.empty())
    w.field("requestId", request_id);
  w.end_object();
  return w.take();
}

} // namespace shop::http
