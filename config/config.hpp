#pragma once

// The one configuration of the actorshop process. Sources, weakest first:
// built-in defaults < config file (INI, --config-file=, default
// actorshop.ini in the working directory if present) < environment variables
// (ACTORSHOP_HTTP_PORT, ...) < command line (--http-port=9090, ...). Each
// member below is set by one option of options() (config/options.cpp),
// which holds its name, variable, range and --help text.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <caf/actor_system_config.hpp>

#include "actors/placement.hpp"
#include "config/options.hpp"

namespace shop {

class config : public caf::actor_system_config {
public:
  config();

  /// HTTP listen address (ACTORSHOP_HTTP_HOST, --http-host).
  std::string http_host = "127.0.0.1";
  /// HTTP port (ACTORSHOP_HTTP_PORT, --http-port).
  uint16_t http_port = 8080;
  /// HTTP I/O threads (ACTORSHOP_HTTP_THREADS, --http-threads).
  size_t http_threads = 1;
  /// libpq conninfo or postgresql:// URL (ACTORSHOP_DB_URL, --db-url).
  /// Required by main.
  std::string db_url;
  /// The catalog file (ACTORSHOP_CATALOG, --catalog).
  std::string catalog_path = "config/catalog.csv";
  /// How long an HTTP request waits for a service, in milliseconds
  /// (ACTORSHOP_REQUEST_TIMEOUT_MS, --request-timeout-ms).
  uint32_t request_timeout_ms = 5000;
  /// HTTP request limits, checked as the bytes arrive: a longer request
  /// target gets 414 (ACTORSHOP_HTTP_MAX_TARGET_BYTES), a larger header
  /// section 431 (ACTORSHOP_HTTP_MAX_HEADER_BYTES), a larger body 413
  /// (ACTORSHOP_HTTP_MAX_BODY_BYTES).
  uint32_t http_max_target_bytes = 8 * 1024;
  uint32_t http_max_header_bytes = 16 * 1024;
  uint32_t http_max_body_bytes = 64 * 1024;
  /// What one client may hold (docs/api.md, Limits): connections served at
  /// once (ACTORSHOP_HTTP_MAX_CONNECTIONS), the milliseconds a client may
  /// take to send a request (ACTORSHOP_HTTP_READ_TIMEOUT_MS), live GET
  /// /events streams (ACTORSHOP_HTTP_MAX_EVENT_STREAMS) and the
  /// milliseconds after which an idle stream gets a keep-alive comment
  /// (ACTORSHOP_HTTP_EVENT_KEEPALIVE_MS).
  uint32_t http_max_connections = 1024;
  uint32_t http_read_timeout_ms = 10000;
  uint32_t http_max_event_streams = 64;
  uint32_t http_event_keepalive_ms = 5000;
  /// Admission control (docs/reliability.md, "Overload"): requests one HTTP
  /// front may have in flight to one service (ACTORSHOP_HTTP_MAX_IN_FLIGHT),
  /// outbox events a publisher may have outstanding before it refuses new
  /// work that would publish (ACTORSHOP_MAX_BACKLOG), messages that may
  /// wait for a worker before it refuses new commands
  /// (ACTORSHOP_MAX_MAILBOX). Beyond each: 503 overloaded with Retry-After.
  uint32_t http_max_in_flight = 192;
  uint32_t max_backlog = 4096;
  uint32_t max_mailbox = 4096;
  /// Unacknowledged events a publisher holds in memory; the rest are read
  /// back from the database in pages (ACTORSHOP_MAX_EVENTS_IN_MEMORY).
  uint32_t max_events_in_memory = 8192;
  /// How long an Idempotency-Key is remembered, in hours
  /// (ACTORSHOP_IDEMPOTENCY_RETENTION_HOURS, --idempotency-retention-hours).
  uint32_t idempotency_retention_hours = 24;
  /// How many nice steps the threads the actor system starts run below the
  /// HTTP front's I/O threads (ACTORSHOP_WORKER_NICE, --worker-nice; 0
  /// leaves them at the process' own).
  uint32_t worker_nice = 10;
  /// Threads of CAF's scheduler for the cooperative actors
  /// (ACTORSHOP_WORKERS, --workers); 0 keeps CAF's default.
  size_t workers = 0;

