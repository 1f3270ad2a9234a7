#pragma once

// Which services a node runs itself and where it finds the others. Plain
// data, parsed from the configuration (--services, --peers) and handed to
// spawn_services; no CAF header, so config code can use it cheaply.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace shop {

/// A peer node's CAF middleman address.
struct node_address {
  std::string host;
  uint16_t port = 0;

  /// "host:port" (IPv6 hosts in brackets).
  std::string to_string() const;
};

/// The service names, in the order of the service table
/// (actors/service_table.hpp).
const std::vector<std::string>& service_names();

struct placement {
  /// Services this node runs. Default: all of them (a single process).
  std::set<std::string> local{service_names().begin(), service_names().end()};
  /// Where each service this node does NOT run lives.
  std::map<std::string, node_address> peers;

  /// This node has a node port: peers can open connections to it.
  bool listens = false;

  bool runs(const std::string& service) const {
    return local.count(service) > 0;
  }

  /// Whether this node opens the connection to the peer that runs `service`
  /// (one this node does not run), or waits for that peer to open it and
  /// announce itself. Of two nodes exactly one dials the other, so a pair
  /// shares one connection instead of two that CAF's BASP then reduces to
  /// one, closing the other as redundant (docs/deploy.md). A node no peer
  /// can reach (no node port, or no service to be found for) dials; of two
  /// that can, the one whose alphabetically first service comes first. Both
  /// nodes of a pair reach the same answer from the same --peers line.
  bool dials(const std::string& service) const;
};

/// Parses "users,billing" (names from service_names(), no duplicates; an
/// empty text is no service at all). Returns an error message or "".
std::string parse_services(const std::string& text, std::set<std::string>& out);

/// Parses "users=host:port,billing=[::1]:4002". Returns an error message or
/// "".
std::string parse_peers(const std::string& text,
                        std::map<std::string, node_address>& out);

/// Checks that every service `p` does not run has a peer. Returns an error
/// message or "".
std::string check_placement(const placement& p);

} // namespace shop
