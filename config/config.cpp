#include "config/config.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include <caf/config_value.hpp>
#include <caf/error.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "actors/errors.hpp"
#include "common/address.hpp"
#include "config/options.hpp"

// Why this file resolves actorshop's own options itself instead of leaving
// them to CAF 0.17's actor_system_config::parse (each verified by experiment):
// - CAF reads no environment variables;
// - CAF silently drops an INI value it cannot convert (http-port = 70000 in
//   the file simply keeps the default) and ignores unknown INI keys;
// - CAF reads "--http-port=010" as octal 8 and "0x10" as 16;
// - CAF's messages ("parser_error(integer_overflow, ...)") name no source.
// So actorshop's options (options(), config/options.cpp) are validated and
// layered here (defaults < config file < ACTORSHOP_* environment < command
// line, later layers win), and CAF still parses everything else (its own
// scheduler/logger options, the other INI sections, --long-help,
// --dump-config).

namespace shop {

namespace {

constexpr std::string_view config_file_option = "config-file";
constexpr const char* config_file_env = "ACTORSHOP_CONFIG_FILE";
constexpr const char* default_config_file = "actorshop.ini";

/// A validated value of an option: its text and, for integers, its value.
struct setting {
  std::string text;
  int64_t value = 0;
};

using layered = std::map<const option*, setting>;

/// Validates and records one value; returns an error message or "".
std::string put(layered& out, const option& opt, std::string text,
                const std::string& origin) {
  int64_t value = 0;
  if (auto reason = check(opt, text, value); !reason.empty())
    return "invalid " + origin + " '" + text + "': " + reason;
  out[&opt] = setting{std::move(text), value};
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
    auto opt = find_option(key);
    if (!opt && caf::holds_alternative<caf::settings>(val))
      continue;
    if (!opt)
      return "config file '" + path + "': unknown option '" + key
             + "' (see --help)";
    std::string text;
    if (auto i = caf::get_if<int64_t>(&val); i && opt->integer)
      text = std::to_string(*i);
    else if (auto s = caf::get_if<std::string>(&val))
      text = *s;
    else
      return "config file '" + path + "': invalid " + key + " = "
             + caf::to_string(val)
             + (opt->integer ? ": must be an integer"
                             : ": must be a string in double quotes");
    auto origin = key + " in config file '" + path + "'";
    if (auto err = put(out, *opt, std::move(text), origin); !err.empty())
      return err;
  }
  return {};
}

/// Reads the ACTORSHOP_* variables. An empty variable counts as unset.
std::string read_env_layer(layered& out) {
  for (auto& opt : options()) {
    auto value = std::getenv(opt.env.c_str());
    if (value == nullptr || *value == '\0')
      continue;
    if (auto err = put(out, opt, value, opt.env); !err.empty())
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
    auto opt = find_option(name);
    if (!opt && name != config_file_option) {
      rest.push_back(arg);
      continue;
    }
    if (!has_value) {
      std::string type = opt ? opt->type : "<path>";
      return "--" + std::string{name} + " needs a value: --" + std::string{name}
             + "=" + type;
    }
    if (!opt) {
      config_file = std::string{value};
      continue;
    }
    auto origin = "--" + std::string{name};
    if (auto err = put(out, *opt, std::string{value}, origin); !err.empty())
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
                   const std::string& def, std::string_view env) {
    out << "  " << flag << "\n      " << text << ".\n      ";
    if (!def.empty())
      out << "Default: " << def << ". ";
    out << "Environment: " << env << "\n";
  };
  for (auto& opt : options())
    entry("--" + opt.name + "=" + opt.type, opt.description, opt.show(defaults),
          opt.env);
  entry("--config-file=<path>",
        "INI file whose [global] section sets the options above",
        std::string{default_config_file} + " if present", config_file_env);
  out << "  -h, --help\n      Print this help and exit.\n"
         "  --long-help\n      Also list CAF's own options (scheduler, "
         "logger, ...) and exit.\n"
         "  --dump-config\n      Print CAF's effective configuration and "
         "exit.\n";
}

/// The node port's and the peers' transport. With TLS (the default) every
/// connection between nodes is mutual TLS through CAF's OpenSSL module: a
/// certificate, key and CA are required, so CAF's anonymous-cipher fallback
/// (which it uses when none is configured) can never be reached. Plain CAF
/// is for a node whose every connection stays on this machine.
std::string configure_node_tls(config& cfg) {
  bool listens = cfg.node_port != 0;
  if (!listens && cfg.place.peers.empty())
    return {}; // a single process: no node traffic at all
  if (!cfg.node_tls) {
    if (listens && !is_loopback_host(cfg.node_host))
      return "--node-tls=off is allowed only when the node port listens on a "
             "loopback address, not --node-host="
             + cfg.node_host;
    for (auto& [service, peer] : cfg.place.peers)
      if (!is_loopback_host(peer.host))
        return "--node-tls=off is allowed only with peers on loopback, not "
               + service + "=" + peer.to_string();
    return {};
  }
  if (cfg.node_cert.empty() || cfg.node_key.empty() || cfg.node_ca.empty())
    return std::string{listens ? "a node port needs" : "peers need"}
           + " mutual TLS: set --node-cert, --node-key and --node-ca "
             "(scripts/cluster-certs.sh makes them; docs/security.md), or "
             "--node-tls=off when every node runs on this machine";
  cfg.openssl_certificate = cfg.node_cert;
  cfg.openssl_key = cfg.node_key;
  cfg.openssl_cafile = cfg.node_ca;
  cfg.openssl_capath.clear();
  cfg.openssl_passphrase.clear();
  cfg.load<caf::openssl::manager>();
  return {};
}

} // namespace

