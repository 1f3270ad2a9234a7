#pragma once

// Users' passwords: argon2id hashes (libsodium's crypto_pwhash_str) made and
// checked on a pool of hasher actors with threads of their own. A hash costs
// tens of milliseconds to seconds of one core and up to 1 GiB of memory by
// design, so it never runs on an HTTP I/O thread, on CAF's shared scheduler
// or on a service worker (the Users worker answers the other services'
// lookups): the worker hands each job to a hasher and goes on with its
// mailbox. The pool is bounded: beyond `threads + queue` outstanding jobs a
// request fails at once with `overloaded` instead of queueing without limit.
// libsodium is included by passwords.cpp only.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/settings.hpp"

namespace shop {

// -- the primitives -----------------------------------------------------------

/// invalid_argument with a message for the client when `password` is not 8
/// to 256 bytes of well-formed UTF-8 (min_password_bytes, max_password_bytes),
/// else no error. Users checks every password it stores with it.
caf::error check_password(const std::string& password);

/// The argon2id string ("$argon2id$v=19$m=...") of `password` at `cost`,
/// from a fresh random salt; an empty string when libsodium cannot get the
/// memory. Blocks for the whole hash: call it on a hasher only.
std::string hash_password(const std::string& password, hash_cost cost);

/// Whether `password` matches `hash` (an argon2id string). Blocks as long
/// as hashing: call it on a hasher only.
bool verify_password(const std::string& password, const std::string& hash);

/// Whether `hash` was made with other parameters than `cost` (or is not an
/// argon2id string): a login that matches it rehashes the password.
bool needs_rehash(const std::string& hash, hash_cost cost);

/// Overwrites the bytes of `secret` (its whole buffer) and empties it.
void wipe(std::string& secret) noexcept;

/// Wipes a secret when the scope that holds it ends, whichever way.
class wipe_guard {
public:
  explicit wipe_guard(std::string& secret) noexcept : secret_(secret) {
  }

  wipe_guard(const wipe_guard&) = delete;
  wipe_guard& operator=(const wipe_guard&) = delete;

  ~wipe_guard() {
    wipe(secret_);
  }

private:
  std::string& secret_;
};

// -- the hasher ---------------------------------------------------------------

/// One hasher of the pool. Internal to the Users worker, which spawns,
/// links and stops them; no other actor holds one.
using password_hasher_actor = caf::typed_actor<
  // Hashes a password at the pool's cost: its argon2id string. Fails with
  // overloaded when libsodium cannot get the memory.
  caf::replies_to<atom::hash, std::string>::with<std::string>,
  // Checks a password against a hash: whether it matches and, when it
  // matches a hash of another cost, a new hash at the pool's cost (else
  // empty). An empty hash is checked against the hasher's dummy hash (never
  // a match), so that an unknown user costs as long as a known one.
  caf::replies_to<atom::verify, std::string, std::string>::with<bool,
                                                                std::string>>;

struct password_hasher_state {
  hash_cost cost = hash_cost::interactive;
  /// The hash of a random password nobody knows, at `cost`.
  std::string dummy;

  static inline const char* name = "password-hasher";
};

/// A hasher: makes its dummy hash first (a detached actor runs this on its
/// own thread), then answers hash and verify jobs one at a time.
password_hasher_actor::behavior_type password_hasher(
  password_hasher_actor::stateful_pointer<password_hasher_state> self,
  hash_cost cost);

// -- the pool -----------------------------------------------------------------

/// What a verify job found out.
struct password_verdict {
  bool match = false;
  /// When it matched a hash of another cost: the password hashed again at
  /// the configured cost, to store instead.
  std::string rehash;
};

/// The Users worker's hashers and its count of outstanding jobs. Lives in the
/// worker's state: the hashers are linked to the worker and stopped when it
/// ends, so a restarted worker starts a new pool and leaks no thread. Jobs
/// go to the hasher with the fewest outstanding ones; their answers come
/// back as ordinary responses, so the worker never blocks on a hash.
class password_pool {
public:
  /// Spawns `settings.threads` hashers (at least one) linked to `self`:
  /// detached (a thread each), or scheduled like the workers of a
  /// deterministic test (service_options::detached).
  template <class Self>
  void start(Self* self, const password_settings& settings, bool detached) {
    auto n = settings.threads > 0 ? settings.threads : size_t{1};
    capacity_ = n + settings.queue;
    for (size_t i = 0; i < n; ++i) {
      if (detached)
        hashers_.push_back(
          self->template spawn<caf::linked + caf::detached>(password_hasher,
                                                            settings.cost));
      else
        hashers_.push_back(
          self->template spawn<caf::linked>(password_hasher, settings.cost));
      load_.push_back(0);
    }
    // The link stops them when the worker fails, this when it quits
    // normally (a link does not pass that on); unstopped, they would end
    // only once the worker's state let go of them.
    self->attach_functor([hashers = hashers_](const caf::error&) {
      for (auto& x : hashers)
        caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    });
  }

  /// overloaded when `threads + queue` jobs are outstanding, else no error.
  /// Ask before making a response promise, then submit the job.
  caf::error admit() const;

  /// Jobs sent to a hasher and not answered yet.
  size_t outstanding() const noexcept {
    return outstanding_;
  }

  /// Hashes `password` on a hasher; `done(caf::expected<std::string>)` runs
  /// in `self` with the hash, or overloaded / service_unavailable.
  template <class Self, class Done>
  void hash(Self* self, const std::string& password, Done done) {
    auto i = take();
    self->request(hashers_[i], caf::infinite, atom::hash_v, password)
      .then(
        [this, i, done](std::string& hash) mutable {
          release(i);
          done(caf::expected<std::string>{std::move(hash)});
        },
        [this, i, done](caf::error& err) mutable {
          release(i);
          done(caf::expected<std::string>{failed(err)});
        });
  }

  /// Checks `password` against `stored` (empty: against the dummy) on a
  /// hasher; `done(caf::expected<password_verdict>)` runs in `self`.
  template <class Self, class Done>
  void verify(Self* self, const std::string& password,
              const std::string& stored, Done done) {
    auto i = take();
    self->request(hashers_[i], caf::infinite, atom::verify_v, password, stored)
      .then(
        [this, i, done](bool match, std::string& rehash) mutable {
          release(i);
          done(caf::expected<password_verdict>{
            password_verdict{match, std::move(rehash)}});
        },
        [this, i, done](caf::error& err) mutable {
          release(i);
          done(caf::expected<password_verdict>{failed(err)});
        });
  }

private:
  /// Counts a job on the least busy hasher and returns its index.
  size_t take();

  void release(size_t i) noexcept;

  /// The error a requester sees for a failed job.
  static caf::error failed(const caf::error& err);

  std::vector<password_hasher_actor> hashers_;
  /// Outstanding jobs per hasher.
  std::vector<size_t> load_;
  size_t outstanding_ = 0;
  size_t capacity_ = 0;
};

} // namespace shop
