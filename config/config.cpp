#include "config/config.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include <caf/config_value.hpp>
#include <caf/io/middleman.hpp>
#include <caf/error.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "actors/messages.hpp"

// Why this file resolves actorshop's own options itself instead of leaving
// them to CAF 0.17's actor_system_config::parse (each verified by experiment):
// - CAF reads no environment variables;
// - CAF silently drops an INI value it cannot convert (http-port = 70000 in
//   the file simply keeps the default) and ignores unknown INI keys;
// - CAF reads "--http-port=010" as octal 8 and "0x10" as 16;
// - CAF's messages ("parser_error(integer_overflow, ...)") name no source.
// So the options below are validated and layered here (defaults < config
// file < ACTORSHOP_* environment < command line, later layers win), and CAF
// still parses everything else (its own scheduler/logger options, the other
// INI sections, --long-help, --dump-config).

namespace shop {

namespace {

/// One of actorshop's own options.
struct option_spec {
  /// The long name: --http-port on the command line, http-port in the file.
  std::string_view name;
  /// The environment variable.
  const char* env;
  /// The value placeholder in --help.
  std::string_view type;
  std::string_view description;
  /// Integer options accept digits only, within [min, max]; text options
  /// accept any string, non-empty when min > 0.
  bool integer;
  int64_t min;
  int64_t max;
  /// Stores a validated value.
  void (*assign)(config&, const std::string& text, int64_t value);
  /// The current value, for the defaults in --help.
  std::string (*show)(const config&);
};

const std::vector<option_spec>& specs() {
  static const std::vector<option_spec> result{
    {"http-host", "ACTORSHOP_HTTP_HOST", "<address>", "HTTP listen address",
     false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.http_host = s; },
     [](const config& c) { return c.http_host; }},
    {"http-port", "ACTORSHOP_HTTP_PORT", "<1..65535>", "HTTP port", true, 1,
     65535,
     [](config& c, const std::string&, int64_t v) {
       c.http_port = static_cast<uint16_t>(v);
     },
     [](const config& c) { return std::to_string(c.http_port); }},
    {"http-threads", "ACTORSHOP_HTTP_THREADS", "<1..256>", "HTTP I/O threads",
     true, 1, 256,
     [](config& c, const std::string&, int64_t v) {
       c.http_threads = static_cast<size_t>(v);
     },
     [](const config& c) { return std::to_string(c.http_threads); }},
    {"db-url", "ACTORSHOP_DB_URL", "<url>",
     "PostgreSQL URL (postgresql://user@host/db) or conninfo; required", false,
     0, 0, [](config& c, const std::string& s, int64_t) { c.db_url = s; },
     [](const config& c) { return c.db_url; }},
    {"catalog", "ACTORSHOP_CATALOG", "<path>", "Catalog CSV file", false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.catalog_path = s; },
     [](const config& c) { return c.catalog_path; }},
    {"request-timeout-ms", "ACTORSHOP_REQUEST_TIMEOUT_MS", "<1..3600000>",
     "Milliseconds an HTTP request waits for a service", true, 1, 3600000,
     [](config& c, const std::string&, int64_t v) {
       c.request_timeout_ms = static_cast<uint32_t>(v);
     },
     [](const config& c) { return std::to_string(c.request_timeout_ms); }},
    {"http-max-target-bytes", "ACTORSHOP_HTTP_MAX_TARGET_BYTES",
     "<256..1048576>", "Longest HTTP request target; longer ones get 414",
     true, 256, 1048576,
     [](config& c, const std::string&, int64_t v) {
       c.http_max_target_bytes = static_cast<uint32_t>(v);
     },
     [](const config& c) { return std::to_string(c.http_max_target_bytes); }},
    {"http-max-header-bytes", "ACTORSHOP_HTTP_MAX_HEADER_BYTES",
     "<1024..1048576>",
     "Largest HTTP header section (names and values); larger ones get 431",
     true, 1024, 1048576,
     [](config& c, const std::string&, int64_t v) {
       c.http_max_header_bytes = static_cast<uint32_t>(v);
     },
     [](const config& c) { return std::to_string(c.http_max_header_bytes); }},
    {"http-max-body-bytes", "ACTORSHOP_HTTP_MAX_BODY_BYTES",
     "<1024..16777216>", "Largest HTTP request body; larger ones get 413",
     true, 1024, 16777216,
     [](config& c, const std::string&, int64_t v) {
       c.http_max_body_bytes = static_cast<uint32_t>(v);
     },
     [](const config& c) { return std::to_string(c.http_max_body_bytes); }},
    {"idempotency-retention-hours", "ACTORSHOP_IDEMPOTENCY_RETENTION_HOURS",
     "<1..8760>", "Hours an Idempotency-Key is remembered", true, 1, 8760,
     [](config& c, const std::string&, int64_t v) {
       c.idempotency_retention_hours = static_cast<uint32_t>(v);
     },
     [](const config& c) {
       return std::to_string(c.idempotency_retention_hours);
     }},
    {"workers", "ACTORSHOP_WORKERS", "<0..1024>",
     "CAF scheduler threads (scheduler.max-threads); 0: one per core", true, 0,
     1024,
     [](config& c, const std::string&, int64_t v) {
       c.workers = static_cast<size_t>(v);
     },
     [](const config& c) { return std::to_string(c.workers); }},
    {"services", "ACTORSHOP_SERVICES", "<list>",
     "Services this node runs, comma-separated (users,billing,orders,"
     "notifications); empty: none (an HTTP front only)",
     false, 0, 0,
     [](config& c, const std::string& s, int64_t) { c.services = s; },
     [](const config& c) { return c.services; }},
    {"http", "ACTORSHOP_HTTP", "<on|off>", "Whether this node serves HTTP",
     false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.http = s == "on"; },
     [](const config& c) { return std::string{c.http ? "on" : "off"}; }},
    {"log-level", "ACTORSHOP_LOG_LEVEL", "<level>",
     "Lowest level logged: debug, info, warning, error or off (debug: a line "
     "per request and per event step, with the request id)",
     false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.log_level = s; },
     [](const config& c) { return c.log_level; }},
    {"log-format", "ACTORSHOP_LOG_FORMAT", "<text|logfmt>",
     "Log line format", false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.log_format = s; },
     [](const config& c) { return c.log_format; }},
    {"node-host", "ACTORSHOP_NODE_HOST", "<address>",
     "Address the node port listens on", false, 1, 0,
     [](config& c, const std::string& s, int64_t) { c.node_host = s; },
     [](const config& c) { return c.node_host; }},
    {"node-port", "ACTORSHOP_NODE_PORT", "<0..65535>",
     "CAF port other nodes connect to; 0: none", true, 0, 65535,
     [](config& c, const std::string&, int64_t v) {
       c.node_port = static_cast<uint16_t>(v);
     },
     [](const config& c) { return std::to_string(c.node_port); }},
    {"peers", "ACTORSHOP_PEERS", "<list>",
     "Where the services this node does not run live: "
     "users=host:port,billing=host:port and so on",
     false, 0, 0, [](config& c, const std::string& s, int64_t) { c.peers = s; },
     [](const config& c) { return c.peers; }},
    {"users-db-url", "ACTORSHOP_USERS_DB_URL", "<url>",
     "Database of Users; empty: --db-url", false, 0, 0,
     [](config& c, const std::string& s, int64_t) { c.users_db_url = s; },
     [](const config& c) { return c.users_db_url; }},
    {"billing-db-url", "ACTORSHOP_BILLING_DB_URL", "<url>",
     "Database of Billing; empty: --db-url", false, 0, 0,
     [](config& c, const std::string& s, int64_t) { c.billing_db_url = s; },
     [](const config& c) { return c.billing_db_url; }},
    {"orders-db-url", "ACTORSHOP_ORDERS_DB_URL", "<url>",
     "Database of Orders; empty: --db-url", false, 0, 0,
     [](config& c, const std::string& s, int64_t) { c.orders_db_url = s; },
     [](const config& c) { return c.orders_db_url; }},
    {"notifications-db-url", "ACTORSHOP_NOTIFICATIONS_DB_URL", "<url>",
     "Database of Notifications; empty: --db-url", false, 0, 0,
     [](config& c, const std::string& s, int64_t) {
       c.notifications_db_url = s;
     },
     [](const config& c) { return c.notifications_db_url; }},
  };
  return result;
}

