#include "actors/placement.hpp"

#include <algorithm>
#include <sstream>

#include "actors/service_table.hpp"

namespace shop {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> result;
  std::string part;
  std::istringstream in{text};
  while (std::getline(in, part, sep))
    result.push_back(part);
  if (!text.empty() && text.back() == sep)
    result.emplace_back();
  return result;
}

bool known_service(const std::string& name) {
  auto& names = service_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string known_list() {
  std::string result;
  for (auto& name : service_names())
    result += (result.empty() ? "" : ", ") + name;
  return result;
}

/// Parses "host:port" or "[v6]:port" with a port from 1 to 65535.
bool parse_address(const std::string& text, node_address& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  auto host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false; // IPv6 needs brackets
  }
  uint32_t port = 0;
  for (auto c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535)
      return false;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port < 1 || port > 65535)
    return false;
  out.host = std::move(host);
  out.port = static_cast<uint16_t>(port);
  return true;
}

} // namespace

std::string node_address::to_string() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

const std::vector<std::string>& service_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (auto& x : service_table())
      result.push_back(x.name);
    return result;
  }();
  return names;
}

std::string parse_services(const std::string& text,
                           std::set<std::string>& out) {
  out.clear();
  if (text.empty())
    return {};
  for (auto& name : split(text, ',')) {
    if (!known_service(name))
      return "unknown service '" + name + "' (known: " + known_list() + ")";
    if (!out.insert(name).second)
      return "service '" + name + "' listed twice";
  }
  return {};
}

std::string parse_peers(const std::string& text,
                        std::map<std::string, node_address>& out) {
  out.clear();
  if (text.empty())
    return {};
  for (auto& entry : split(text, ',')) {
    auto eq = entry.find('=');
    if (eq == std::string::npos)
      return "'" + entry + "' is not service=host:port";
    auto name = entry.substr(0, eq);
    if (!known_service(name))
      return "unknown service '" + name + "' (known: " + known_list() + ")";
    node_address addr;
    if (!parse_address(entry.substr(eq + 1), addr))
      return "'" + entry.substr(eq + 1) + "' is not host:port (port 1..65535)";
    if (!out.emplace(name, addr).second)
      return "service '" + name + "' has two peers";
  }
  return {};
}

std::string check_placement(const placement& p) {
  for (auto& name : service_names())
    if (!p.runs(name) && p.peers.count(name) == 0)
      return "this node does not run " + name
             + " and no peer is configured "
               "for it: add "
             + name
             + "=host:port to --peers "
               "(ACTORSHOP_PEERS)";
  return {};
}

bool placement::dials(const std::string& service) const {
  if (!listens || local.empty())
    return true;
  auto peer = peers.find(service);
  if (peer == peers.end())
    return true;
  // The peer's services: every one this node finds at the same address.
  auto address = peer->second.to_string();
  std::string first_there;
  for (auto& [name, where] : peers)
    if (where.to_string() == address
        && (first_there.empty() || name < first_there))
      first_there = name;
  return *local.begin() < first_there;
}

} // namespace shop
