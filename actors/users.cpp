#include "actors/users.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>

#include "actors/system.hpp"

namespace shop {

namespace {

void load(users_worker self) {
  auto& st = self->state;
  auto snap = open_storage(self);
  for (auto& u : st.repo->load_users()) {
    st.next_id = std::max(st.next_id, u.id + 1);
    st.by_email.emplace(email_key(u.email), u.id);
    st.by_id.emplace(u.id, std::move(u));
  }
  start_relay(self, user_created_topic, snap);
  log::info(st.name, "ready: {} users, {} events to deliver", st.by_id.size(),
            st.relay.backlog());
}

caf::expected<user> stage_registration(users_worker self,
                                       const register_user& cmd) {
  auto& st = self->state;
  if (cmd.email.empty() || cmd.name.empty())
    return caf::make_error(errc::invalid_argument,
                           "email and name must not be empty");
  auto key = email_key(cmd.email);
  if (st.by_email.count(key) > 0)
    return caf::make_error(errc::email_taken,
                           "a user with this email is already registered");
  open_batch(self);
  user u{st.next_id++, cmd.email, cmd.name};
  st.by_email.emplace(std::move(key), u.id);
  st.by_id.emplace(u.id, u);
  st.uow.changes().created.push_back(u);
  stage_event(self, user_created{0, u.id, u.email, u.name, cmd.correlation});
  log::debug_fields(st.name, "user registered", [&](auto write) {
    write({{"user", std::to_string(u.id)}, {"request", cmd.correlation}});
  });
  return u;
}

} // namespace

users_worker_actor::behavior_type users_service(users_worker self,
                                                users_deps deps) {
  start_service(self, std::move(deps), load);
  return {
    [self](atom::ping) { return ping_storage(self); },
    [self](const register_user& cmd) -> caf::result<user> {
      return reply_with(self,
                        execute_command<user>(self, "register", cmd,
                                              [self](const register_user& x) {
                                                return stage_registration(self,
                                                                          x);
                                              }));
    },
    [self](atom::get, user_id id) -> caf::result<user> {
      return read_after_commit<user>(self, [self, id]() -> caf::expected<user> {
        auto& users = self->state.by_id;
        if (auto i = users.find(id); i != users.end())
          return i->second;
        return caf::make_error(errc::user_not_found, "no user with this id");
      });
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
         ctx.settings};
  return ctx.spawn(sys, users_service, std::move(deps));
}

} // namespace shop
