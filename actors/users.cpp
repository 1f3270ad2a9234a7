#include "actors/users.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>

#include <caf/actor_system.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/system.hpp"

namespace shop {

namespace {

/// The Idempotency-Key scope of registrations.
constexpr const char* register_scope = "register";

/// The answer to a request whose password is on the pool.
using user_promise = caf::typed_response_promise<user>;

void load(users_worker self) {
  auto& st = self->state;
  auto snap = open_storage(self);
  for (auto& u : st.repo->load_users()) {
    st.next_id = std::max(st.next_id, u.id + 1);
    st.by_email.emplace(email_key(u.email), u.id);
    st.by_id.emplace(u.id, std::move(u));
  }
  for (auto& [id, hash] : st.repo->load_password_hashes())
    st.passwords[id].hash = std::move(hash);
  st.pool.start(self, st.deps.settings.passwords, st.deps.detached);
  start_relay(self, user_created_topic, snap);
  log::info(st.name,
            "ready: {} users ({} with a password), {} events to "
            "deliver",
            st.by_id.size(), st.passwords.size(), st.relay.backlog());
}

/// The one answer to a failed login, whatever failed.
caf::error invalid_credentials() {
  return caf::make_error(errc::invalid_credentials,
                         "the email or the password is wrong");
}

/// Runs `f` in a response handler, where a storage exception would leave
/// `rp` unanswered: answers it with storage_failure and fails the service.
template <class F>
void guarded_continuation(users_worker self, user_promise& rp, F f) {
  try {
    f();
  } catch (const std::exception& e) {
    rp.deliver(storage_failed());
    fail_service(self, e.what());
  }
}

// -- register -----------------------------------------------------------------

/// The by_email key of the command's address, or email_taken.
caf::expected<std::string> free_email_key(users_worker self,
                                          const register_user& cmd) {
  auto key = email_key(cmd.email);
  if (self->state.by_email.count(key) > 0)
    return caf::make_error(errc::email_taken,
                           "a user with this email is already registered");
  return key;
}

/// What a registration can be refused for before its password is hashed.
caf::error check_registration(users_worker self, const register_user& cmd) {
  if (cmd.email.empty() || cmd.name.empty())
    return caf::make_error(errc::invalid_argument,
                           "email and name must not be empty");
  if (auto err = check_password(cmd.password))
    return err;
  if (auto key = free_email_key(self, cmd); !key)
    return std::move(key.error());
  return caf::none;
}

/// Stages the user, its password hash and USER_CREATED in the open batch.
/// The email is checked again: another registration of it may have been
/// staged while this password was hashed.
caf::expected<user> stage_registration(users_worker self,
                                       const register_user& cmd,
                                       const std::string& hash) {
  auto& st = self->state;
  auto key = free_email_key(self, cmd);
  if (!key)
    return std::move(key.error());
  open_batch(self);
  user u{st.next_id++, cmd.email, cmd.name};
  st.by_email.emplace(std::move(*key), u.id);
  st.by_id.emplace(u.id, u);
  st.passwords[u.id].hash = hash;
  auto& changes = st.uow.changes();
  changes.created.push_back(u);
  changes.passwords[u.id] = hash;
  stage_event(self, user_created{0, u.id, u.email, u.name, cmd.correlation});
  log::debug_fields(st.name, "user registered", [&](auto write) {
    write({{"user", std::to_string(u.id)}, {"request", cmd.correlation}});
  });
  return u;
}

/// A registration whose password is hashed: staged through the
/// Idempotency-Key path, which looks for the key again (a retry may have
/// been staged meanwhile). `cmd` has no password any more.
void finish_registration(users_worker self, user_promise rp,
                         const register_user& cmd,
                         caf::expected<std::string> hash) {
  if (!hash) {
    rp.deliver(std::move(hash.error()));
    return;
  }
  guarded_continuation(self, rp, [&] {
    auto stage = [&](const register_user& x) {
      return stage_registration(self, x, *hash);
    };
    deliver_with(self, rp,
                 execute_command<user>(self, register_scope, cmd, stage));
  });
}

/// A registration: a retry is answered from its Idempotency-Key at once;
/// otherwise the cheap checks, then the hash on the pool.
caf::result<user> handle_register(users_worker self, register_user& cmd) {
  wipe_guard guard{cmd.password};
  auto& st = self->state;
  if (auto replay = find_replay<user>(self, register_scope, cmd))
    return reply_with(self, std::move(*replay));
  if (auto err = check_registration(self, cmd))
    return err;
  // USER_CREATED would join a backlog over its bound (actors/load.hpp);
  // or too much waits already: refuse before the hash is paid for.
  if (!st.relay.accepting())
    return refuse_overloaded(self, "backlog");
  if (mailbox_over_bound(self))
    return refuse_overloaded(self, "mailbox");
  if (auto err = st.pool.admit())
    return err;
  auto rp = self->make_response_promise<user>();
  auto pending = cmd;
  wipe(pending.password);
  st.pool.hash(self, cmd.password,
               [self, rp, pending](caf::expected<std::string> hash) {
                 finish_registration(self, rp, pending, std::move(hash));
               });
  return rp;
}

// -- login ----------------------------------------------------------------------

/// Stores a login's rehash of a password at the configured cost, unless the
/// password changed while it was checked.
void stage_rehash(users_worker self, user_id id, const std::string& checked,
                  std::string hash) {
  auto& st = self->state;
  auto& slot = st.passwords[id];
  if (slot.hash != checked)
    return;
  open_batch(self);
  slot.hash = hash;
  st.uow.changes().passwords[id] = std::move(hash);
  log::info(st.name, "user {}: password hash renewed at the configured cost",
            id);
}

/// A login whose password was checked against `stored` (empty: the dummy).
void finish_login(users_worker self, user_promise rp, user_id id,
                  const std::string& stored,
                  caf::expected<password_verdict> verdict) {
  if (!verdict) {
    rp.deliver(std::move(verdict.error()));
    return;
  }
  auto& st = self->state;
  if (!verdict->match || stored.empty()) {
    log::debug(st.name, "login refused");
    rp.deliver(invalid_credentials());
    return;
  }
  if (!verdict->rehash.empty())
    stage_rehash(self, id, stored, std::move(verdict->rehash));
  log::debug(st.name, "user {} logged in", id);
  deliver_with(self, rp, caf::expected<user>{st.by_id.at(id)});
}

/// A login: the password is checked on the pool against the user's hash,
/// or against the dummy hash when there is no such user or it has no
/// password, so that every failure takes as long and answers the same.
caf::result<user> handle_login(users_worker self, credentials& cmd) {
  wipe_guard guard{cmd.password};
  auto& st = self->state;
  // No stored password is malformed, so refusing one at once tells nothing
  // about the email.
  if (check_password(cmd.password))
    return invalid_credentials();
  if (auto err = st.pool.admit())
    return err;
  user_id id = 0;
  std::string stored;
  if (auto i = st.by_email.find(email_key(cmd.email)); i != st.by_email.end()) {
    id = i->second;
    if (auto p = st.passwords.find(id); p != st.passwords.end())
      stored = p->second.hash;
  }
  auto rp = self->make_response_promise<user>();
  st.pool.verify(self, cmd.password, stored,
                 [self, rp, id, stored](caf::expected<password_verdict> v) {
                   finish_login(self, rp, id, stored, std::move(v));
                 });
  return rp;
}

// -- set_password -------------------------------------------------------------

/// A set_password whose hash is done: stored unless a later request of the
/// same user was stored already (its hash finished first).
void finish_set_password(users_worker self, user_promise rp, user_id id,
                         uint64_t ticket, caf::expected<std::string> hash) {
  if (!hash) {
    rp.deliver(std::move(hash.error()));
    return;
  }
  auto& st = self->state;
  auto& slot = st.passwords[id];
  if (ticket > slot.applied) {
    open_batch(self);
    slot.applied = ticket;
    slot.hash = *hash;
    st.uow.changes().passwords[id] = std::move(*hash);
    log::info(st.name, "user {}: password set", id);
  }
  deliver_with(self, rp, caf::expected<user>{st.by_id.at(id)});
}

/// An operator sets a user's password: checked, hashed on the pool, stored.
/// Of two changes of one user, the later request wins even if its hash
/// is done first.
caf::result<user> handle_set_password(users_worker self, set_password& cmd) {
  wipe_guard guard{cmd.password};
  auto& st = self->state;
  if (auto err = check_password(cmd.password))
    return err;
  if (st.by_id.count(cmd.user) == 0)
    return caf::make_error(errc::user_not_found, "no user with this id");
  if (auto err = st.pool.admit())
    return err;
  auto ticket = ++st.passwords[cmd.user].requested;
  auto rp = self->make_response_promise<user>();
  st.pool.hash(self, cmd.password,
               [self, rp, id = cmd.user, ticket](caf::expected<std::string> h) {
                 finish_set_password(self, rp, id, ticket, std::move(h));
               });
  return rp;
}

} // namespace

users_worker_actor::behavior_type users_service(users_worker self,
                                                users_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::ping) { return ping_storage(self); },
    [self](register_user& cmd) -> caf::result<user> {
      return handle_register(self, cmd);
    },
    [self](atom::get, user_id id) -> caf::result<user> {
      return read_after_commit<user>(self, [self, id]() -> caf::expected<user> {
        auto& users = self->state.by_id;
        if (auto i = users.find(id); i != users.end())
          return i->second;
        return caf::make_error(errc::user_not_found, "no user with this id");
      });
    },
    [self](credentials& cmd) -> caf::result<user> {
      return handle_login(self, cmd);
    },
    [self](set_password& cmd) -> caf::result<user> {
      return handle_set_password(self, cmd);
    },
    [self](atom::flush) { flush(self); },
    [self](atom::retry, const std::string& subscriber) {
      self->state.relay.resume(self, subscriber);
    },
  };
}

caf::actor spawn_users_worker(caf::actor_system& sys,
                              const service_context& ctx) {
  users_deps
    deps{ctx.repos.users,
         ctx.subscribers_as<user_created_subscriber>(sys, user_created_topic),
         ctx.settings, ctx.opts.detached};
  return ctx.spawn(sys, users_service, std::move(deps));
}

} // namespace shop
