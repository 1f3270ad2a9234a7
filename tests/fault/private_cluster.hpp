#pragma once

// A PostgreSQL cluster of a test's own, which the test may stop and start
// (scripts/pg-cluster.sh start-temp, pause-temp, resume-temp, stop-temp).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include "http/server_fixture.hpp"

namespace shop::test {

/// A PostgreSQL cluster of the test's own (scripts/pg-cluster.sh
/// start-temp), which the test may stop and start: never the cluster the
/// other suites share.
class private_cluster {
public:
  private_cluster() {
    std::string pattern = "/tmp/actorshop-fault-state.XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    state_ = pattern;
    script("start-temp");
    std::ifstream in{state_ + "/url"};
    std::getline(in, conninfo_);
    BOOST_TEST_REQUIRE(!conninfo_.empty(), "no url in " << state_);
  }

  private_cluster(const private_cluster&) = delete;
  private_cluster& operator=(const private_cluster&) = delete;

  ~private_cluster() {
    std::system(command("stop-temp").c_str());
    std::error_code ec;
    std::filesystem::remove_all(state_, ec);
  }

  const std::string& conninfo() const noexcept {
    return conninfo_;
  }

  /// Stops the server (pg_ctl stop -m fast: every session is cut).
  void pause() {
    script("pause-temp");
  }

  /// Starts it again on the same socket, with the same data.
  void resume() {
    script("resume-temp");
  }

private:
  std::string command(const std::string& verb) const {
    // Both paths are ours (no quotes inside); the script logs to stderr.
    return "'" + required_env("ACTORSHOP_SOURCE_DIR")
           + "/scripts/pg-cluster.sh' " + verb + " '" + state_ + "'";
  }

  void script(const std::string& verb) {
    auto rc = std::system(command(verb).c_str());
    BOOST_TEST_REQUIRE(rc == 0, "pg-cluster.sh " << verb << " failed");
  }

  std::string state_;
  std::string conninfo_;
};

} // namespace shop::test
