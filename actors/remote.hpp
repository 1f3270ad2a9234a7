#pragma once

// The pieces that make the services a cluster, on top of CAF's own
// distribution layer (the I/O middleman and its remote actor proxies):
//
// - Every node publishes ONE node directory on its node port. Other nodes
//   ask it for a service by name and get the handle of the service's
//   supervisor (an untyped caf::actor: CAF 0.17 checks typed interfaces on
//   remote_actor, so handles cross untyped and are cast back locally).
// - For every service a node does not run, a remote service proxy is the
//   local stable handle, exactly like a supervisor is for a local service:
//   it connects to the peer without blocking, monitors the remote handle
//   (CAF reports a lost node as a down message), forwards every request with
//   `delegate` (the remote service answers the requester directly), fails
//   requests fast with service_unavailable while disconnected, and
//   reconnects with backoff. Events wait in their publisher's outbox
//   meanwhile; the relay resends them once the peer answers again.
// - One connection per pair of nodes (placement::dials says which one
//   opens it): a proxy on the dialing node connects and then announces its
//   own node's directory to the peer's (`(atom::peer, directory)`); the
//   peer's directory passes it on to its proxies, which wait instead of
//   dialing and ask the announced directory for their service.

#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/node_id.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/placement.hpp"

namespace shop {

struct remote_state {
  std::string service;
  node_address peer;
  /// The service's supervisor on the peer; invalid while disconnected.
  caf::actor remote;
  caf::node_id node;
  /// A connection attempt is under way.
  bool connecting = false;
  /// Delay before the next attempt; grows while attempts fail.
  caf::timespan backoff{0};
  /// Successful connections so far (1 after the first).
  size_t connections = 0;
  /// This node opens the connection to the peer (else the peer does and
  /// announces itself).
  bool dials = true;
  /// This node's directory, announced to the peer once connected.
  caf::actor home;
  /// The peer's directory while connected (dialing proxies only).
  caf::actor peer_directory;
  /// Directories of peers that dialed this node (waiting proxies only),
  /// monitored: one of them runs the service.
  std::vector<caf::actor> announced;

  static inline const char* name = "remote";
};

/// The local stable handle of `service`, which runs on the node at `peer`.
/// Answers `atom::status` itself (a service_status), takes this node's
/// directory with `(atom::join, directory)` and a peer's announced one with
/// `(atom::peer, directory)`; forwards everything else. With `dials` false
/// it never connects itself: it waits for the peer's announcement.
caf::behavior remote_service(caf::stateful_actor<remote_state>* self,
                             std::string service, node_address peer,
                             bool dials);

struct directory_state {
  /// Every service's handle on this node: supervisors of the local ones,
  /// proxies of the others.
  std::map<std::string, caf::actor> services;
  /// The names of the local ones.
  std::vector<std::string> local;

  static inline const char* name = "directory";
};

/// The node directory: `(atom::get, name) -> caf::actor` answers the handle
/// of a service this node runs (service_unavailable for others);
/// `(atom::peer, directory)` (a peer that dialed this node announcing its
/// own directory) is passed on to every proxy of this node;
/// `(atom::status) -> std::vector<service_status>` collects every service's
/// status as this node sees it (GET /cluster).
caf::behavior node_directory(caf::stateful_actor<directory_state>* self,
                             std::map<std::string, caf::actor> services,
                             std::vector<std::string> local);

} // namespace shop
