#pragma once

// Login tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA-256 (JWS
// "HS256", RFC 7515) under a secret every HTTP front of a cluster shares, so
// any front verifies a token without asking Users. Only HS256 is accepted:
// "none" and every other algorithm are refused before the signature is
// looked at. Claims: sub (the user id, as a string), role ("user"), iat and
// exp (seconds since the epoch); the header names the key in "kid", so a
// front verifies tokens of the previous key during a rotation.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/types.hpp"

namespace shop::http {

/// One signing secret and the name tokens give it.
struct token_key {
  /// The secret, at least min_key_bytes.
  std::string secret;
  /// Names the key in a token's header: 16 hex digits of a BLAKE2b digest
  /// of the secret, which reveals nothing of it.
  std::string kid;
};

/// The shortest secret accepted (RFC 7518 3.2: at least the hash's size).
constexpr size_t min_key_bytes = 32;

/// The longest token verify() looks at; longer ones are malformed.
constexpr size_t max_token_bytes = 2048;

/// Makes a key of `secret`. @pre secret.size() >= min_key_bytes.
token_key make_token_key(std::string secret);

/// Why a token was refused, or `valid`.
enum class token_status : uint8_t {
  valid,
  /// Not three base64url parts of JSON objects with the required claims.
  malformed,
  /// The header's alg is not HS256 (for example "none").
  wrong_algorithm,
  /// The header names no key this front knows (rotated out, or foreign).
  unknown_key,
  /// The signature does not match: the token was altered or forged.
  bad_signature,
  /// exp has passed.
  expired,
  /// The role is not one this front issues.
  wrong_role,
};

const char* to_string(token_status x) noexcept;

/// What a valid token says.
struct token_claims {
  user_id user = 0;
  /// Seconds since the epoch.
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

/// Signs and verifies tokens. Immutable after construction: safe to use
/// from every I/O thread at once.
class token_authority {
public:
  /// Signs with `current`; verifies tokens of `current` and, until they
  /// expire, of `previous` (a rotation). Tokens live `ttl_seconds`.
  token_authority(token_key current, std::optional<token_key> previous,
                  int64_t ttl_seconds);

  /// A token for `user`, issued at `now` (seconds since the epoch).
  std::string issue(user_id user, int64_t now) const;

  /// Checks `token` at `now`; fills `claims` when it is valid.
  token_status verify(std::string_view token, int64_t now,
                      token_claims& claims) const;

  int64_t ttl_seconds() const noexcept {
    return ttl_;
  }

private:
  const token_key* key_named(std::string_view kid) const noexcept;

  token_key current_;
  std::optional<token_key> previous_;
  int64_t ttl_;
};

/// Seconds since the epoch, now.
int64_t unix_seconds() noexcept;

} // namespace shop::http