constexpr std::string_view config_file_option = "config-file";
constexpr const char* config_file_env = "ACTORSHOP_CONFIG_FILE";
constexpr const char* default_config_file = "actorshop.ini";

const option_spec* find_spec(std::string_view name) {
  for (auto& spec : specs())
    if (spec.name == name)
      return &spec;
  return nullptr;
}

/// Checks the text options that have a syntax of their own.
std::string check_text(std::string_view name, const std::string& text) {
  if (name == "http" && text != "on" && text != "off")
    return "must be on or off";
  if (name == "log-level") {
    log::level ignored;
    if (!log::parse_level(text, ignored))
      return "must be debug, info, warning, error or off";
  }
  if (name == "log-format") {
    log::format ignored;
    if (!log::parse_format(text, ignored))
      return "must be text or logfmt";
  }
  if (name == "services") {
    std::set<std::string> ignored;
    return parse_services(text, ignored);
  }
  if (name == "peers") {
    std::map<std::string, node_address> ignored;
    return parse_peers(text, ignored);
  }
  return {};
}

/// Checks `text` against `spec`; returns the reason it is invalid, or an
/// empty string (and the integer in `value`).
std::string check(const option_spec& spec, const std::string& text,
                  int64_t& value) {
  value = 0;
  if (!spec.integer) {
    if (spec.min > 0 && text.empty())
      return "must not be empty";
    return check_text(spec.name, text);
  }
  auto reason = "must be an integer from " + std::to_string(spec.min) + " to "
                + std::to_string(spec.max);
  if (text.empty())
    return reason;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return reason;
    // Stop accumulating past max: a 40-digit value must not overflow.
    if (value <= spec.max)
      value = value * 10 + (c - '0');
  }
  if (value < spec.min || value > spec.max)
    return reason;
  return {};
}

