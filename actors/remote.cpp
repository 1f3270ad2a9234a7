#include "actors/remote.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <set>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/message_view.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/result.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "common/log.hpp"

namespace shop {

namespace {

using namespace std::chrono_literals;

using remote_ptr = caf::stateful_actor<remote_state>*;

constexpr caf::timespan first_backoff = 50ms;
constexpr caf::timespan max_backoff = 2s;
/// Bounds one connection attempt (TCP connect plus CAF's handshake plus
/// the directory's answer); a peer that does not answer in time is retried.
constexpr caf::timespan connect_timeout = 10s;
/// Directories a waiting proxy remembers: one per peer that dialed this
/// node is what a correct cluster sends.
constexpr size_t max_announced = 16;

void connect(remote_ptr self);

void retry_later(remote_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.connecting = false;
  st.backoff
    = std::clamp<caf::timespan>(st.backoff * 2, first_backoff, max_backoff);
  // The first failure is worth a line; a peer that stays away would flood
  // the log, so later ones are debug.
  auto ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(st.backoff).count();
  if (st.backoff == first_backoff)
    log::warning(st.service,
                 "peer {} unreachable ({}), retrying every {} ms "
                 "and more",
                 st.peer.to_string(), self->system().render(err), ms);
  else
    log::debug(st.service, "peer {} unreachable ({}), retrying in {} ms",
               st.peer.to_string(), self->system().render(err), ms);
  self->delayed_send(self, st.backoff, atom::restart_v);
}

/// Tells the peer's directory where this node's services are, so that the
/// peer's proxies use this connection instead of opening one back.
void announce(remote_ptr self) {
  auto& st = self->state;
  if (st.dials && st.home && st.peer_directory)
    self->send(st.peer_directory, atom::peer_v, st.home);
}

void connected(remote_ptr self, caf::node_id node, caf::actor hdl,
               caf::actor directory) {
  auto& st = self->state;
  st.connecting = false;
  st.backoff = caf::timespan{0};
  st.remote = std::move(hdl);
  st.node = std::move(node);
  st.peer_directory = std::move(directory);
  ++st.connections;
  self->monitor(st.remote);
  log::info(st.service, "connected to peer {} (node {})", st.peer.to_string(),
            caf::to_string(st.node));
  announce(self);
}

/// A waiting proxy asks the directories peers announced for its service
/// (one at a time; a peer that does not run it answers an error) until one
/// answers, and again after a pause when none did: an announcement that
/// arrived while the proxy still held a handle of the peer's previous run
/// is not lost.
void ask_announced(remote_ptr self) {
  auto& st = self->state;
  if (st.dials || st.remote || st.connecting || st.announced.empty())
    return;
  st.connecting = true;
  auto candidates = std::make_shared<std::vector<caf::actor>>(st.announced);
  auto next = std::make_shared<std::function<void(size_t)>>();
  *next = [self, candidates, next](size_t i) {
    auto& st = self->state;
    if (i == candidates->size()) {
      st.connecting = false;
      st.backoff
        = std::clamp<caf::timespan>(st.backoff * 2, first_backoff, max_backoff);
      self->delayed_send(self, st.backoff, atom::restart_v);
      *next = nullptr; // breaks the cycle through the captured pointer
      return;
    }
    self->request((*candidates)[i], connect_timeout, atom::get_v, st.service)
      .then(
        [self, next](caf::actor& hdl) {
          *next = nullptr;
          self->state.connecting = false;
          if (!hdl || self->state.remote)
            return;
          auto node = hdl.node();
          connected(self, std::move(node), std::move(hdl), caf::actor{});
        },
        [next, i](caf::error&) { (*next)(i + 1); });
  };
  (*next)(0);
}

/// A peer announced its directory (it dialed this node): remembered while
/// it lives, at most max_announced of them (the newest win).
void remember_announced(remote_ptr self, caf::actor directory) {
  auto& st = self->state;
  if (st.dials || !directory
      || std::find(st.announced.begin(), st.announced.end(), directory)
           != st.announced.end())
    return;
  if (st.announced.size() == max_announced)
    st.announced.erase(st.announced.begin());
  self->monitor(directory);
  st.announced.push_back(std::move(directory));
  st.backoff = caf::timespan{0};
  ask_announced(self);
}

/// Asks the middleman for the peer's directory, then the directory for the
/// service. Never blocks this actor: both are requests.
void connect(remote_ptr self) {
  auto& st = self->state;
  if (st.connecting || st.remote)
    return;
  st.connecting = true;
  // Through the OpenSSL module whenever it is loaded: then every connection
  // to a peer is mutual TLS (config: configure_node_tls).
  auto& sys = self->system();
  auto mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                      : sys.middleman().actor_handle();
  self
    ->request(mm, connect_timeout, caf::connect_atom_v, st.peer.host,
              st.peer.port)
    .then(
      [self](caf::node_id& node, caf::strong_actor_ptr& dir,
             std::set<std::string>&) {
        if (!dir) {
          retry_later(self, caf::make_error(errc::service_unavailable,
                                            "no directory published"));
          return;
        }
        auto directory = caf::actor_cast<caf::actor>(std::move(dir));
        self
          ->request(directory, connect_timeout, atom::get_v,
                    self->state.service)
          .then(
            [self, node, directory](caf::actor& hdl) mutable {
              if (!hdl) {
                retry_later(self,
                            caf::make_error(errc::service_unavailable,
                                            "the peer returned no handle"));
                return;
              }
              connected(self, std::move(node), std::move(hdl),
                        std::move(directory));
            },
            [self](caf::error& err) { retry_later(self, err); });
      },
      [self](caf::error& err) { retry_later(self, err); });
}

/// The service's status as its own node sees it (worker running, storage
/// answering), seen from here: unreachable while the peer is not connected.
caf::result<service_status> status_of(remote_ptr self) {
  auto& st = self->state;
  service_status result;
  result.service = st.service;
  result.local = false;
  result.location = st.peer.to_string();
  if (!st.remote) {
    result.problem = "peer " + result.location + " not connected";
    return result;
  }
  result.node = caf::to_string(st.node);
  auto rp = self->make_response_promise<service_status>();
  self->request(st.remote, std::chrono::seconds(2), atom::status_v)
    .then(
      [rp, result](service_status& there) mutable {
        result.reachable = there.reachable;
        result.overloaded = there.overloaded;
        result.problem = there.problem;
        rp.deliver(std::move(result));
      },
      [self, rp, result](caf::error& err) mutable {
        result.problem
          = "peer " + result.location + ": " + self->system().render(err);
        rp.deliver(std::move(result));
      });
  return rp;
}

} // namespace

caf::behavior remote_service(caf::stateful_actor<remote_state>* self,
                             std::string service, node_address peer,
                             bool dials) {
  self->state.service = std::move(service);
  self->state.peer = std::move(peer);
  self->state.dials = dials;
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto gone = std::find_if(st.announced.begin(), st.announced.end(),
                             [&](const caf::actor& x) {
                               return x.address() == msg.source;
                             });
    if (gone != st.announced.end()) {
      st.announced.erase(gone);
      return;
    }
    if (msg.source != st.remote.address())
      return;
    st.remote = nullptr;
    st.node = caf::node_id{};
    st.peer_directory = nullptr;
    if (!st.dials) {
      log::warning(st.service, "lost peer {} ({}), waiting for it to connect",
                   st.peer.to_string(), self->system().render(msg.reason));
      st.backoff = caf::timespan{0};
      ask_announced(self);
      return;
    }
    log::warning(st.service, "lost peer {} ({}), reconnecting",
                 st.peer.to_string(), self->system().render(msg.reason));
    // Reconnect after a short pause: a node that just died refuses at once.
    st.backoff = caf::timespan{0};
    retry_later(self, msg.reason);
  });
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& xs) -> caf::result<caf::message> {
      auto& st = self->state;
      if (!st.remote)
        return caf::make_error(errc::service_unavailable,
                               st.service + " is unreachable (peer "
                                 + st.peer.to_string() + ")");
      return self->delegate(st.remote, xs.move_content_to_message());
    });
  if (dials)
    connect(self);
  else
    log::debug(self->state.service, "waiting for peer {} to connect",
               self->state.peer.to_string());
  return {
    [self](atom::restart) {
      if (self->state.dials)
        connect(self);
      else
        ask_announced(self);
    },
    [self](atom::status) { return status_of(self); },
    [self](atom::join, caf::actor home) {
      self->state.home = std::move(home);
      announce(self);
    },
    [self](atom::peer, caf::actor directory) {
      remember_announced(self, std::move(directory));
    },
  };
}