config::config() {
  for (auto& name : service_names())
    service_db_urls[name];
  opt_group group{custom_options_, "global"};
  for (auto& opt : options())
    opt.bind(*this, group);
  // The services of a cluster talk through CAF's own distribution layer.
  load<caf::io::middleman>();
  register_types(*this);
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
  // CAF's idle scheduler threads poll for work before they sleep: 100
  // attempts in a row, then 500 with 50 us sleeps between them, 25 ms in all
  // after each moment without work. That assumes the actor system has the
  // machine to itself; here PostgreSQL and the HTTP I/O threads need those
  // cores, and the polling cost 14% of actorshop's CPU per order
  // (docs/performance.md). So an idle thread goes straight to its wait:
  // woken by work from outside the scheduler (the I/O threads, the
  // services' workers), else every work-stealing.relaxed-sleep-duration
  // (10 ms) to steal. Set before CAF parses, so that the file and the
  // command line override it and --dump-config shows it.
  for (auto* key : {"work-stealing.aggressive-poll-attempts",
                    "work-stealing.moderate-poll-attempts"})
    cfg.set(key, int64_t{0});
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
    for (auto& [opt, value] : *layer)
      opt->assign(cfg, value.text, value.value);
  // CAF stores the file's values of our options itself, and its two INI
  // readers do not always agree: a file whose last line is a key without a
  // value and without a newline (`peers = "0"` then `t`) is an empty file to
  // parse_config_file, so read_file_layer checked nothing, while cfg.parse
  // stored peers = "0" unchecked (found by the config fuzz target,
  // tests/fuzz/regressions/config/). So the final values are checked once
  // more, whatever put them there.
  for (auto& opt : options()) {
    int64_t ignored = 0;
    auto text = opt.show(cfg);
    if (auto reason = check(opt, text, ignored); !reason.empty())
      return "invalid " + opt.name + " '" + text
             + "' in the configuration: " + reason;
  }
  if (cfg.workers > 0)
    cfg.set("scheduler.max-threads", static_cast<int64_t>(cfg.workers));
  // Both validated just above; together they must place every service.
  parse_services(cfg.services, cfg.place.local);
  parse_peers(cfg.peers, cfg.place.peers);
  cfg.place.listens = cfg.node_port != 0;
  if (auto err = check_placement(cfg.place); !err.empty())
    return err;
  if (cfg.http_tls_cert.empty() != cfg.http_tls_key.empty())
    return "--http-tls-cert and --http-tls-key go together: set both for "
           "HTTPS, neither for plain HTTP";
  if (!cfg.http && cfg.place.local.empty())
    return "this node runs no service and no HTTP front: set --services or "
           "--http=on";
  if (auto err = configure_node_tls(cfg); !err.empty())
    return err;
  return {};
}

const std::string& config::db_url_for(const std::string& service) const {
  auto own = service_db_urls.find(service);
  return own != service_db_urls.end() && !own->second.empty() ? own->second
                                                              : db_url;
}

} // namespace shop