/// A validated value of an option: its text and, for integers, its value.
struct setting {
  std::string text;
  int64_t value = 0;
};

using layered = std::map<const option_spec*, setting>;

/// Validates and records one value; returns an error message or "".
std::string put(layered& out, const option_spec& spec, std::string text,
                const std::string& origin) {
  int64_t value = 0;
  if (auto reason = check(spec, text, value); !reason.empty())
    return "invalid " + origin + " '" + text + "': " + reason;
  out[&spec] = setting{std::move(text), value};
  return {};
}

/// Renders a CAF parser error ("line 2, column 12: trailing_character").
std::string render_parse_error(const caf::error& err) {
  if (err.category() != caf::atom("parser"))
    return caf::actor_system_config::render(err);
  std::string result;
  auto& ctx = err.context();
  if (ctx.match_elements<caf::settings>()) {
    auto& pos = ctx.get_as<caf::settings>(0);
    auto line = caf::get_if<int64_t>(&pos, "line");
    auto column = caf::get_if<int64_t>(&pos, "column");
    if (line && column)
      result = "line " + std::to_string(*line) + ", column "
               + std::to_string(*column) + ": ";
  }
  result += caf::to_string(static_cast<caf::pec>(err.code()));
  return result;
}

/// Reads actorshop's options from the [global] section (or the top, before
/// any section) of the INI file at `path`; rejects unknown keys there.
std::string read_file_layer(const std::string& path, layered& out) {
  auto raw = caf::actor_system_config::parse_config_file(path.c_str());
  if (!raw)
    return "config file '" + path + "': " + render_parse_error(raw.error())
           + " (text values need double quotes: http-host = \"0.0.0.0\")";
  // CAF flattens [global] (and keys before any section) into the top level;
  // nested dictionaries are the other sections, left to CAF.
  for (auto& [key, val] : *raw) {
    auto spec = find_spec(key);
    if (!spec && caf::holds_alternative<caf::settings>(val))
      continue;
    if (!spec)
      return "config file '" + path + "': unknown option '" + key
             + "' (see --help)";
    std::string text;
    if (auto i = caf::get_if<int64_t>(&val); i && spec->integer)
      text = std::to_string(*i);
    else if (auto s = caf::get_if<std::string>(&val))
      text = *s;
    else
      return "config file '" + path + "': invalid " + key + " = "
             + caf::to_string(val)
             + (spec->integer ? ": must be an integer"
                              : ": must be a string in double quotes");
    auto origin = key + " in config file '" + path + "'";
    if (auto err = put(out, *spec, std::move(text), origin); !err.empty())
      return err;
  }
  return {};
}

