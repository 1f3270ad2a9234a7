#pragma once

// Certificates for the tests, made the way an operator makes them:
// scripts/cluster-certs.sh (a CA and node certificates, with the openssl
// command line) into a directory of this test process. Each directory is a
// CA of its own; `days` below 0 makes certificates that have already expired.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#ifndef ACTORSHOP_TEST_SOURCE_DIR
#  error "ACTORSHOP_TEST_SOURCE_DIR must name the source tree"
#endif

namespace shop::test {

/// A CA directory: ca.crt, ca.key and NODE.crt / NODE.key per node made.
class test_ca {
public:
  /// A new CA in a fresh directory named after `name` and this process.
  explicit test_ca(const std::string& name) {
    dir_ = std::filesystem::temp_directory_path()
           / ("actorshop-test-ca-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }

  test_ca(const test_ca&) = delete;
  test_ca& operator=(const test_ca&) = delete;

  ~test_ca() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// Makes `node`'s key and certificate (and the CA on first use), valid for
  /// `days` days from now (negative: expired that many days ago).
  void issue(const std::string& node, int days = 365) const {
    auto cmd = "NODE_CERT_DAYS=" + std::to_string(days) + " '"
               + std::string{ACTORSHOP_TEST_SOURCE_DIR}
               + "/scripts/cluster-certs.sh' '" + dir_.string() + "' '" + node
               + "' >/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("cluster-certs.sh failed: " + cmd);
  }

  std::string ca() const {
    return (dir_ / "ca.crt").string();
  }
  std::string cert(const std::string& node) const {
    return (dir_ / (node + ".crt")).string();
  }
  std::string key(const std::string& node) const {
    return (dir_ / (node + ".key")).string();
  }
  const std::filesystem::path& dir() const noexcept {
    return dir_;
  }

  /// --node-cert, --node-key and --node-ca for `node` (issued first if it
  /// has no certificate yet).
  std::vector<std::string> node_options(const std::string& node) const {
    if (!std::filesystem::exists(cert(node)))
      issue(node);
    return {"--node-cert=" + cert(node), "--node-key=" + key(node),
            "--node-ca=" + ca()};
  }

private:
  std::filesystem::path dir_;
};

} // namespace shop::test
