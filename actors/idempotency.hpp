#pragma once

// Idempotency keys. A command that carries an Idempotency-Key is executed at
// most once per (endpoint, key): its effect, the key, the command and the
// reply commit in one transaction. A retry finds the key and gets the stored
// reply without a second effect; a different command under the same key is
// refused (idempotency_key_reused). Requests with the same key that race are
// serialized by the actor's mailbox: the second finds the first's key staged
// in the open batch and gets its reply once that batch commits, so there is
// no check-then-insert window. Only successful commands are stored: a refused
// command changed nothing, so running it again is harmless.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <caf/expected.hpp>

#include "actors/codec.hpp"
#include "actors/errors.hpp"
#include "actors/load.hpp"
#include "actors/unit_of_work.hpp"
#include "common/log.hpp"
#include "storage/repositories.hpp"

namespace shop {

/// Per-service bookkeeping for idempotency keys.
struct idempotency_state {
  /// Keys staged in the open batch: (scope, key) -> (request, reply) bytes.
  std::map<std::pair<std::string, std::string>,
           std::pair<std::string, std::string>>
    staged;
  /// How long keys are kept; older ones are purged.
  std::chrono::milliseconds retention = std::chrono::hours(24);
  /// When the last purge was staged.
  unix_ms last_purge = 0;
};

namespace detail {

template <class Reply>
caf::expected<Reply> replay(const char* scope, const std::string& /* key */,
                            const std::string& stored_request,
                            const std::string& stored_reply,
                            const std::string& request) {
  if (stored_request != request)
    // The key is not repeated: the caller knows it, and the stored one
    // carries the caller's scope (http/service_handlers.cpp).
    return caf::make_error(errc::idempotency_key_reused,
                           std::string{"this Idempotency-Key was used for a "
                                       "different "}
                             + scope + " request");
  Reply reply;
  if (!decode(stored_reply, reply))
    return caf::make_error(errc::storage_failure,
                           "stored reply for Idempotency-Key is unreadable");
  return reply;
}

} // namespace detail

/// Clears what must never be stored with an Idempotency-Key from the copy of
/// a command that is stored (and compared with a retry): nothing, for most
/// commands. A command with a secret overloads it for its own type.
template <class Command>
void redact_secrets(Command&) noexcept {
  // nothing secret
}

/// A registration's password: the stored request leaves it out, so a retry
/// with the same key replays the first answer without storing a secret (a
/// retry's password is not compared: the first one is the one stored).
inline void redact_secrets(register_user& x) noexcept {
  x.password.clear();
}

namespace detail {

/// The bytes an Idempotency-Key stands for: the command without its key,
/// its correlation and its secrets.
template <class Command>
std::string canonical_request(const Command& cmd) {
  auto canonical = cmd;
  canonical.idempotency_key.clear();
  canonical.correlation.clear();
  redact_secrets(canonical);
  return encode(canonical);
}

} // namespace detail

/// The answer to a retry of `cmd` under its Idempotency-Key: the stored (or
/// staged) reply, or idempotency_key_reused if the key stands for another
/// request. nullopt when the key is new or absent: the command must run.
/// For commands whose checks must wait for something slow (a password
/// hash): a retry is answered before that wait, and execute_command checks
/// again afterwards. Requires what execute_command requires.
template <class Reply, class Self, class Command>
std::optional<caf::expected<Reply>> find_replay(Self* self, const char* scope,
                                                const Command& cmd) {
  if (cmd.idempotency_key.empty())
    return std::nullopt;
  auto& st = self->state;
  auto request = detail::canonical_request(cmd);
  auto id = std::make_pair(std::string{scope}, cmd.idempotency_key);
  if (auto i = st.keys.staged.find(id); i != st.keys.staged.end())
    return detail::replay<Reply>(scope, id.second, i->second.first,
                                 i->second.second, request);
  if (auto rec = st.repo->find_idempotency(id.first, id.second)) {
    log::debug(st.name, "replaying {} for Idempotency-Key {}", scope,
               id.second);
    return detail::replay<Reply>(scope, id.second, rec->request, rec->reply,
                                 request);
  }
  return std::nullopt;
}

/// Runs `stage(cmd)` (which validates, stages the effect in the open batch and
/// returns the reply) at most once per (scope, cmd.idempotency_key). Requires
/// `self->state.keys` (idempotency_state) and `self->state.repo`.
template <class Reply, class Self, class Command, class Stage>
caf::expected<Reply> execute_command(Self* self, const char* scope,
                                     const Command& cmd, Stage stage) {
  if (mailbox_over_bound(self))
    return refuse_overloaded(self, "mailbox");
  if (cmd.idempotency_key.empty())
    return stage(cmd);
  if (auto replay = find_replay<Reply>(self, scope, cmd))
    return std::move(*replay);
  auto reply = stage(cmd);
  if (!reply)
    return reply;
  auto& st = self->state;
  auto& keys = st.keys;
  auto request = detail::canonical_request(cmd);
  auto id = std::make_pair(std::string{scope}, cmd.idempotency_key);
  open_batch(self);
  auto bytes = encode(*reply);
  auto now = now_ms();
  auto& changes = st.uow.changes().reliable;
  changes.idempotency.push_back(
    idempotency_record{id.first, id.second, request, bytes, now});
  // Purging rides along with keyed commands, the only ones that add keys.
  if (now - keys.last_purge >= 3'600'000) {
    keys.last_purge = now;
    changes.purge_idempotency_before = now - keys.retention.count();
  }
  if (keys.staged.empty()) {
    auto clear = [self] { self->state.keys.staged.clear(); };
    st.uow.then(clear, [clear](const caf::error&) { clear(); });
  }
  keys.staged.emplace(std::move(id),
                      std::make_pair(std::move(request), std::move(bytes)));
  return reply;
}

/// Answers with `x`: at once if nothing is pending, else after the open batch
/// committed (so no client sees an effect that may still roll back).
template <class Reply, class Self>
caf::result<Reply> reply_with(Self* self, caf::expected<Reply> x) {
  if (!x)
    return std::move(x.error());
  if (self->state.uow.empty())
    return std::move(*x);
  return reply_after_commit<Reply>(self, [r = std::move(*x)] { return r; });
}

/// Like reply_with, for a promise made earlier (e.g. before an await).
template <class Reply, class Self, class Promise>
void deliver_with(Self* self, Promise rp, caf::expected<Reply> x) {
  if (!x) {
    rp.deliver(std::move(x.error()));
    return;
  }
  if (self->state.uow.empty()) {
    rp.deliver(std::move(*x));
    return;
  }
  self->state.uow.then([rp, r = std::move(*x)]() mutable { rp.deliver(r); },
                       [rp](const caf::error& err) mutable {
                         rp.deliver(err);
                       });
}

} // namespace shop