  // -- identities (docs/security.md) -------------------------------------------

  /// The secret (at least 32 bytes, mode 0600) tokens are signed with
  /// (ACTORSHOP_TOKEN_KEY_FILE, --token-key-file); empty: a random key for
  /// this process only, with a warning.
  std::string token_key_file;
  /// A previous key that still verifies tokens (never signs) until they
  /// expire (ACTORSHOP_TOKEN_PREVIOUS_KEY_FILE).
  std::string token_previous_key_file;
  /// How long a token is valid (ACTORSHOP_TOKEN_TTL_SECONDS).
  uint32_t token_ttl_seconds = 3600;
  /// The operators' static bearer secret (ACTORSHOP_OPERATOR_TOKEN_FILE,
  /// mode 0600); empty: no operator access at all.
  std::string operator_token_file;
  /// argon2id cost: minimum (tests only), interactive, moderate or sensitive
  /// (ACTORSHOP_PASSWORD_HASH_COST).
  std::string password_hash_cost = "interactive";
  /// Threads of the password hashing pool (ACTORSHOP_PASSWORD_HASH_THREADS).
  size_t password_hash_threads = 1;
  /// Jobs that may wait for the pool; beyond, register and login get 503
  /// (ACTORSHOP_PASSWORD_HASH_QUEUE).
  size_t password_hash_queue = 64;

  // -- cluster (docs/deploy.md) ------------------------------------------------

  /// The services this node runs, comma-separated (ACTORSHOP_SERVICES,
  /// --services); default all of service_names(). Parsed into
  /// `place.local`.
  std::string services = all_services();
  /// Whether this node serves HTTP (ACTORSHOP_HTTP, --http=on|off).
  bool http = true;
  /// Lowest level logged: debug, info, warning, error or off
  /// (ACTORSHOP_LOG_LEVEL, --log-level). debug adds a line per request and
  /// per event step, with the request's correlation id.
  std::string log_level = "info";
  /// Line format: text or logfmt (ACTORSHOP_LOG_FORMAT, --log-format).
  std::string log_format = "text";
  /// Address the node's CAF port listens on (ACTORSHOP_NODE_HOST,
  /// --node-host).
  std::string node_host = "127.0.0.1";
  /// CAF middleman port other nodes connect to (ACTORSHOP_NODE_PORT,
  /// --node-port); 0: this node serves no other node.
  uint16_t node_port = 0;
  /// Mutual TLS on the node port and to the peers (ACTORSHOP_NODE_TLS,
  /// --node-tls): on unless turned off, which only a node whose node port
  /// and peers are all on loopback may do.
  bool node_tls = true;
  /// This node's certificate (chain), its key (mode 0600) and the cluster
  /// CA that signed every node's certificate (ACTORSHOP_NODE_CERT,
  /// ACTORSHOP_NODE_KEY, ACTORSHOP_NODE_CA; --node-cert, --node-key,
  /// --node-ca). Required with a node port or peers unless node_tls is off.
  std::string node_cert;
  std::string node_key;
  std::string node_ca;
  /// HTTPS on the front (ACTORSHOP_HTTP_TLS_CERT, ACTORSHOP_HTTP_TLS_KEY;
  /// --http-tls-cert, --http-tls-key): the certificate (chain) and its key
  /// (mode 0600); both empty: plain HTTP.
  std::string http_tls_cert;
  std::string http_tls_key;
  /// Where the services this node does not run live:
  /// "users=host:port,..." (ACTORSHOP_PEERS, --peers). Parsed into
  /// `place.peers`.
  std::string peers;
  /// Per-service databases by service name (ACTORSHOP_USERS_DB_URL,
  /// --users-db-url, ... for each of service_names()); empty or absent:
  /// db_url.
  std::map<std::string, std::string> service_db_urls;
  /// Derived from services and peers by load_config.
  placement place;

  /// The database URL `service` uses: its own, else db_url.
  const std::string& db_url_for(const std::string& service) const;
};

/// Parses the environment, the config file and the command line into `cfg`.
/// Returns an empty string on success, else a message for the user. On
/// --help, prints the options and sets `help_shown`.
std::string load_config(config& cfg, int argc, char** argv, bool& help_shown);

} // namespace shop
