#pragma once

// Gives each pg test case a database of its own on the cluster that ctest
// started, so that tests never see each other's rows.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "storage/pg/admin.hpp"
#include "storage/pg/pg_repositories.hpp"

namespace shop::test {

/// The conninfo of the test cluster, read from $ACTORSHOP_TEST_PG_STATE/url.
inline std::string cluster_conninfo() {
  const char* state = std::getenv("ACTORSHOP_TEST_PG_STATE");
  if (state == nullptr || *state == '\0')
    throw std::runtime_error(
      "ACTORSHOP_TEST_PG_STATE is not set: run this suite with `ctest -L pg`, "
      "or `scripts/pg-cluster.sh start-temp DIR` and export "
      "ACTORSHOP_TEST_PG_STATE=DIR");
  std::ifstream in{std::string{state} + "/url"};
  std::string url;
  if (!std::getline(in, url) || url.empty())
    throw std::runtime_error(
      std::string{"no conninfo in "} + state
      + "/url: did scripts/pg-cluster.sh start-temp run?");
  return url;
}

/// A fresh database, dropped again at the end of the test case.
struct pg_database {
  pg_database() : admin(cluster_conninfo()), name(next_name()) {
    pg::create_database(admin, name);
    conninfo = pg::with_database(admin, name);
  }

  ~pg_database() {
    try {
      pg::drop_database(admin, name);
    } catch (...) {
      // Leaves a database behind in a throwaway cluster; not worth failing.
    }
  }

  pg_database(const pg_database&) = delete;
  pg_database& operator=(const pg_database&) = delete;

  /// The cluster's maintenance database (for CREATE/DROP DATABASE).
  std::string admin;
  /// The name of this test case's database.
  std::string name;
  /// The conninfo of this test case's database.
  std::string conninfo;

private:
  static std::string next_name() {
    static std::atomic<int> counter{0};
    return "actorshop_test_" + std::to_string(::getpid()) + "_"
           + std::to_string(++counter);
  }
};

/// The fixture of the storage contract: PostgreSQL repositories on a fresh
/// database.
struct pg_fixture : pg_database {
  repository_factories factories = make_pg_repositories(conninfo);
};

} // namespace shop::test
