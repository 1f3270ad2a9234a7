#pragma once

// Who a request comes from and what it may do (docs/security.md). A request
// is anonymous, a user (a valid login token: http/tokens.hpp) or an operator
// (the static operator secret). Every route names who may call it
// (http/routes.cpp); the router checks it before the handler runs, so a
// route without a rule cannot exist.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/secret_file.hpp"
#include "domain/types.hpp"
#include "http/errors.hpp"
#include "http/tokens.hpp"

namespace shop::http {

/// Who may call a route.
enum class access : uint8_t {
  /// Anyone, without credentials.
  anyone,
  /// A user acting for themself, or an operator acting for any user.
  owner,
  /// Operators only.
  operator_only,
};

const char* to_string(access x) noexcept;

/// The caller of one request.
struct principal {
  enum class kind : uint8_t { anonymous, user, operator_ };
  kind role = kind::anonymous;
  /// The token's subject, for a user.
  user_id user = 0;

  bool is_user() const noexcept {
    return role == kind::user;
  }

  bool is_operator() const noexcept {
    return role == kind::operator_;
  }

  /// Scopes the caller's Idempotency-Keys: "user:42", "operator", "anyone".
  std::string scope() const;
};

/// What the Authorization header said.
struct authentication {
  principal who;
  /// Credentials were sent but are unusable (malformed, tampered, expired,
  /// unknown key): a route that needs credentials answers 401
  /// error="invalid_token" rather than a plain 401.
  bool invalid = false;
  /// Why, for the log (never for the client).
  const char* why = "";
};

/// The front's credentials: the token authority and the operator secret.
class authenticator {
public:
  /// `operator_secret` empty: nobody is an operator.
  authenticator(std::shared_ptr<const token_authority> tokens,
                std::string operator_secret);

  /// Reads the request's Authorization headers (all of its values) at
  /// `now` (seconds since the epoch). More than one header, a scheme other
  /// than Bearer or a bad token make the result `invalid`.
  authentication
  authenticate(const std::vector<std::string_view>& authorization,
               int64_t now) const;

  const token_authority& tokens() const noexcept {
    return *tokens_;
  }

private:
  std::shared_ptr<const token_authority> tokens_;
  /// BLAKE2b-256 of the operator secret: compared in constant time with the
  /// digest of what a request sends, whatever its length.
  std::optional<std::array<unsigned char, 32>> operator_digest_;
  /// Distinguishes instances for the per-thread cache of verified tokens.
  uint64_t id_ = 0;
};

/// A token authority with a random key of its own: the tokens it issues are
/// valid for this process only.
std::shared_ptr<const token_authority> ephemeral_tokens(int64_t ttl_seconds
                                                        = 3600);

/// An authenticator over ephemeral_tokens() without an operator secret.
std::shared_ptr<const authenticator> ephemeral_authenticator(int64_t ttl_seconds
                                                             = 3600);

/// The error of a route refused to `auth`: 401 with WWW-Authenticate
/// (RFC 6750 3) for missing or unusable credentials, 403 for a user on an
/// operator route or acting for someone else.
api_error unauthorized(const authentication& auth);
api_error forbidden();

/// Whether `x` can be sent as a Bearer credential (RFC 6750 2.1's
/// b64token): what an operator secret must be.
bool is_bearer_token(std::string_view x) noexcept;

/// Failed logins: after `max_per_email` failures for one email within
/// `window`, or `max_per_address` from one client address, further attempts
/// get 429 until the oldest failure leaves the window. An attempt counts
/// from its admission: attempts still being checked are reserved, so a
/// burst of parallel guesses cannot pass the check before the first of them
/// failed. In memory, per front. Thread-safe.
class login_throttle {
public:
  struct limits {
    size_t max_per_email = 5;
    size_t max_per_address = 50;
    std::chrono::seconds window{600};
  };

  using time_point = std::chrono::steady_clock::time_point;

  login_throttle() = default;

  explicit login_throttle(limits lim) : limits_(lim) {
  }

  /// Admits an attempt for (email_key, address) and reserves it: 0. Or the
  /// seconds until one may be admitted, and nothing is reserved. Every
  /// admitted attempt must end with finished().
  uint32_t admit(const std::string& email_key, const std::string& address,
                 time_point now);

  /// Ends an admitted attempt: a failure (wrong credentials) counts in both
  /// windows; a success forgets the email's failures; any other outcome
  /// (overloaded, timeout) counts nothing.
  enum class outcome { succeeded, failed, undecided };
  void finished(const std::string& email_key, const std::string& address,
                outcome x, time_point now);

  /// Emails and addresses it remembers: only those with failures in the
  /// window or attempts in flight (a successful login leaves nothing).
  size_t tracked() const;

private:
  struct entry {
    /// The newest failures within the window, oldest first (at most the
    /// limit: a vector, which costs nothing while empty).
    std::vector<time_point> failures;
    /// Admitted attempts not finished yet.
    size_t pending = 0;

    bool idle() const noexcept {
      return failures.empty() && pending == 0;
    }
  };

  using table = std::unordered_map<std::string, entry>;

  /// The wait `e` imposes at `now` (0: none), with `max` failures allowed.
  uint32_t wait_of(entry& e, size_t max, time_point now);

  void prune(time_point now);

  limits limits_;
  mutable std::mutex mtx_;
  table by_email_;
  table by_address_;
  time_point last_prune_{};
};

/// 429 too_many_attempts with Retry-After.
api_error too_many_attempts(uint32_t retry_after);

} // namespace shop::http
