#include "actors/passwords.hpp"

#include <algorithm>
#include <stdexcept>

#include <sodium.h>

#include "common/log.hpp"
#include "common/text.hpp"
#include "domain/types.hpp"

namespace shop {

namespace {

/// libsodium's opslimit and memlimit of each cost level.
struct limits {
  unsigned long long ops;
  size_t mem;
};

limits limits_of(hash_cost cost) noexcept {
  switch (cost) {
    case hash_cost::minimum:
      return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    case hash_cost::interactive:
      break;
    case hash_cost::moderate:
      return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
    case hash_cost::sensitive:
      return {crypto_pwhash_OPSLIMIT_SENSITIVE,
              crypto_pwhash_MEMLIMIT_SENSITIVE};
  }
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

/// sodium_init, once per process (it is thread-safe and idempotent, but
/// says so only by its return value).
void init_sodium() {
  static const int status = sodium_init();
  if (status < 0)
    throw std::runtime_error("libsodium could not be initialized");
}

} // namespace

// -- the primitives -----------------------------------------------------------

caf::error check_password(const std::string& password) {
  if (password.size() < min_password_bytes
      || password.size() > max_password_bytes)
    return caf::make_error(errc::invalid_argument,
                           "the password must be "
                             + std::to_string(min_password_bytes) + " to "
                             + std::to_string(max_password_bytes)
                             + " bytes long");
  if (!text::is_valid_utf8(password))
    return caf::make_error(errc::invalid_argument,
                           "the password must be valid UTF-8");
  return caf::none;
}

std::string hash_password(const std::string& password, hash_cost cost) {
  init_sodium();
  auto [ops, mem] = limits_of(cost);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), ops, mem) != 0)
    return {};
  std::string result{out};
  sodium_memzero(out, sizeof(out));
  return result;
}

bool verify_password(const std::string& password, const std::string& hash) {
  init_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size())
         == 0;
}

bool needs_rehash(const std::string& hash, hash_cost cost) {
  init_sodium();
  auto [ops, mem] = limits_of(cost);
  // 1: other parameters; -1: not an argon2id string at all.
  return crypto_pwhash_str_needs_rehash(hash.c_str(), ops, mem) != 0;
}

void wipe(std::string& secret) noexcept {
  // The characters beyond size() may hold an earlier, longer content.
  secret.resize(secret.capacity());
  sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

// -- the hasher ---------------------------------------------------------------

password_hasher_actor::behavior_type password_hasher(
  password_hasher_actor::stateful_pointer<password_hasher_state> self,
  hash_cost cost) {
  auto& st = self->state;
  st.cost = cost;
  init_sodium();
  // The dummy hash: of 32 random bytes that are wiped at once.
  std::string secret(32, '\0');
  randombytes_buf(secret.data(), secret.size());
  st.dummy = hash_password(secret, cost);
  wipe(secret);
  if (st.dummy.empty())
    log::warning("users", "no memory for the dummy password hash: a login "
                          "with an unknown email answers faster");
  return {
    [self](atom::hash, std::string& password) -> caf::result<std::string> {
      wipe_guard guard{password};
      auto hash = hash_password(password, self->state.cost);
      if (hash.empty())
        return caf::make_error(errc::overloaded,
                               "no memory to hash the password, retry later");
      return hash;
    },
    [self](atom::verify, std::string& password,
           const std::string& hash) -> caf::result<bool, std::string> {
      wipe_guard guard{password};
      auto& st = self->state;
      if (hash.empty()) {
        verify_password(password, st.dummy);
        return {false, std::string{}};
      }
      if (!verify_password(password, hash))
        return {false, std::string{}};
      if (!needs_rehash(hash, st.cost))
        return {true, std::string{}};
      // Empty when the memory is missing: the old hash stays, no harm.
      return {true, hash_password(password, st.cost)};
    },
  };
}

// -- the pool -----------------------------------------------------------------

caf::error password_pool::admit() const {
  if (outstanding_ < capacity_)
    return caf::none;
  return caf::make_error(errc::overloaded,
                         "too many passwords waiting to be checked, retry "
                         "later");
}

size_t password_pool::take() {
  auto i = static_cast<size_t>(std::min_element(load_.begin(), load_.end())
                               - load_.begin());
  ++load_[i];
  ++outstanding_;
  return i;
}

void password_pool::release(size_t i) noexcept {
  --load_[i];
  --outstanding_;
}

caf::error password_pool::failed(const caf::error& err) {
  if (err == errc::overloaded)
    return err;
  return caf::make_error(errc::service_unavailable,
                         "the password could not be checked, retry later");
}

} // namespace shop
