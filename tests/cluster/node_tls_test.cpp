// The node port's mutual TLS, tried as an attacker would: a node that runs
// every service and publishes its directory on a node port, and clients
// that connect to that port without the cluster's credentials. Each is
// refused before any message is read (the audit shows no change), while a
// client with a certificate of the cluster CA gets the directory (the
// positive control: same code path, one credential changed). openssl
// s_client shows what is negotiated. The node refuses to start without
// usable files.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include <sys/socket.h>

#include "cluster/cluster_support.hpp"
#include "storage/pg/audit.hpp"
#include "support/certs.hpp"
#include "support/command.hpp"
#include "support/raw_socket.hpp"

using namespace shop;
using namespace shop::test;
using namespace std::chrono_literals;

namespace {

/// How a test client presents itself to the node port.
struct client_credentials {
  bool tls = true;
  std::string cert;
  std::string key;
  std::string ca;
};

/// Connects to `port` with its own actor system, through CAF's plain or
/// OpenSSL middleman, and asks for the published actor. Returns the error
/// text, or empty when the node's directory came back.
std::string connect_as(const client_credentials& who, uint16_t port) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  if (who.tls) {
    cfg.openssl_certificate = who.cert;
    cfg.openssl_key = who.key;
    cfg.openssl_cafile = who.ca;
    cfg.load<caf::openssl::manager>();
  }
  caf::actor_system sys{cfg};
  auto mm = who.tls ? sys.openssl_manager().actor_handle()
                    : sys.middleman().actor_handle();
  caf::scoped_actor self{sys};
  std::string result;
  self->request(mm, 15s, caf::connect_atom_v, std::string{"127.0.0.1"}, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& dir, std::set<std::string>&) {
        if (!dir)
          result = "no directory";
      },
      [&](caf::error& err) {
        result = "refused: " + sys.render(err);
        if (result == "refused: ")
          result = "refused";
      });
  return result;
}

/// Runs a shell command, returns its exit code and output (both streams).
int run(const std::string& cmd, std::string& out) {
  auto result = run_command(cmd + " 2>&1");
  out = std::move(result.output);
  return result.exit_code;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// One node with every service, HTTP, and a node port speaking mutual TLS
/// with a certificate of the cluster CA.
struct tls_node {
  tls_node() {
    ours.issue("node");
    ours.issue("tester");
    ours.issue("expired", -1);
    theirs.issue("tester");
    node_port = free_port();
    node = std::make_unique<actorshop_process>(db.conninfo(), free_port(),
                                               with_node_tls({"--node-port="
                                                              + std::to_string(
                                                                node_port)},
                                                             "node"));
    node->wait_until_healthy();
  }

  client_credentials with(const test_ca& ca, const std::string& name) const {
    return {true, ca.cert(name), ca.key(name), ours.ca()};
  }

  const test_ca& ours = cluster_ca();
  test_ca theirs{"node-tls-theirs"};
  test_database db;
  uint16_t node_port = 0;
  std::unique_ptr<actorshop_process> node;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_tls, tls_node)

BOOST_AUTO_TEST_CASE(only_a_certificate_of_the_cluster_ca_gets_in) {
  // Something to audit: a user (and, once Billing saw USER_CREATED, an
  // account).
  http_client api{"127.0.0.1", node->port()};
  auto reg = api.post("/register",
                      R"({"email":"tls-audit@example.com","name":"T",)"
                      R"("password":")"
                        + test_password + R"("})",
                      "application/json");
  BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
  // Settled first: the account opened and Users' cursor for it stored (the
  // relay stores cursors with a later batch, so the backlog of one
  // USER_CREATED can still read 1 just after the account exists).
  BOOST_TEST_REQUIRE(eventually([&] {
    auto counts = pg::audit_database(db.conninfo(), {false}).counts;
    return counts.accounts == 1 && counts.outbox_backlog == 0;
  }));
  auto before = pg::audit_database(db.conninfo(), {false}).counts;
  // (a) plain CAF, (b) TLS without a certificate (CAF's anonymous cipher),
  // (c) a certificate of another CA, (d) an expired one of the cluster CA.
  std::vector<std::pair<std::string, client_credentials>> intruders{
    {"plain CAF", {false, "", "", ""}},
    {"TLS without a certificate", {true, "", "", ""}},
    {"another CA's certificate", with(theirs, "tester")},
    {"an expired certificate", with(ours, "expired")},
  };
  for (auto& [who, creds] : intruders) {
    auto result = connect_as(creds, node_port);
    BOOST_TEST(contains(result, "refused"), who << ": " << result);
  }
  // The positive control: the same client with the cluster's credentials.
  auto result = connect_as(with(ours, "tester"), node_port);
  BOOST_TEST(result.empty(), "a cluster certificate was refused: " << result);
  // Nothing the intruders sent reached a service, and the node serves on.
  auto after = pg::audit_database(db.conninfo(), {false}).counts;
  BOOST_TEST((before == after), pg::to_string(before)
                                  << "\n  vs\n  " << pg::to_string(after));
  BOOST_TEST(!node->exited(), node->log());
}

BOOST_AUTO_TEST_CASE(a_silent_connection_does_not_stall_the_node_port) {
  // A TCP connection that never starts its handshake: the node's I/O loop
  // must not wait for it (CAF makes accepted sockets non-blocking first).
  auto silent = connect_tcp("127.0.0.1", node_port, 10s);
  auto result = connect_as(with(ours, "tester"), node_port);
  BOOST_TEST(result.empty(), result);
}

