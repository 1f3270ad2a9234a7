#pragma once

// A cluster of real actorshop processes on 127.0.0.1 for the cluster suite:
// one node per service (no HTTP), and HTTP fronts that run no service, all
// on one fresh database of the shared test PostgreSQL (one schema per
// service, as in production), each node started, killed and restarted on
// its own ports. Every node gets the same token key file and operator token
// file (actorshop_process passes test_credentials' options): a token one
// front issued is valid on every other, also after a restart. Nodes and
// fronts talk mutual TLS, each with its own certificate from one cluster CA
// (scripts/cluster-certs.sh, as docs/deploy.md makes them).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "fault/fault_support.hpp"
#include "support/certs.hpp"

namespace shop::test {

/// The four services, in the order the system lists them.
inline const std::vector<std::string>& cluster_services() {
  static const std::vector<std::string> names{"users", "billing", "orders",
                                              "notifications"};
  return names;
}

/// The CA of every cluster of this test process.
inline const test_ca& cluster_ca() {
  static const test_ca ca{"cluster"};
  return ca;
}

/// `args` plus --node-cert, --node-key and --node-ca of node `name`.
inline std::vector<std::string> with_node_tls(std::vector<std::string> args,
                                              const std::string& name) {
  for (auto& x : cluster_ca().node_options(name))
    args.push_back(x);
  return args;
}

class cluster {
public:
  /// `service_args`: options every service node gets besides its own.
  explicit cluster(size_t fronts, std::vector<std::string> service_args = {})
    : service_args_(std::move(service_args)) {
    for (auto& name : cluster_services())
      node_ports_[name] = free_port();
    for (size_t i = 0; i < fronts; ++i)
      front_ports_.push_back(free_port());
    for (auto& name : cluster_services())
      start_service(name);
    for (size_t i = 0; i < fronts; ++i)
      start_front(i);
    for (size_t i = 0; i < fronts; ++i)
      wait_until_all_reachable(i);
  }

  test_database db;

  /// "users=127.0.0.1:p1,billing=..." for every service but `except`.
  std::string peers(const std::string& except = "") const {
    std::string result;
    for (auto& [name, port] : node_ports_)
      if (name != except)
        result += (result.empty() ? "" : ",") + name
                  + "=127.0.0.1:" + std::to_string(port);
    return result;
  }

  /// Starts (again) the node that runs `service`, on its node port, and
  /// waits until it is ready.
  void start_service(const std::string& service) {
    auto& proc = services_[service];
    std::vector<std::string> args{"--services=" + service, "--http=off",
                                  "--node-port="
                                    + std::to_string(node_ports_.at(service)),
                                  "--peers=" + peers(service)};
    args.insert(args.end(), service_args_.begin(), service_args_.end());
    proc = std::make_unique<actorshop_process>(db.conninfo(), free_port(),
                                               with_node_tls(args, service));
    bool ready = eventually([&] {
      return proc->exited()
             || proc->log().find("actorshop ready without HTTP")
                  != std::string::npos;
    });
    BOOST_TEST_REQUIRE(!proc->exited(), service << " node exited; log:\n"
                                                << proc->log());
    BOOST_TEST_REQUIRE(ready, service << " node not ready; log:\n"
                                      << proc->log());
  }

  /// Starts (again) HTTP front `i` on its port: no service, all peers.
  void start_front(size_t i) {
    if (fronts_.size() <= i)
      fronts_.resize(i + 1);
    fronts_[i] = std::make_unique<
      actorshop_process>(db.conninfo(), front_ports_[i],
                         with_node_tls({"--services=", "--peers=" + peers()},
                                       "front" + std::to_string(i)));
    fronts_[i]->wait_until_healthy();
  }

  /// kill -9 of the node running `service`.
  void kill_service(const std::string& service) {
    auto rc = services_.at(service)->stop(SIGKILL);
    BOOST_TEST(rc == 128 + SIGKILL);
  }

  /// SIGTERM to the node running `service`: a clean stop (exit code 0).
  void stop_service(const std::string& service) {
    auto& proc = *services_.at(service);
    auto rc = proc.stop(SIGTERM);
    BOOST_TEST(rc == 0, service << " node exited with " << rc << "; log:\n"
                                << proc.log());
  }

  void kill_front(size_t i) {
    auto rc = fronts_.at(i)->stop(SIGKILL);
    BOOST_TEST(rc == 128 + SIGKILL);
  }

  uint16_t node_port(const std::string& service) const {
    return node_ports_.at(service);
  }

  uint16_t front_port(size_t i) const {
    return front_ports_.at(i);
  }

  actorshop_process& service_node(const std::string& service) {
    return *services_.at(service);
  }

  actorshop_process& front(size_t i) {
    return *fronts_.at(i);
  }

  /// GET /cluster on front `i` (as the operator), or null when it does not
  /// answer 200.
  json cluster_view(size_t i) {
    http_client client{"127.0.0.1", front_ports_.at(i),
                       std::chrono::seconds(5)};
    client.bearer = test_credentials::get().operator_token();
    auto resp = client.try_get("/cluster");
    if (!resp || resp->status != 200)
      return nullptr;
    return json::parse(resp->body);
  }

  /// Whether front `i` reports `service` reachable (or, with `reachable`
  /// false, unreachable).
  bool reports(size_t i, const std::string& service, bool reachable) {
    auto view = cluster_view(i);
    if (!view.is_object())
      return false;
    for (auto& entry : view["cluster"])
      if (entry.value("service", "") == service)
        return entry.value("reachable", !reachable) == reachable;
    return false;
  }

  /// Waits until front `i` reaches every service.
  void wait_until_all_reachable(size_t i) {
    json last;
    bool all = eventually([&] {
      last = cluster_view(i);
      if (!last.is_object())
        return false;
      for (auto& entry : last["cluster"])
        if (!entry.value("reachable", false))
          return false;
      return last["cluster"].size() == cluster_services().size();
    });
    BOOST_TEST_REQUIRE(all, "front " << i << " does not reach every service: "
                                     << last.dump() << "\nlog:\n"
                                     << fronts_[i]->log());
  }

  /// Every node's log, for failure messages.
  std::string logs() const {
    std::string result;
    for (auto& [name, proc] : services_)
      result += "--- " + name + " node:\n" + proc->log();
    for (size_t i = 0; i < fronts_.size(); ++i)
      result += "--- front " + std::to_string(i) + ":\n" + fronts_[i]->log();
    return result;
  }

private:
  std::vector<std::string> service_args_;
  std::map<std::string, uint16_t> node_ports_;
  std::vector<uint16_t> front_ports_;
  std::map<std::string, std::unique_ptr<actorshop_process>> services_;
  std::vector<std::unique_ptr<actorshop_process>> fronts_;
};

/// Both client views of two loads together (users, deposits, payments and
/// orders are disjoint between workloads with different tags).
inline client_view merge(client_view a, const client_view& b) {
  a.users.insert(b.users.begin(), b.users.end());
  for (auto& [user, xs] : b.deposits)
    a.deposits[user].insert(a.deposits[user].end(), xs.begin(), xs.end());
  for (auto& [user, xs] : b.payments)
    a.payments[user].insert(a.payments[user].end(), xs.begin(), xs.end());
  a.orders.insert(b.orders.begin(), b.orders.end());
  a.keyed_successes += b.keyed_successes;
  a.problems.insert(a.problems.end(), b.problems.begin(), b.problems.end());
  a.requests += b.requests;
  a.sent += b.sent;
  a.connection_errors += b.connection_errors;
  a.unavailable += b.unavailable;
  return a;
}

} // namespace shop::test