/// Reads the ACTORSHOP_* variables. An empty variable counts as unset.
std::string read_env_layer(layered& out) {
  for (auto& spec : specs()) {
    auto value = std::getenv(spec.env);
    if (value == nullptr || *value == '\0')
      continue;
    if (auto err = put(out, spec, value, spec.env); !err.empty())
      return err;
  }
  return {};
}

/// Splits "--name=value" into name and value; false for anything else.
bool split_option(std::string_view arg, std::string_view& name,
                  std::string_view& value) {
  if (arg.substr(0, 2) != "--")
    return false;
  auto eq = arg.find('=');
  name = arg.substr(2, eq == std::string_view::npos ? eq : eq - 2);
  value = eq == std::string_view::npos ? std::string_view{}
                                       : arg.substr(eq + 1);
  return eq != std::string_view::npos;
}

/// The name of one of our options as CAF reads it on a command line: CAF
/// also takes an option of its "global" category, where ours are, as
/// --global.<name>, --caf#<name> or --caf#global.<name>. Passed on to CAF,
/// those spellings stored their value behind every check here
/// (--global.http-threads=0 and --caf#http-port=0 were accepted; the range
/// check of the config fuzz target fails on them, tests/fuzz/regressions/
/// config/), so they are read as ours.
std::string_view unqualified(std::string_view name) {
  if (name.substr(0, 4) == "caf#")
    name.remove_prefix(4);
  if (name.substr(0, 7) == "global.")
    name.remove_prefix(7);
  return name;
}

/// The command line: takes actorshop's options and --config-file, passes
/// everything else that looks like an option on to CAF in `rest`.
std::string read_cli_layer(const std::vector<std::string>& args, layered& out,
                           std::string& config_file,
                           std::vector<std::string>& rest) {
  for (auto& arg : args) {
    std::string_view name;
    std::string_view value;
    bool has_value = split_option(arg, name, value);
    if (arg.size() < 2 || arg[0] != '-')
      return "unexpected argument '" + arg
             + "' (options look like --http-port=9090; see --help)";
    name = unqualified(name);
    auto spec = find_spec(name);
    if (!spec && name != config_file_option) {
      rest.push_back(arg);
      continue;
    }
    if (!has_value) {
      auto type = spec ? spec->type : std::string_view{"<path>"};
      return "--" + std::string{name} + " needs a value: --" + std::string{name}
             + "=" + std::string{type};
    }
    if (!spec) {
      config_file = std::string{value};
      continue;
    }
    auto origin = "--" + std::string{name};
    if (auto err = put(out, *spec, std::string{value}, origin); !err.empty())
      return err;
  }
  return {};
}

bool is_help(const std::string& arg) {
  return arg == "-h" || arg == "-?" || arg == "--help";
}

