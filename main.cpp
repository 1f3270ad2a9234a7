// actorshop: assembles the configuration, the storage, the service actors and
// the HTTP front. No logic lives here.
//
// Exit codes: 0 after --help or a clean stop (SIGTERM/SIGINT), 1 when the
// system cannot start (database unreachable, port taken), 2 for a bad
// configuration or catalog.

#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <pthread.h>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/catalog.hpp"
#include "actors/service_table.hpp"
#include "actors/system.hpp"
#include "actors/thread_priority.hpp"
#include "common/address.hpp"
#include "common/log.hpp"
#include "common/secret_file.hpp"
#include "config/config.hpp"
#include "config/tls_files.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "http/tokens.hpp"

namespace {

constexpr int exit_bad_config = 2;
constexpr int exit_cannot_start = 1;

/// How long the actor system's own teardown may take after every service
/// stopped (see the end of main).
constexpr auto teardown_grace = std::chrono::seconds(5);

/// The repositories of the services this node runs, each on its database.
/// The others stay empty: their proxies never call a factory.
shop::repository_factories repositories(const shop::config& cfg) {
  shop::repository_factories repos;
  for (auto& x : shop::service_table())
    if (cfg.place.runs(x.name))
      x.use_pg(repos, cfg.db_url_for(x.name));
  return repos;
}

/// Opens each local service's repository once, so that an unreachable
/// database or a broken schema stops the start with one clear message
/// instead of services failing and respawning in a loop.
void probe(const shop::repository_factories& repos) {
  for (auto& x : shop::service_table())
    x.probe(repos);
}

/// The local services, comma-separated, for the start-up line.
std::string local_list(const shop::placement& place) {
  std::string result;
  for (auto& name : shop::service_names())
    if (place.runs(name))
      result += (result.empty() ? "" : ",") + name;
  return result.empty() ? "none" : result;
}

} // namespace

/// Whether the node's and the front's TLS files (where configured) can be
/// used; prints why not, and warns of a certificate about to expire.
bool usable_tls_files(const shop::config& cfg) {
  auto usable = [](const char* what, const std::string& cert,
                   const std::string& key, const std::string& ca) {
    auto report = shop::check_tls_files(cert, key, ca);
    if (!report.error.empty()) {
      std::cerr << "actorshop: " << what << ": " << report.error << '\n';
      return false;
    }
    if (!report.warning.empty())
      shop::log::warning("main", "{}: {}", what, report.warning);
    return true;
  };
  // configure_node_tls hands the node files to CAF only when the node
  // talks to others.
  if (!cfg.openssl_certificate.empty()
      && !usable("node TLS", cfg.node_cert, cfg.node_key, cfg.node_ca))
    return false;
  return !cfg.http || cfg.http_tls_cert.empty()
         || usable("HTTPS", cfg.http_tls_cert, cfg.http_tls_key, "");
}

/// The HTTP front's credentials from the key files of `cfg`; null (after
/// printing why) when a file is unusable.
std::shared_ptr<const shop::http::authenticator>
authenticator(const shop::config& cfg) {
  namespace http = shop::http;
  auto read = [](const std::string& path, size_t min_bytes, bool trim,
                 std::string& out) {
    auto err = shop::read_secret_file(path, min_bytes, trim, out);
    if (!err.empty())
      std::cerr << "actorshop: " << err << '\n';
    return err.empty();
  };
  auto ttl = static_cast<int64_t>(cfg.token_ttl_seconds);
  std::string operator_secret;
  if (!cfg.operator_token_file.empty()
      && !read(cfg.operator_token_file, http::min_key_bytes, true,
               operator_secret))
    return nullptr;
  if (!operator_secret.empty() && !http::is_bearer_token(operator_secret)) {
    std::cerr << "actorshop: " << cfg.operator_token_file
              << " must hold a Bearer token: letters, digits and -._~+/ "
                 "(e.g. 64 hex digits)\n";
    return nullptr;
  }
  if (cfg.operator_token_file.empty())
    shop::log::warning("main", "no --operator-token-file: operator endpoints "
                               "(/metrics, /events, /cluster) refuse everyone");
  if (cfg.token_key_file.empty()) {
    shop::log::warning("main", "no --token-key-file: login tokens are signed "
                               "with a random key and die with this process");
    return std::make_shared<const http::authenticator>(http::ephemeral_tokens(
                                                         ttl),
                                                       std::move(
                                                         operator_secret));
  }
  std::string current;
  if (!read(cfg.token_key_file, http::min_key_bytes, false, current))
    return nullptr;
  std::optional<http::token_key> previous;
  if (!cfg.token_previous_key_file.empty()) {
    std::string secret;
    if (!read(cfg.token_previous_key_file, http::min_key_bytes, false, secret))
      return nullptr;
    previous = http::make_token_key(std::move(secret));
  }
  auto tokens
    = std::make_shared<const http::token_authority>(http::make_token_key(
                                                      std::move(current)),
                                                    std::move(previous), ttl);
  return std::make_shared<const http::authenticator>(std::move(tokens),
                                                     std::move(
                                                       operator_secret));
}