caf::behavior node_directory(caf::stateful_actor<directory_state>* self,
                             std::map<std::string, caf::actor> services,
                             std::vector<std::string> local) {
  self->state.services = std::move(services);
  self->state.local = std::move(local);
  return {
    [self](atom::peer, const caf::actor& directory) {
      auto& st = self->state;
      for (auto& [name, hdl] : st.services)
        if (std::find(st.local.begin(), st.local.end(), name) == st.local.end())
          self->send(hdl, atom::peer_v, directory);
    },
    [self](atom::get, const std::string& name) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (std::find(st.local.begin(), st.local.end(), name) == st.local.end())
        return caf::make_error(errc::service_unavailable,
                               name + " does not run on this node");
      return st.services[name];
    },
    [self](atom::status) -> caf::result<std::vector<service_status>> {
      auto& st = self->state;
      auto rp = self->make_response_promise<std::vector<service_status>>();
      auto names = service_names();
      auto result = std::make_shared<std::vector<service_status>>(names.size());
      auto remaining = std::make_shared<size_t>(names.size());
      for (size_t i = 0; i < names.size(); ++i) {
        auto& name = names[i];
        bool is_local = std::find(st.local.begin(), st.local.end(), name)
                        != st.local.end();
        (*result)[i].service = name;
        (*result)[i].local = is_local;
        (*result)[i].location = is_local ? "local" : "?";
        auto done = [rp, result, remaining]() mutable {
          if (--*remaining == 0)
            rp.deliver(std::move(*result));
        };
        self
          ->request(st.services[name], std::chrono::seconds(2), atom::status_v)
          .then(
            [result, i, done](service_status& x) mutable {
              (*result)[i] = std::move(x);
              done();
            },
            [done](caf::error&) mutable { done(); });
      }
      return rp;
    },
  };
}

} // namespace shop