BOOST_AUTO_TEST_CASE(openssl_s_client_sees_an_authenticated_cipher) {
  auto base = "openssl s_client -connect 127.0.0.1:" + std::to_string(node_port)
              + " -CAfile '" + ours.ca() + "' </dev/null";
  auto creds
    = " -cert '" + ours.cert("tester") + "' -key '" + ours.key("tester") + "'";
  std::string out;
  auto rc = run(base + creds, out);
  BOOST_TEST(rc == 0, out);
  BOOST_TEST(contains(out, "Verify return code: 0 (ok)"), out);
  BOOST_TEST(!contains(out, "Cipher is (NONE)"), out);
  // TLS 1.3 or a TLS 1.2 suite with certificate authentication: never an
  // anonymous (aNULL) one like CAF's fallback AECDH-AES256-SHA.
  for (auto anonymous : {"ADH", "AECDH", "aNULL"})
    BOOST_TEST(!contains(out, std::string{"Cipher is "} + anonymous), out);
  BOOST_TEST((contains(out, "TLSv1.3") || contains(out, "TLSv1.2")), out);
  // Asking for an anonymous suite gets no handshake at all.
  rc = run(base + " -tls1_2 -cipher 'aNULL:@SECLEVEL=0'", out);
  BOOST_TEST((rc != 0 || contains(out, "Cipher is (NONE)")), out);
  // Nor does TLS 1.1.
  rc = run(base + creds + " -tls1_1", out);
  BOOST_TEST((rc != 0 || contains(out, "Cipher is (NONE)")), out);
}

BOOST_AUTO_TEST_SUITE_END()

// CAF's OpenSSL module leaves a failed connection's error in the thread's
// OpenSSL error queue, where it made the next would-block read of another
// connection look fatal (openssl_error_queue.cpp): strangers knocking at one
// node, or one node dying, cut the links between the others. Only the links
// to the dead node may drop.
BOOST_AUTO_TEST_CASE(strangers_and_a_dead_node_do_not_cut_the_other_links) {
  cluster c{1};
  test_ca theirs{"node-tls-links-theirs"};
  theirs.issue("tester");
  auto& ours = cluster_ca();
  ours.issue("expired-tester", -1);
  std::vector<client_credentials> intruders{
    {false, "", "", ""},
    {true, "", "", ""},
    {true, theirs.cert("tester"), theirs.key("tester"), ours.ca()},
    {true, ours.cert("expired-tester"), ours.key("expired-tester"), ours.ca()},
  };
  for (auto& service : {"billing", "users"})
    for (auto& who : intruders)
      BOOST_TEST(contains(connect_as(who, c.node_port(service)), "refused"));
  http_client api{"127.0.0.1", c.front_port(0)};
  auto register_user = [&](const std::string& email) {
    auto resp
      = api.post("/register",
                 R"({"email":")" + email + R"(","name":"L","password":")"
                   + test_password + R"("})",
                 "application/json");
    BOOST_TEST(resp.status == 201, resp.body);
  };
  // Traffic on every link: USER_CREATED goes from Users to the other three.
  register_user("links-1@example.com");
  c.kill_service("notifications");
  BOOST_TEST(eventually([&] { return c.reports(0, "notifications", false); }));
  register_user("links-2@example.com");
  BOOST_TEST(eventually([&] {
    return pg::audit_database(c.db.conninfo(), {false}).counts.accounts == 2;
  }));
  auto dead = "127.0.0.1:" + std::to_string(c.node_port("notifications"));
  for (auto& service : {"users", "billing", "orders"})
    BOOST_TEST(c.reports(0, service, true), service);
  auto logs = c.logs();
  size_t lost = 0;
  for (size_t pos = 0;
       (pos = logs.find("lost peer ", pos)) != std::string::npos; pos += 10) {
    ++lost;
    BOOST_TEST(logs.compare(pos + 10, dead.size(), dead) == 0,
               logs.substr(pos, 80));
  }
  BOOST_TEST(lost > 0u, "nobody noticed the dead node:\n" << logs);
}

// A node with a node port does not start without usable files; plain CAF
// only on loopback.
BOOST_AUTO_TEST_SUITE(node_tls_start)

BOOST_AUTO_TEST_CASE(a_node_port_without_usable_files_refuses_to_start) {
  test_database db;
  const auto& ca = cluster_ca();
  ca.issue("expired-node", -1);
  test_ca theirs{"node-tls-start-theirs"};
  theirs.issue("stranger");
  auto port = "--node-port=" + std::to_string(free_port());
  struct attempt {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<attempt> attempts{
    {{port}, "a node port needs mutual TLS"},
    {{port, "--node-tls=off", "--node-host=0.0.0.0"},
     "--node-tls=off is allowed only when the node port listens on a "
     "loopback address"},
    {{port, "--node-cert=" + ca.cert("expired-node"),
      "--node-key=" + ca.key("expired-node"), "--node-ca=" + ca.ca()},
     "expired on"},
    {{port, "--node-cert=" + theirs.cert("stranger"),
      "--node-key=" + theirs.key("stranger"), "--node-ca=" + ca.ca()},
     "is not accepted by the CA of"},
  };
  for (auto& x : attempts) {
    actorshop_process proc{db.conninfo(), free_port(), x.args};
    BOOST_TEST(eventually([&] { return proc.exited(); }), proc.log());
    BOOST_TEST(contains(proc.log(), x.message), proc.log());
  }
  // Plain CAF on loopback, said explicitly, starts (and says so).
  actorshop_process plain{db.conninfo(), free_port(), {port, "--node-tls=off"}};
  plain.wait_until_healthy();
  BOOST_TEST(contains(plain.log(), "(plain, loopback only)"), plain.log());
}

BOOST_AUTO_TEST_SUITE_END()