int main(int argc, char** argv) {
  shop::config cfg;
  bool help_shown = false;
  if (auto err = shop::load_config(cfg, argc, argv, help_shown); !err.empty()) {
    std::cerr << "actorshop: " << err << '\n';
    return exit_bad_config;
  }
  if (help_shown)
    return 0;
  {
    // Both validated by load_config.
    shop::log::level lvl = shop::log::level::info;
    shop::log::parse_level(cfg.log_level, lvl);
    shop::log::set_level(lvl);
    shop::log::format fmt = shop::log::format::text;
    shop::log::parse_format(cfg.log_format, fmt);
    shop::log::set_format(fmt);
  }
  for (auto& name : cfg.place.local) {
    if (cfg.db_url_for(name).empty()) {
      std::cerr << "actorshop: no database configured for " << name
                << ": pass --db-url=postgresql://user@host/db or set "
                   "ACTORSHOP_DB_URL (scripts/run.sh starts a private "
                   "PostgreSQL for you)\n";
      return exit_bad_config;
    }
  }
  shop::service_options opts;
  try {
    opts.catalog = shop::load_catalog(cfg.catalog_path);
  } catch (const std::exception& e) {
    std::cerr << "actorshop: " << e.what() << '\n';
    return exit_bad_config;
  }
  opts.idempotency_retention
    = std::chrono::hours{cfg.idempotency_retention_hours};
  shop::parse_hash_cost(cfg.password_hash_cost, opts.passwords.cost);
  opts.admission.max_backlog = cfg.max_backlog;
  opts.admission.max_mailbox = cfg.max_mailbox;
  opts.admission.max_events_in_memory = cfg.max_events_in_memory;
  opts.passwords.threads = cfg.password_hash_threads;
  opts.passwords.queue = cfg.password_hash_queue;
  if (opts.passwords.cost == shop::hash_cost::minimum)
    shop::log::warning("main", "--password-hash-cost=minimum: passwords are "
                               "hashed at the lowest cost, for tests only");
  auto repos = repositories(cfg);
  try {
    probe(repos);
  } catch (const std::exception& e) {
    std::cerr << "actorshop: cannot use the database: " << e.what() << '\n';
    return exit_cannot_start;
  }
  auto auth = authenticator(cfg);
  if (!auth)
    return exit_bad_config;
  if (!usable_tls_files(cfg))
    return exit_bad_config;
  shop::http::server_options http_opts;
  http_opts.auth = std::move(auth);
  http_opts.host = cfg.http_host;
  http_opts.tls_certificate = cfg.http_tls_cert;
  http_opts.tls_key = cfg.http_tls_key;
  http_opts.port = cfg.http_port;
  http_opts.threads = cfg.http_threads;
  http_opts.request_timeout = std::chrono::milliseconds{cfg.request_timeout_ms};
  http_opts.limits.max_target_bytes = cfg.http_max_target_bytes;
  http_opts.limits.max_header_bytes = cfg.http_max_header_bytes;
  http_opts.limits.max_body_bytes = cfg.http_max_body_bytes;
  http_opts.max_connections = cfg.http_max_connections;
  http_opts.read_timeout = std::chrono::milliseconds{cfg.http_read_timeout_ms};
  http_opts.max_event_streams = cfg.http_max_event_streams;
  http_opts.max_in_flight = cfg.http_max_in_flight;
  http_opts.event_keepalive
    = std::chrono::milliseconds{cfg.http_event_keepalive_ms};
  // The actor system outlives the HTTP server: request handles still waiting
  // in mailboxes are answered or dropped before the server's io_context dies.
  opts.place = cfg.place;
  // Without an HTTP server (whose signal set catches them), the main thread
  // waits for SIGTERM/SIGINT with sigwait: block them before CAF starts its
  // threads, which inherit the mask, so no thread dies of them instead.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (!cfg.http)
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  shop::lower_worker_priority(cfg, static_cast<int>(cfg.worker_nice));
  std::optional<caf::actor_system> system;
  auto& sys = system.emplace(cfg);
  auto svc = shop::spawn_services(sys, std::move(repos), std::move(opts));
  int rc = 0;
  if (cfg.node_port != 0) {
    // With the OpenSSL module loaded (configure_node_tls), the node port
    // speaks mutual TLS only; without it, plain CAF on loopback.
    auto tls = sys.has_openssl_manager();
    auto port = tls ? caf::openssl::publish(svc.directory, cfg.node_port,
                                            cfg.node_host.c_str(), true)
                    : sys.middleman().publish(svc.directory, cfg.node_port,
                                              cfg.node_host.c_str(), true);
    if (!port) {
      std::cerr << "actorshop: cannot open the node port " << cfg.node_host
                << ':' << cfg.node_port << ": " << sys.render(port.error())
                << '\n';
      rc = exit_cannot_start;
    } else {
      std::cout << "actorshop node " << caf::to_string(sys.node())
                << " serving " << local_list(cfg.place) << " on "
                << shop::node_address{cfg.node_host, *port}.to_string()
                << (tls ? " (mutual TLS)" : " (plain, loopback only)")
                << std::endl;
    }
  }
  if (rc == 0 && cfg.http) {
    auto https = !http_opts.tls_certificate.empty();
    if (!https && !shop::is_loopback_host(http_opts.host))
      shop::log::warning("main",
                         "--http-host={} is not a loopback address and the "
                         "front speaks plain HTTP: passwords and tokens travel "
                         "in clear (put a TLS-terminating proxy in front)",
                         http_opts.host);
    try {
      shop::http::run_server(sys, svc, http_opts, [&] {
        // std::endl: scripts and tests wait for this line on a pipe.
        auto ipv6 = http_opts.host.find(':') != std::string::npos;
        std::cout << "actorshop listening on " << (https ? "https" : "http")
                  << "://"
                  << (ipv6 ? "[" + http_opts.host + "]" : http_opts.host) << ':'
                  << http_opts.port << std::endl;
      });
    } catch (const std::exception& e) {
      std::cerr << "actorshop: HTTP server failed: " << e.what() << '\n';
      rc = exit_cannot_start;
    }
  } else if (rc == 0) {
    std::cout << "actorshop ready without HTTP" << std::endl;
    int signo = 0;
    sigwait(&stop_signals, &signo);
  }
  // Let every service commit what it has pending, then wait for all actors.
  shop::stop_services(svc);
  sys.await_all_actors_done();
  // Every service actor is done: everything accepted is committed. What is
  // left is CAF's own teardown, which can wait for a detached worker that
  // something in CAF 0.17 still references (seen when a worker quits with
  // requests in flight to a remote node: the references are released after
  // a few seconds while the node is still up, but ~actor_system stops the
  // middleman and the clock first and then waits forever). A stop must be
  // bounded, and leaving now loses nothing: give the teardown a grace
  // period, then exit with the same code.
  std::thread{[rc] {
    std::this_thread::sleep_for(teardown_grace);
    shop::log::warning("main",
                       "CAF teardown still busy after {} s; every "
                       "service had stopped and committed: exiting",
                       std::chrono::duration_cast<std::chrono::seconds>(
                         teardown_grace)
                         .count());
    std::fflush(stdout);
    std::_Exit(rc);
  }}.detach();
  system.reset();
  return rc;
}
