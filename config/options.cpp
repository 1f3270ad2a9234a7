#include "config/options.hpp"

#include <cctype>
#include <map>
#include <set>

#include <caf/config_option_adder.hpp>

#include "actors/placement.hpp"
#include "actors/service_table.hpp"
#include "actors/settings.hpp"
#include "common/log.hpp"
#include "config/config.hpp"

namespace shop {

namespace {

/// ACTORSHOP_HTTP_PORT for http-port.
std::string env_name(const std::string& name) {
  std::string result = "ACTORSHOP_";
  for (auto c : name)
    result += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return result;
}

/// What every kind of option has in common.
option base(std::string name, std::string type, std::string description) {
  option result;
  result.env = env_name(name);
  result.name = std::move(name);
  result.type = std::move(type);
  result.description = std::move(description);
  return result;
}

/// Declares `field(config)` to CAF as `opt`; CAF's --long-help shows the
/// description and the variable.
template <class Field>
std::function<void(config&, caf::config_option_adder&)>
bind_to(const option& opt, Field field) {
  auto text = opt.description + " (" + opt.env + ")";
  return
    [field, name = opt.name, text](config& c, caf::config_option_adder& group) {
      group.add(field(c), name, text);
    };
}

/// An integer option in [min, max] stored in `member`.
template <class T>
option integer_option(T config::*member, std::string name,
                      std::string description, int64_t min, int64_t max) {
  auto type = "<" + std::to_string(min) + ".." + std::to_string(max) + ">";
  auto result = base(std::move(name), std::move(type), std::move(description));
  result.integer = true;
  result.min = min;
  result.max = max;
  result.assign = [member](config& c, const std::string&, int64_t value) {
    c.*member = static_cast<T>(value);
  };
  result.show = [member](const config& c) { return std::to_string(c.*member); };
  result.bind = bind_to(
    result, [member](config & c) -> auto& { return c.*member; });
  return result;
}

/// Whether a text option may be empty.
enum class empty { allowed, rejected };

/// A text option stored in `member`; `syntax` checks it, if given.
option text_option(std::string config::*member, std::string name,
                   std::string type, std::string description, empty e,
                   std::function<std::string(const std::string&)> syntax = {}) {
  auto result = base(std::move(name), std::move(type), std::move(description));
  result.min = e == empty::rejected ? 1 : 0;
  result.syntax = std::move(syntax);
  result.assign = [member](config& c, const std::string& text, int64_t) {
    c.*member = text;
  };
  result.show = [member](const config& c) { return c.*member; };
  result.bind = bind_to(
    result, [member](config & c) -> auto& { return c.*member; });
  return result;
}

/// An on|off option stored in the bool `member`. CAF reads a bool option
/// as a bare flag (--http, not --http=on), so CAF is not told about it.
option switch_option(bool config::*member, std::string name,
                     std::string description) {
  auto result = base(std::move(name), "<on|off>", std::move(description));
  result.min = 1;
  result.syntax = [](const std::string& text) -> std::string {
    return text == "on" || text == "off" ? "" : "must be on or off";
  };
  result.assign = [member](config& c, const std::string& text, int64_t) {
    c.*member = text == "on";
  };
  result.show = [member](const config& c) {
    return std::string{c.*member ? "on" : "off"};
  };
  result.bind = [](config&, caf::config_option_adder&) {};
  return result;
}

/// The option of `service`'s own database (its service table entry names
/// it: --<service>-db-url), stored in config::service_db_urls.
option service_db_url_option(const std::string& service,
                             const std::string& name) {
  auto title = service;
  if (!title.empty())
    title[0] = static_cast<char>(std::toupper(title[0]));
  auto result
    = base(name, "<url>", "Database of " + title + "; empty: --db-url");
  result.assign = [service](config& c, const std::string& text, int64_t) {
    c.service_db_urls[service] = text;
  };
  result.show = [service](const config& c) {
    auto i = c.service_db_urls.find(service);
    return i == c.service_db_urls.end() ? std::string{} : i->second;
  };
  result.bind = bind_to(
    result, [service](config & c) -> auto& {
      return c.service_db_urls[service];
    });
  return result;
}

std::string log_level_syntax(const std::string& text) {
  log::level ignored;
  return log::parse_level(text, ignored)
           ? ""
           : "must be debug, info, warning, error or off";
}

std::string log_format_syntax(const std::string& text) {
  log::format ignored;
  return log::parse_format(text, ignored) ? "" : "must be text or logfmt";
}

std::string services_syntax(const std::string& text) {
  std::set<std::string> ignored;
  return parse_services(text, ignored);
}

std::string peers_syntax(const std::string& text) {
  std::map<std::string, node_address> ignored;
  return parse_peers(text, ignored);
}

std::string hash_cost_syntax(const std::string& text) {
  hash_cost ignored;
  return parse_hash_cost(text, ignored)
           ? ""
           : "must be minimum, interactive, moderate or sensitive";
}

std::vector<option> make_options() {
  using c = config;
  std::vector<option> result{
    text_option(&c::http_host, "http-host", "<address>", "HTTP listen address",
                empty::rejected),
    integer_option(&c::http_port, "http-port", "HTTP port", 1, 65535),
    integer_option(&c::http_threads, "http-threads", "HTTP I/O threads", 1,
                   256),
    text_option(&c::db_url, "db-url", "<url>",
                "PostgreSQL URL (postgresql://user@host/db) or conninfo; "
                "required",
                empty::allowed),
    text_option(&c::catalog_path, "catalog", "<path>", "Catalog CSV file",
                empty::rejected),
    integer_option(&c::request_timeout_ms, "request-timeout-ms",
                   "Milliseconds an HTTP request waits for a service", 1,
                   3600000),
    text_option(&c::http_tls_cert, "http-tls-cert", "<path>",
                "HTTPS: the front's certificate chain (PEM); empty: plain "
                "HTTP",
                empty::allowed),
    text_option(&c::http_tls_key, "http-tls-key", "<path>",
                "HTTPS: the key of --http-tls-cert (PEM, mode 0600)",
                empty::allowed),
    integer_option(&c::http_max_target_bytes, "http-max-target-bytes",
                   "Longest HTTP request target; longer ones get 414", 256,
                   1048576),
    integer_option(&c::http_max_header_bytes, "http-max-header-bytes",
                   "Largest HTTP header section (names and values); larger "
                   "ones get 431",
                   1024, 1048576),
    integer_option(&c::http_max_body_bytes, "http-max-body-bytes",
                   "Largest HTTP request body; larger ones get 413", 1024,
                   16777216),
    integer_option(&c::http_max_connections, "http-max-connections",
                   "HTTP connections served at once; at the limit new ones "
                   "wait until one closes",
                   1, 1000000),
    integer_option(&c::http_read_timeout_ms, "http-read-timeout-ms",
                   "Milliseconds a client may take to send a request (and "
                   "a keep-alive connection may stay idle) before it is "
                   "closed",
                   100, 3600000),
    integer_option(&c::http_max_event_streams, "http-max-event-streams",
                   "Live GET /events streams; beyond, 503", 1, 100000),
    integer_option(&c::http_event_keepalive_ms, "http-event-keepalive-ms",
                   "Milliseconds after which an idle event stream gets a "
                   "keep-alive comment (a dead client's stream ends within "
                   "two)",
                   100, 600000),
    integer_option(&c::http_max_in_flight, "http-max-in-flight",
                   "Requests this front may have in flight to one service; "
                   "beyond, 503 overloaded",
                   1, 1000000),
    integer_option(&c::max_backlog, "max-backlog",
                   "Events a publisher may have unacknowledged before it "
                   "refuses new work that would publish (503 overloaded)",
                   1, 100000000),
    integer_option(&c::max_mailbox, "max-mailbox",
                   "Messages that may wait for a service worker before it "
                   "refuses new commands (503 overloaded)",
                   1, 100000000),
    integer_option(&c::max_events_in_memory, "max-events-in-memory",
                   "Unacknowledged events a publisher holds in memory; the "
                   "rest are read back from the database in pages",
                   1, 100000000),
    integer_option(&c::idempotency_retention_hours,
                   "idempotency-retention-hours",
                   "Hours an Idempotency-Key is remembered", 1, 8760),
    integer_option(&c::worker_nice, "worker-nice",
                   "Nice steps the services' threads run below the HTTP "
                   "front's I/O threads (0: as the process)",
                   0, 19),
    integer_option(&c::workers, "workers",
                   "CAF scheduler threads (scheduler.max-threads); 0: one per "
                   "core",
                   0, 1024),
    text_option(&c::token_key_file, "token-key-file", "<path>",
                "Secret (32+ bytes, mode 0600) that signs tokens; empty: a "
                "random key for this process only",
                empty::allowed),
    text_option(&c::token_previous_key_file, "token-previous-key-file",
                "<path>",
                "Previous token key: still verifies, never signs (rotation)",
                empty::allowed),
    integer_option(&c::token_ttl_seconds, "token-ttl-seconds",
                   "Seconds a login token is valid", 1, 2592000),
    text_option(&c::operator_token_file, "operator-token-file", "<path>",
                "Operators' bearer secret (mode 0600); empty: no operator "
                "access",
                empty::allowed),
    text_option(&c::password_hash_cost, "password-hash-cost", "<level>",
                "argon2id cost: interactive, moderate or sensitive (minimum: "
                "tests only)",
                empty::rejected, hash_cost_syntax),
    integer_option(&c::password_hash_threads, "password-hash-threads",
                   "Threads that hash and check passwords", 1, 64),
    integer_option(&c::password_hash_queue, "password-hash-queue",
                   "Password jobs that may wait; beyond, register and login "
                   "get 503",
                   1, 100000),
    text_option(&c::services, "services", "<list>",
                "Services this node runs, comma-separated (" + all_services()
                  + "); empty: none (an HTTP front only)",
                empty::allowed, services_syntax),
    switch_option(&c::http, "http", "Whether this node serves HTTP"),
    text_option(&c::log_level, "log-level", "<level>",
                "Lowest level logged: debug, info, warning, error or off "
                "(debug: a line per request and per event step, with the "
                "request id)",
                empty::rejected, log_level_syntax),
    text_option(&c::log_format, "log-format", "<text|logfmt>",
                "Log line format", empty::rejected, log_format_syntax),
    text_option(&c::node_host, "node-host", "<address>",
                "Address the node port listens on", empty::rejected),
    integer_option(&c::node_port, "node-port",
                   "CAF port other nodes connect to; 0: none", 0, 65535),
    switch_option(&c::node_tls, "node-tls",
                  "Mutual TLS on the node port and to peers; off only when "
                  "the node port and every peer are on loopback"),
    text_option(&c::node_cert, "node-cert", "<path>",
                "This node's certificate (PEM, signed by --node-ca)",
                empty::allowed),
    text_option(&c::node_key, "node-key", "<path>",
                "The key of --node-cert (PEM, mode 0600)", empty::allowed),
    text_option(&c::node_ca, "node-ca", "<path>",
                "The cluster CA's certificate (PEM): peers must present a "
                "certificate it signed",
                empty::allowed),
    text_option(&c::peers, "peers", "<list>",
                "Where the services this node does not run live: "
                "users=host:port,billing=host:port and so on",
                empty::allowed, peers_syntax),
  };
  for (auto& x : service_table())
    result.push_back(service_db_url_option(x.name, x.db_url_option));
  return result;
}

} // namespace

const std::vector<option>& options() {
  static const std::vector<option> result = make_options();
  return result;
}

const option* find_option(std::string_view name) {
  for (auto& opt : options())
    if (opt.name == name)
      return &opt;
  return nullptr;
}

std::string check(const option& opt, const std::string& text, int64_t& value) {
  value = 0;
  if (!opt.integer) {
    if (opt.min > 0 && text.empty())
      return "must not be empty";
    return opt.syntax ? opt.syntax(text) : std::string{};
  }
  auto reason = "must be an integer from " + std::to_string(opt.min) + " to "
                + std::to_string(opt.max);
  if (text.empty())
    return reason;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return reason;
    // Stop accumulating past max: a 40-digit value must not overflow.
    if (value <= opt.max)
      value = value * 10 + (c - '0');
  }
  if (value < opt.min || value > opt.max)
    return reason;
  return {};
}

std::string all_services() {
  std::string result;
  for (auto& name : service_names())
    result += (result.empty() ? "" : ",") + name;
  return result;
}

} // namespace shop
