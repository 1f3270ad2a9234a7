// check_tls_files: the start-up check of the node's and the front's TLS
// files (config/tls_files.hpp), over certificates made by
// scripts/cluster-certs.sh, each broken one way.

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include "config/tls_files.hpp"
#include "support/certs.hpp"

using shop::check_tls_files;
using shop::test::test_ca;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Runs a shell command (openssl) or fails the test.
void sh(const std::string& cmd) {
  BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);
}

struct cas {
  cas() {
    ours.issue("node1");
    ours.issue("node2");
    ours.issue("expired", -1);
    ours.issue("soon", 10);
    theirs.issue("node1");
  }
  test_ca ours{"tls-files-ours"};
  test_ca theirs{"tls-files-theirs"};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(tls_files, cas)

BOOST_AUTO_TEST_CASE(a_node_certificate_of_the_cluster_ca_is_usable) {
  auto report
    = check_tls_files(ours.cert("node1"), ours.key("node1"), ours.ca());
  BOOST_TEST(report.error.empty(), report.error);
  BOOST_TEST(report.warning.empty(), report.warning);
  BOOST_TEST(contains(report.subject, "CN=node1"), report.subject);
  // Without a CA (HTTPS): the certificate and its key alone.
  report = check_tls_files(ours.cert("node1"), ours.key("node1"), "");
  BOOST_TEST(report.error.empty(), report.error);
}

BOOST_AUTO_TEST_CASE(another_cas_certificate_is_refused) {
  auto report
    = check_tls_files(theirs.cert("node1"), theirs.key("node1"), ours.ca());
  BOOST_TEST(contains(report.error, "is not accepted by the CA of"),
             report.error);
}

BOOST_AUTO_TEST_CASE(an_expired_certificate_is_refused) {
  auto report
    = check_tls_files(ours.cert("expired"), ours.key("expired"), ours.ca());
  BOOST_TEST(contains(report.error, "expired on"), report.error);
  report = check_tls_files(ours.cert("expired"), ours.key("expired"), "");
  BOOST_TEST(contains(report.error, "expired on"), report.error);
}

BOOST_AUTO_TEST_CASE(a_certificate_about_to_expire_gets_a_warning) {
  auto report = check_tls_files(ours.cert("soon"), ours.key("soon"), ours.ca());
  BOOST_TEST(report.error.empty(), report.error);
  BOOST_TEST(contains(report.warning, "expires on"), report.warning);
}

BOOST_AUTO_TEST_CASE(the_key_must_be_the_certificates) {
  auto report
    = check_tls_files(ours.cert("node1"), ours.key("node2"), ours.ca());
  BOOST_TEST(contains(report.error, "is not the key of"), report.error);
}

BOOST_AUTO_TEST_CASE(the_key_must_be_private_to_this_account) {
  auto key = (ours.dir() / "shared.key").string();
  std::filesystem::copy_file(ours.key("node1"), key);
  ::chmod(key.c_str(), 0640);
  auto report = check_tls_files(ours.cert("node1"), key, ours.ca());
  BOOST_TEST(contains(report.error, "accessible by group or others"),
             report.error);
  auto link = (ours.dir() / "link.key").string();
  std::filesystem::create_symlink(ours.key("node1"), link);
  report = check_tls_files(ours.cert("node1"), link, ours.ca());
  BOOST_TEST(contains(report.error, "symbolic link"), report.error);
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_is_refused) {
  // Nobody is there to type a passphrase when a node restarts.
  auto key = (ours.dir() / "encrypted.key").string();
  sh("umask 077 && openssl pkey -in '" + ours.key("node1")
     + "' -aes256 -passout pass:secret -out '" + key + "'");
  auto report = check_tls_files(ours.cert("node1"), key, ours.ca());
  BOOST_TEST(contains(report.error, "no unencrypted PEM private key"),
             report.error);
}

BOOST_AUTO_TEST_CASE(a_server_only_certificate_cannot_be_a_node) {
  // Every node is a TLS client too (it connects to its peers).
  auto dir = ours.dir().string();
  sh("cd '" + dir
     + "' && umask 077 && openssl req -new -key node1.key -subj /CN=web "
       "-out web.csr 2>/dev/null && printf "
       "'extendedKeyUsage=serverAuth\\nsubjectAltName=DNS:web\\n' > web.ext "
       "&& openssl x509 -req -in web.csr -CA ca.crt -CAkey ca.key "
       "-CAcreateserial -days 30 -extfile web.ext -out web.crt 2>/dev/null");
  auto report = check_tls_files(dir + "/web.crt", ours.key("node1"), ours.ca());
  BOOST_TEST(contains(report.error, "as a TLS client"), report.error);
}

BOOST_AUTO_TEST_CASE(unreadable_files_are_named) {
  auto absent = (ours.dir() / "absent.crt").string();
  auto report = check_tls_files(absent, ours.key("node1"), ours.ca());
  BOOST_TEST(contains(report.error, "cannot read " + absent), report.error);
  // A key where the certificate belongs.
  report = check_tls_files(ours.key("node1"), ours.key("node1"), ours.ca());
  BOOST_TEST(contains(report.error, "holds no PEM certificate"), report.error);
  report = check_tls_files(ours.cert("node1"), ours.key("node1"),
                           (ours.dir() / "absent-ca.crt").string());
  BOOST_TEST(contains(report.error, "cannot read CA certificates"),
             report.error);
}

BOOST_AUTO_TEST_SUITE_END()