void print_help(const config& defaults, std::ostream& out) {
  out
    << "actorshop: order processing by CAF actors (Users, Billing, Orders,\n"
       "Notifications) behind an HTTP API, stored in PostgreSQL.\n\n"
       "Usage: actorshop [--option=value ...]\n\n"
       "Options; the command line wins over the environment, which wins over\n"
       "the config file, which wins over the defaults:\n";
  auto entry = [&](const std::string& flag, std::string_view text,
                   const std::string& def, const char* env) {
    out << "  " << flag << "\n      " << text << ".\n      ";
    if (!def.empty())
      out << "Default: " << def << ". ";
    out << "Environment: " << env << "\n";
  };
  for (auto& spec : specs())
    entry("--" + std::string{spec.name} + "=" + std::string{spec.type},
          spec.description, spec.show(defaults), spec.env);
  entry("--config-file=<path>",
        "INI file whose [global] section sets the options above",
        std::string{default_config_file} + " if present", config_file_env);
  out << "  -h, --help\n      Print this help and exit.\n"
         "  --long-help\n      Also list CAF's own options (scheduler, "
         "logger, ...) and exit.\n"
         "  --dump-config\n      Print CAF's effective configuration and "
         "exit.\n";
}

} // namespace

config::config() {
  opt_group{custom_options_, "global"}
    .add(http_host, "http-host", "HTTP listen address (ACTORSHOP_HTTP_HOST)")
    .add(http_port, "http-port", "HTTP port (ACTORSHOP_HTTP_PORT)")
    .add(http_threads, "http-threads",
         "HTTP I/O threads (ACTORSHOP_HTTP_THREADS)")
    .add(db_url, "db-url", "PostgreSQL URL or conninfo (ACTORSHOP_DB_URL)")
    .add(catalog_path, "catalog", "catalog CSV file (ACTORSHOP_CATALOG)")
    .add(request_timeout_ms, "request-timeout-ms",
         "how long an HTTP request waits for a service, in ms "
         "(ACTORSHOP_REQUEST_TIMEOUT_MS)")
    .add(http_max_target_bytes, "http-max-target-bytes",
         "longest HTTP request target (ACTORSHOP_HTTP_MAX_TARGET_BYTES)")
    .add(http_max_header_bytes, "http-max-header-bytes",
         "largest HTTP header section (ACTORSHOP_HTTP_MAX_HEADER_BYTES)")
    .add(http_max_body_bytes, "http-max-body-bytes",
         "largest HTTP request body (ACTORSHOP_HTTP_MAX_BODY_BYTES)")
    .add(idempotency_retention_hours, "idempotency-retention-hours",
         "hours an Idempotency-Key is remembered "
         "(ACTORSHOP_IDEMPOTENCY_RETENTION_HOURS)")
    .add(workers, "workers",
         "CAF scheduler threads, 0 = one per core (ACTORSHOP_WORKERS)")
    .add(services, "services", "services this node runs (ACTORSHOP_SERVICES)")
    .add(log_level, "log-level", "lowest level logged (ACTORSHOP_LOG_LEVEL)")
    .add(log_format, "log-format", "text or logfmt (ACTORSHOP_LOG_FORMAT)")
    .add(node_host, "node-host", "node port address (ACTORSHOP_NODE_HOST)")
    .add(node_port, "node-port", "CAF node port (ACTORSHOP_NODE_PORT)")
    .add(peers, "peers", "service=host:port,... (ACTORSHOP_PEERS)")
    .add(users_db_url, "users-db-url", "Users' database")
    .add(billing_db_url, "billing-db-url", "Billing's database")
    .add(orders_db_url, "orders-db-url", "Orders' database")
    .add(notifications_db_url, "notifications-db-url",
         "Notifications' database");
  // The services of a cluster talk through CAF's own distribution layer.
  load<caf::io::middleman>();
  add_message_types<caf::id_block::shop>();
  add_error_category(caf::atom("shop"), [](uint8_t code, caf::atom_value,
                                           const caf::message& ctx) {
    return render_shop_error(code, ctx);
  });
}

