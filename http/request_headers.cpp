#include "http/request_headers.hpp"

#include <fmt/format.h>

namespace shop::http {

parsed<std::string>
parse_idempotency_key(const std::vector<std::string_view>& values) {
  const std::string name{idempotency_key_header};
  if (values.empty())
    return std::string{};
  if (values.size() > 1)
    return invalid_header(name, fmt::format("must be sent at most once, got {} "
                                            "values",
                                            values.size()));
  auto key = values.front();
  if (key.empty() || key.size() > max_idempotency_key_bytes)
    return invalid_header(name,
                          fmt::format("must have 1 to {} characters, got "
                                      "{}",
                                      max_idempotency_key_bytes, key.size()));
  for (auto c : key)
    if (c < 0x20 || c > 0x7E)
      return invalid_header(name, "must contain only printable ASCII "
                                  "characters");
  return std::string{key};
}

bool is_request_id(std::string_view x) noexcept {
  if (x.empty() || x.size() > max_request_id_bytes)
    return false;
  for (auto c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

} // namespace shop::http
