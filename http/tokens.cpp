#include "http/tokens.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

namespace shop::http {

namespace {

constexpr int b64_variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string base64url(const unsigned char* data, size_t size) {
  std::string result(sodium_base64_encoded_len(size, b64_variant), '\0');
  sodium_bin2base64(result.data(), result.size(), data, size, b64_variant);
  result.pop_back(); // sodium writes a terminating NUL
  return result;
}

std::string base64url(std::string_view text) {
  return base64url(reinterpret_cast<const unsigned char*>(text.data()),
                   text.size());
}

/// Decodes unpadded base64url; nullopt unless all of `text` is that.
std::optional<std::string> from_base64url(std::string_view text) {
  std::string result(text.size() * 3 / 4 + 1, '\0');
  size_t size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(result.data()),
                        result.size(), text.data(), text.size(), nullptr, &size,
                        &end, b64_variant)
        != 0
      || end != text.data() + text.size())
    return std::nullopt;
  result.resize(size);
  return result;
}

using mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

mac sign(const token_key& key, std::string_view signing_input) {
  mac result;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st,
                              reinterpret_cast<const unsigned char*>(
                                key.secret.data()),
                              key.secret.size());
  crypto_auth_hmacsha256_update(&st,
                                reinterpret_cast<const unsigned char*>(
                                  signing_input.data()),
                                signing_input.size());
  crypto_auth_hmacsha256_final(&st, result.data());
  sodium_memzero(&st, sizeof st);
  return result;
}

/// A JSON object, or a discarded value for anything else.
nlohmann::json object_of(const std::string& text) {
  auto result = nlohmann::json::parse(text, nullptr, false);
  if (!result.is_object())
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return result;
}

/// An integer claim (iat, exp): a JSON integer, nothing else.
std::optional<int64_t> integer_claim(const nlohmann::json& obj,
                                     const char* name) {
  auto i = obj.find(name);
  if (i == obj.end())
    return std::nullopt;
  if (i->is_number_unsigned()) {
    auto x = i->get<uint64_t>();
    if (x > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(x);
  }
  if (i->is_number_integer())
    return i->get<int64_t>();
  return std::nullopt;
}

/// The sub claim: a positive user id as a decimal string without leading
/// zeros ("42"), as issue() writes it.
std::optional<user_id> subject_claim(const nlohmann::json& obj) {
  auto i = obj.find("sub");
  if (i == obj.end() || !i->is_string())
    return std::nullopt;
  auto& text = i->get_ref<const std::string&>();
  if (text.empty() || text.size() > 19 || text.front() == '0')
    return std::nullopt;
  uint64_t value = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > static_cast<uint64_t>(INT64_MAX))
    return std::nullopt;
  return static_cast<user_id>(value);
}

bool is_sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

} // namespace

token_key make_token_key(std::string secret) {
  is_sodium_ready();
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  std::string kid;
  for (auto b : digest)
    kid += fmt::format("{:02x}", b);
  return token_key{std::move(secret), std::move(kid)};
}

const char* to_string(token_status x) noexcept {
  switch (x) {
    case token_status::valid:
      return "valid";
    case token_status::malformed:
      return "malformed";
    case token_status::wrong_algorithm:
      return "wrong_algorithm";
    case token_status::unknown_key:
      return "unknown_key";
    case token_status::bad_signature:
      return "bad_signature";
    case token_status::expired:
      return "expired";
    case token_status::wrong_role:
      return "wrong_role";
  }
  return "unknown";
}

token_authority::token_authority(token_key current,
                                 std::optional<token_key> previous,
                                 int64_t ttl_seconds)
  : current_(std::move(current)), previous_(std::move(previous)),
    ttl_(ttl_seconds) {
  is_sodium_ready();
}

std::string token_authority::issue(user_id user, int64_t now) const {
  auto header = base64url(
    fmt::format(R"({{"alg":"HS256","typ":"JWT","kid":"{}"}})", current_.kid));
  auto payload
    = base64url(fmt::format(R"({{"sub":"{}","role":"user","iat":{},"exp":{}}})",
                            user, now, now + ttl_));
  auto input = header + '.' + payload;
  auto signature = sign(current_, input);
  return input + '.' + base64url(signature.data(), signature.size());
}

const token_key*
token_authority::key_named(std::string_view kid) const noexcept {
  if (kid == current_.kid)
    return &current_;
  if (previous_ && kid == previous_->kid)
    return &*previous_;
  return nullptr;
}

token_status token_authority::verify(std::string_view token, int64_t now,
                                     token_claims& claims) const {
  if (token.empty() || token.size() > max_token_bytes)
    return token_status::malformed;
  auto first = token.find('.');
  if (first == std::string_view::npos)
    return token_status::malformed;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos
      || token.find('.', second + 1) != std::string_view::npos)
    return token_status::malformed;
  auto header_text = from_base64url(token.substr(0, first));
  auto signature = from_base64url(token.substr(second + 1));
  if (!header_text || !signature)
    return token_status::malformed;
  auto header = object_of(*header_text);
  if (header.is_discarded())
    return token_status::malformed;
  // The algorithm comes from our configuration, never from the token: a
  // header that asks for anything but HS256 ("none" included) is refused.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string())
    return token_status::malformed;
  if (alg->get_ref<const std::string&>() != "HS256")
    return token_status::wrong_algorithm;
  // RFC 7515 4.1.11: extensions we do not understand must be refused.
  if (header.contains("crit"))
    return token_status::malformed;
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string())
    return token_status::unknown_key;
  auto* key = key_named(kid->get_ref<const std::string&>());
  if (key == nullptr)
    return token_status::unknown_key;
  auto expected = sign(*key, token.substr(0, second));
  if (signature->size() != expected.size()
      || sodium_memcmp(signature->data(), expected.data(), expected.size())
           != 0)
    return token_status::bad_signature;
  // Signed by us: the payload is ours, but still checked as text.
  auto payload_text
    = from_base64url(token.substr(first + 1, second - first - 1));
  if (!payload_text)
    return token_status::malformed;
  auto payload = object_of(*payload_text);
  if (payload.is_discarded())
    return token_status::malformed;
  auto sub = subject_claim(payload);
  auto iat = integer_claim(payload, "iat");
  auto exp = integer_claim(payload, "exp");
  auto role = payload.find("role");
  if (!sub || !iat || !exp || role == payload.end() || !role->is_string())
    return token_status::malformed;
  if (role->get_ref<const std::string&>() != "user")
    return token_status::wrong_role;
  if (now >= *exp)
    return token_status::expired;
  claims = token_claims{*sub, *iat, *exp};
  return token_status::valid;
}

int64_t unix_seconds() noexcept {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace shop::http
