#include "http/auth.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.hpp"

namespace shop::http {

namespace {

/// Verified tokens remembered per I/O thread: enough for every user of a
/// large shop (at 4,096, 100,000 users' balance reads missed it and ran at
/// 0.60x of the operator secret's rate); about 9 MB per thread when full.
constexpr size_t max_cached_tokens = 131072;

using digest = std::array<unsigned char, 32>;

/// A digest is uniformly distributed already: its first bytes are a hash.
struct digest_hash {
  size_t operator()(const digest& d) const noexcept {
    size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

std::array<unsigned char, 32> digest_of(std::string_view text) {
  std::array<unsigned char, 32> result;
  crypto_generichash(result.data(), result.size(),
                     reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return result;
}

/// The characters of a b64token before its padding, as a table: a token is
/// checked on every request, and a JWT has ~200 of them.
constexpr std::array<bool, 256> b64token_chars = [] {
  std::array<bool, 256> result{};
  for (int c = 0; c < 256; ++c)
    result[static_cast<size_t>(c)]
      = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~' || c == '+' || c == '/';
  return result;
}();

/// RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
/// "+" / "/" ) *"=".
bool is_b64token(std::string_view x) noexcept {
  auto end = x.find_last_not_of('=');
  if (end == std::string_view::npos)
    return false;
  for (auto c : x.substr(0, end + 1))
    if (!b64token_chars[static_cast<unsigned char>(c)])
      return false;
  return true;
}

authentication refused(const char* why) {
  return authentication{principal{}, true, why};
}

} // namespace

const char* to_string(access x) noexcept {
  switch (x) {
    case access::anyone:
      return "anyone";
    case access::owner:
      return "owner";
    case access::operator_only:
      return "operator";
  }
  return "unknown";
}

std::string principal::scope() const {
  switch (role) {
    case kind::user:
      return "user:" + std::to_string(user);
    case kind::operator_:
      return "operator";
    case kind::anonymous:
      break;
  }
  return "anyone";
}

authenticator::authenticator(std::shared_ptr<const token_authority> tokens,
                             std::string operator_secret)
  : tokens_(std::move(tokens)) {
  static std::atomic<uint64_t> instances{0};
  id_ = ++instances;
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium cannot be initialized");
  if (!operator_secret.empty())
    operator_digest_ = digest_of(operator_secret);
  sodium_memzero(operator_secret.data(), operator_secret.size());
}

authentication
authenticator::authenticate(const std::vector<std::string_view>& authorization,
                            int64_t now) const {
  if (authorization.empty())
    return {};
  if (authorization.size() > 1)
    return refused("more than one Authorization header");
  auto value = text::trim(authorization.front());
  auto space = value.find(' ');
  if (space == std::string_view::npos
      || !text::iequals_ascii(value.substr(0, space), "Bearer"))
    return refused("not a Bearer credential");
  auto token = text::trim(value.substr(space + 1));
  if (!is_b64token(token))
    return refused("malformed token");
  // The token's digest (BLAKE2b-256) is compared with the operator
  // secret's and keys the cache: the token itself is never kept.
  auto given = digest_of(token);
  if (operator_digest_) {
    if (sodium_memcmp(given.data(), operator_digest_->data(), given.size())
        == 0)
      return authentication{principal{principal::kind::operator_, 0}, false,
                            ""};
  }
  // A token is verified once per I/O thread: later requests with it only
  // look it up (and still check its expiry). Only valid tokens are kept,
  // so garbage cannot fill the cache; a full cache starts over.
  struct verified_cache {
    uint64_t owner = 0;
    std::unordered_map<digest, token_claims, digest_hash> tokens;
  };
  thread_local verified_cache cache;
  if (cache.owner != id_) {
    cache.tokens.clear();
    cache.owner = id_;
  }
  if (auto i = cache.tokens.find(given); i != cache.tokens.end()) {
    if (now < i->second.expires_at)
      return authentication{principal{principal::kind::user, i->second.user},
                            false, ""};
    cache.tokens.erase(i);
    return refused(to_string(token_status::expired));
  }
  token_claims claims;
  auto status = tokens_->verify(token, now, claims);
  if (status != token_status::valid)
    return refused(to_string(status));
  if (cache.tokens.size() >= max_cached_tokens)
    cache.tokens.clear();
  cache.tokens.emplace(given, claims);
  return authentication{principal{principal::kind::user, claims.user}, false,
                        ""};
}

std::shared_ptr<const token_authority> ephemeral_tokens(int64_t ttl_seconds) {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium cannot be initialized");
  std::string secret(min_key_bytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  return std::make_shared<const token_authority>(make_token_key(
                                                   std::move(secret)),
                                                 std::nullopt, ttl_seconds);
}

std::shared_ptr<const authenticator>
ephemeral_authenticator(int64_t ttl_seconds) {
  return std::make_shared<const authenticator>(ephemeral_tokens(ttl_seconds),
                                               std::string{});
}

api_error unauthorized(const authentication& auth) {
  api_error err{401, "unauthorized",
                auth.invalid
                  ? "the access token is invalid or expired: log in again"
                  : "this endpoint needs Authorization: Bearer <token> (POST "
                    "/login)"};
  err.www_authenticate
    = auth.invalid ? R"(Bearer realm="actorshop", error="invalid_token")"
                   : R"(Bearer realm="actorshop")";
  return err;
}

api_error forbidden() {
  return api_error{403, "forbidden",
                   "these credentials do not allow this request"};
}

api_error too_many_attempts(uint32_t retry_after) {
  api_error err{429, "too_many_attempts",
                fmt::format("too many failed logins, retry in {} s",
                            retry_after)};
  err.retry_after = retry_after;
  return err;
}

bool is_bearer_token(std::string_view x) noexcept {
  return is_b64token(x);
}

// -- login_throttle -------------------------------------------------------------

namespace {

/// Drops the failures that left the window (the oldest come first).
template <class Failures, class Duration>
void forget_older(Failures& h, typename Failures::value_type now,
                  Duration window) {
  auto kept = std::find_if(h.begin(), h.end(),
                           [&](auto t) { return now - t < window; });
  h.erase(h.begin(), kept);
}

} // namespace

uint32_t login_throttle::wait_of(entry& e, size_t max, time_point now) {
  auto& h = e.failures;
  forget_older(h, now, limits_.window);
  if (h.size() + e.pending < max)
    return 0;
  if (h.size() < max)
    return 1; // attempts in flight fill the window: they end in moments
  // Allowed again once enough of the oldest failures left the window.
  auto until = h[h.size() - max] + limits_.window;
  auto left = std::chrono::ceil<std::chrono::seconds>(until - now).count();
  return static_cast<uint32_t>(std::max<int64_t>(left, 1));
}

void login_throttle::prune(time_point now) {
  if (now - last_prune_ < limits_.window)
    return;
  last_prune_ = now;
  for (auto* m : {&by_email_, &by_address_})
    for (auto i = m->begin(); i != m->end();) {
      forget_older(i->second.failures, now, limits_.window);
      i = i->second.idle() ? m->erase(i) : std::next(i);
    }
}

uint32_t login_throttle::admit(const std::string& email_key,
                               const std::string& address, time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  prune(now);
  auto email = by_email_.try_emplace(email_key).first;
  auto from = by_address_.try_emplace(address).first;
  auto wait = std::max(wait_of(email->second, limits_.max_per_email, now),
                       wait_of(from->second, limits_.max_per_address, now));
  if (wait == 0) {
    ++email->second.pending;
    ++from->second.pending;
    return 0;
  }
  // Refused: remember nothing that has no failures to count.
  if (email->second.idle())
    by_email_.erase(email);
  if (from->second.idle())
    by_address_.erase(from);
  return wait;
}

void login_throttle::finished(const std::string& email_key,
                              const std::string& address, outcome x,
                              time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto end = [&](table& m, const std::string& key, size_t max,
                 bool forget_failures) {
    auto i = m.find(key);
    if (i == m.end())
      return;
    auto& e = i->second;
    if (e.pending > 0)
      --e.pending;
    if (x == outcome::failed) {
      e.failures.push_back(now);
      // Only the newest `max` failures matter for the wait.
      if (e.failures.size() > max)
        e.failures.erase(e.failures.begin(),
                         e.failures.end() - static_cast<std::ptrdiff_t>(max));
    }
    if (forget_failures)
      e.failures.clear();
    // A login that left nothing to count leaves no entry: at 100,000 users
    // who each logged in once, the entries were 70 MB of the front's heap.
    if (e.idle())
      m.erase(i);
  };
  end(by_email_, email_key, limits_.max_per_email, x == outcome::succeeded);
  end(by_address_, address, limits_.max_per_address, false);
}

size_t login_throttle::tracked() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return by_email_.size() + by_address_.size();
}

} // namespace shop::http
