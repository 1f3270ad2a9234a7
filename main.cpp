// actorshop: assembles the configuration, the storage, the service actors and
// the HTTP front. No logic lives here.
//
// Exit codes: 0 after --help or a clean stop (SIGTERM/SIGINT), 1 when the
// system cannot start (database unreachable, port taken), 2 for a bad
// configuration or catalog.

#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>

#include "actors/catalog.hpp"
#include "actors/system.hpp"
#include "config/config.hpp"
#include "http/server.hpp"
#include "storage/pg/pg_repositories.hpp"

namespace {

constexpr int exit_bad_config = 2;
constexpr int exit_cannot_start = 1;

/// Opens each service's repository once, so that an unreachable database or a
/// broken schema stops the start with one clear message instead of services
/// failing and respawning in a loop.
void probe(const shop::repository_factories& repos) {
  repos.users();
  repos.billing();
  repos.orders();
  repos.notifications();
}

} // namespace

int main(int argc, char** argv) {
  shop::config cfg;
  bool help_shown = false;
  if (auto err = shop::load_config(cfg, argc, argv, help_shown); !err.empty()) {
    std::cerr << "actorshop: " << err << '\n';
    return exit_bad_config;
  }
  if (help_shown)
    return 0;
  if (cfg.db_url.empty()) {
    std::cerr << "actorshop: no database configured: pass "
                 "--db-url=postgresql://user@host/db or set ACTORSHOP_DB_URL "
                 "(scripts/run.sh starts a private PostgreSQL for you)\n";
    return exit_bad_config;
  }
  shop::service_options opts;
  try {
    opts.catalog = shop::load_catalog(cfg.catalog_path);
  } catch (const std::exception& e) {
    std::cerr << "actorshop: " << e.what() << '\n';
    return exit_bad_config;
  }
  opts.idempotency_retention = std::chrono::hours{cfg.idempotency_retention_hours};
  auto repos = shop::make_pg_repositories(cfg.db_url);
  try {
    probe(repos);
  } catch (const std::exception& e) {
    std::cerr << "actorshop: cannot use the database: " << e.what() << '\n';
    return exit_cannot_start;
  }
  shop::http::server_options http_opts;
  http_opts.host = cfg.http_host;
  http_opts.port = cfg.http_port;
  http_opts.threads = cfg.http_threads;
  http_opts.request_timeout = std::chrono::milliseconds{cfg.request_timeout_ms};
  // The actor system outlives the HTTP server: request handles still waiting
  // in mailboxes are answered or dropped before the server's io_context dies.
  caf::actor_system sys{cfg};
  auto svc = shop::spawn_services(sys, std::move(repos), std::move(opts));
  int rc = 0;
  try {
    shop::http::run_server(sys, svc, http_opts, [&] {
      // std::endl: scripts and tests wait for this line on a pipe.
      auto ipv6 = http_opts.host.find(':') != std::string::npos;
      std::cout << "actorshop listening on http://"
                << (ipv6 ? "[" + http_opts.host + "]" : http_opts.host) << ':'
                << http_opts.port << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "actorshop: HTTP server failed: " << e.what() << '\n';
    rc = exit_cannot_start;
  }
  // Let every service commit what it has pending, then wait for all actors.
  shop::stop_services(svc);
  sys.await_all_actors_done();
  return rc;
}