std::string load_config(config& cfg, int argc, char** argv, bool& help_shown) {
  help_shown = false;
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  for (auto& arg : args) {
    if (is_help(arg)) {
      print_help(cfg, std::cout);
      help_shown = true;
      return {};
    }
  }
  layered file_layer;
  layered env_layer;
  layered cli_layer;
  std::string config_file;
  std::vector<std::string> caf_args;
  if (auto err = read_cli_layer(args, cli_layer, config_file, caf_args);
      !err.empty())
    return err;
  if (auto err = read_env_layer(env_layer); !err.empty())
    return err;
  // The file named on the command line or in the environment must exist; the
  // default one is optional.
  if (config_file.empty()) {
    if (auto env = std::getenv(config_file_env); env && *env)
      config_file = env;
  }
  bool explicit_file = !config_file.empty();
  if (!explicit_file)
    config_file = default_config_file;
  std::ifstream file{config_file};
  if (!file) {
    if (explicit_file)
      return "cannot open config file '" + config_file + "'";
    config_file.clear();
  }
  if (!config_file.empty()) {
    if (auto err = read_file_layer(config_file, file_layer); !err.empty())
      return err;
  }
  // CAF parses its own options and the file's other sections. It also stores
  // the file's values of our options, which the layers below overwrite.
  std::istringstream no_file;
  std::istream& ini = config_file.empty() ? static_cast<std::istream&>(no_file)
                                          : file;
  if (auto err = cfg.parse(caf_args, ini)) {
    if (err == caf::pec::not_an_option && err.context().size() == 1
        && err.context().match_element<caf::settings>(0)) {
      auto& ctx = err.context().get_as<caf::settings>(0);
      if (auto arg = caf::get_if<std::string>(&ctx, "argument"))
        return "unknown option '" + *arg + "' (see --help)";
    }
    return "invalid configuration: " + render_parse_error(err);
  }
  if (cfg.cli_helptext_printed) {
    help_shown = true;
    return {};
  }
  for (auto* layer : {&file_layer, &env_layer, &cli_layer})
    for (auto& [spec, value] : *layer)
      spec->assign(cfg, value.text, value.value);
  // CAF stores the file's values of our options itself, and its two INI
  // readers do not always agree: a file whose last line is a key without a
  // value and without a newline (`peers = "0"` then `t`) is an empty file to
  // parse_config_file, so read_file_layer checked nothing, while cfg.parse
  // stored peers = "0" unchecked (found by the config fuzz target,
  // tests/fuzz/regressions/config/). So the final values are checked once
  // more, whatever put them there.
  for (auto& spec : specs()) {
    int64_t ignored = 0;
    auto text = spec.show(cfg);
    if (auto reason = check(spec, text, ignored); !reason.empty())
      return "invalid " + std::string{spec.name} + " '" + text
             + "' in the configuration: " + reason;
  }
  if (cfg.workers > 0)
    cfg.set("scheduler.max-threads", static_cast<int64_t>(cfg.workers));
  // Both validated just above; together they must place every service.
  parse_services(cfg.services, cfg.place.local);
  parse_peers(cfg.peers, cfg.place.peers);
  if (auto err = check_placement(cfg.place); !err.empty())
    return err;
  if (!cfg.http && cfg.place.local.empty())
    return "this node runs no service and no HTTP front: set --services or "
           "--http=on";
  return {};
}

const std::string& config::db_url_for(const std::string& service) const {
  const std::string* own = nullptr;
  if (service == "users")
    own = &users_db_url;
  else if (service == "billing")
    own = &billing_db_url;
  else if (service == "orders")
    own = &orders_db_url;
  else if (service == "notifications")
    own = &notifications_db_url;
  return own != nullptr && !own->empty() ? *own : db_url;
}

} // namespace shop
