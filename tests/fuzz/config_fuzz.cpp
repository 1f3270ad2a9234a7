// Fuzz target "config": the bytes are a configuration (config/config.hpp)
// in three parts separated by lines "%%": the INI file, then command-line
// arguments (one per line), then ACTORSHOP_* environment variables
// (NAME=value per line). The file is written to a temporary path named by
// --config-file=; arguments naming another config file are dropped (a
// fuzzed /dev/zero would read forever).
// - load_config never throws; it either accepts, shows the help, or returns
//   a message (then help_shown is false, so main exits with
//   exit_bad_config before using anything: a rejected configuration is
//   never half-applied in use); the same input gives the same answer;
// - an accepted configuration has every option within its documented range
//   (config.hpp, --help): ports, threads, timeouts, limits, retention,
//   workers, non-empty host and catalog, a known log level and format, and
//   a placement that parses from its texts and places every service;
// - the layers stack: an option given on the command line has that value,
//   else one given in the environment has that one.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "actors/placement.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "fuzz_support.hpp"

using namespace shop;
using namespace shop::fuzz;

namespace {

/// One of actorshop's options as this target reads it back.
struct expected_option {
  std::string name;
  std::string env;
  /// The option's value in text as the command line would give it.
  std::function<std::string(const config&)> show;
  bool integer;
  int64_t min;
  int64_t max;
};

/// The options every configuration has, whatever its services.
std::vector<expected_option> fixed_options() {
  auto num = [](auto member) {
    return [member](const config& c) { return std::to_string(c.*member); };
  };
  auto text = [](auto member) {
    return [member](const config& c) { return c.*member; };
  };
  std::vector<expected_option> result{
    {"http-host", "ACTORSHOP_HTTP_HOST", text(&config::http_host), false, 1, 0},
    {"http-port", "ACTORSHOP_HTTP_PORT", num(&config::http_port), true, 1,
     65535},
    {"http-threads", "ACTORSHOP_HTTP_THREADS", num(&config::http_threads), true,
     1, 256},
    {"db-url", "ACTORSHOP_DB_URL", text(&config::db_url), false, 0, 0},
    {"catalog", "ACTORSHOP_CATALOG", text(&config::catalog_path), false, 1, 0},
    {"request-timeout-ms", "ACTORSHOP_REQUEST_TIMEOUT_MS",
     num(&config::request_timeout_ms), true, 1, 3600000},
    {"http-max-target-bytes", "ACTORSHOP_HTTP_MAX_TARGET_BYTES",
     num(&config::http_max_target_bytes), true, 256, 1048576},
    {"http-max-header-bytes", "ACTORSHOP_HTTP_MAX_HEADER_BYTES",
     num(&config::http_max_header_bytes), true, 1024, 1048576},
    {"http-max-body-bytes", "ACTORSHOP_HTTP_MAX_BODY_BYTES",
     num(&config::http_max_body_bytes), true, 1024, 16777216},
    {"idempotency-retention-hours", "ACTORSHOP_IDEMPOTENCY_RETENTION_HOURS",
     num(&config::idempotency_retention_hours), true, 1, 8760},
    {"workers", "ACTORSHOP_WORKERS", num(&config::workers), true, 0, 1024},
    {"services", "ACTORSHOP_SERVICES", text(&config::services), false, 0, 0},
    {"http", "ACTORSHOP_HTTP",
     [](const config& c) { return std::string{c.http ? "on" : "off"}; }, false,
     1, 0},
    {"log-level", "ACTORSHOP_LOG_LEVEL", text(&config::log_level), false, 1, 0},
    {"log-format", "ACTORSHOP_LOG_FORMAT", text(&config::log_format), false, 1,
     0},
    {"node-host", "ACTORSHOP_NODE_HOST", text(&config::node_host), false, 1, 0},
    {"node-port", "ACTORSHOP_NODE_PORT", num(&config::node_port), true, 0,
     65535},
    {"peers", "ACTORSHOP_PEERS", text(&config::peers), false, 0, 0},
  };
  return result;
}

/// The options above and, for each service, its --<service>-db-url.
const std::vector<expected_option>& expected_options() {
  static const std::vector<expected_option> result = [] {
    auto all = fixed_options();
    for (auto& service : service_names()) {
      std::string env = "ACTORSHOP_";
      for (auto c : service)
        env += static_cast<char>(std::toupper(c));
      all.push_back({service + "-db-url", env + "_DB_URL",
                     [service](const config& c) {
                       auto i = c.service_db_urls.find(service);
                       return i == c.service_db_urls.end() ? std::string{}
                                                           : i->second;
                     },
                     false, 0, 0});
    }
    return all;
  }();
  return result;
}

/// The temporary config file of this process, removed at exit.
const std::string& file_path() {
  static const std::string path = [] {
    auto p
      = (std::filesystem::temp_directory_path()
         / ("actorshop-fuzz-config-" + std::to_string(::getpid()) + ".ini"))
          .string();
    // Nothing from the fuzzer's own environment may leak into the layers.
    for (auto& opt : expected_options())
      ::unsetenv(opt.env.c_str());
    ::unsetenv("ACTORSHOP_CONFIG_FILE");
    return p;
  }();
  static const bool registered = [] {
    std::atexit([] { std::remove(file_path().c_str()); });
    return true;
  }();
  (void)registered;
  return path;
}

/// The input's three parts.
struct input {
  std::string ini;
  std::vector<std::string> args;
  /// The last value of each variable.
  std::map<std::string, std::string> env;
};

input split(std::string_view text) {
  input result;
  int part = 0;
  bool first_ini_line = true;
  for (auto line : split_lines(text)) {
    if (line == "%%" && part < 2) {
      ++part;
      continue;
    }
    if (part == 0) {
      if (!first_ini_line)
        result.ini += '\n';
      result.ini += line;
      first_ini_line = false;
      continue;
    }
    // argv and the environment hold C strings: they end at a NUL.
    line = line.substr(0, line.find('\0'));
    if (part == 1) {
      if (line.find("config-file") == std::string_view::npos)
        result.args.emplace_back(line);
    } else if (auto eq = line.find('='); eq != std::string_view::npos) {
      auto name = std::string{line.substr(0, eq)};
      if (name.rfind("ACTORSHOP_", 0) == 0 && name != "ACTORSHOP_CONFIG_FILE")
        result.env[name] = std::string{line.substr(eq + 1)};
    }
  }
  return result;
}

struct outcome {
  std::string error;
  bool help = false;
  std::map<std::string, std::string> values;
};

outcome load(const input& in) {
  std::vector<std::string> args{"actorshop", "--config-file=" + file_path()};
  args.insert(args.end(), in.args.begin(), in.args.end());
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  outcome result;
  config cfg;
  try {
    result.error = load_config(cfg, static_cast<int>(args.size()), argv.data(),
                               result.help);
  } catch (...) {
    violated(__FILE__, __LINE__, "load_config never throws");
  }
  if (!result.error.empty()) {
    FUZZ_CHECK(!result.help, "a rejected configuration does not claim to "
                             "have shown the help");
    return result;
  }
  if (result.help)
    return result;
  for (auto& opt : expected_options()) {
    auto value = opt.show(cfg);
    result.values[std::string{opt.name}] = value;
    if (opt.integer) {
      auto x = std::stoll(value);
      FUZZ_CHECK(x >= opt.min && x <= opt.max,
                 "an accepted integer option is within its documented range");
    } else if (opt.min > 0) {
      FUZZ_CHECK(!value.empty(), "an accepted required text is not empty");
    }
  }
  log::level level;
  log::format format;
  FUZZ_CHECK(log::parse_level(cfg.log_level, level)
               && log::parse_format(cfg.log_format, format),
             "an accepted log level and format are known ones");
  std::set<std::string> local;
  std::map<std::string, node_address> peers;
  FUZZ_CHECK(parse_services(cfg.services, local).empty()
               && local == cfg.place.local,
             "the placement's services are the services option");
  FUZZ_CHECK(parse_peers(cfg.peers, peers).empty()
               && peers.size() == cfg.place.peers.size(),
             "the placement's peers are the peers option");
  FUZZ_CHECK(check_placement(cfg.place).empty(),
             "an accepted placement places every service");
  FUZZ_CHECK(cfg.http || !cfg.place.local.empty(),
             "an accepted node serves HTTP or runs a service");
  return result;
}

/// The value an option given as text must have once accepted.
std::string normal(const expected_option& opt, const std::string& text) {
  if (!opt.integer)
    return text;
  auto digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
  return digits.empty() ? "0" : digits;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = split(as_text(data, size));
  {
    std::ofstream out{file_path(), std::ios::binary | std::ios::trunc};
    out << in.ini;
  }
  for (auto& [name, value] : in.env)
    ::setenv(name.c_str(), value.c_str(), 1);
  auto got = load(in);
  auto again = load(in);
  for (auto& [name, value] : in.env)
    ::unsetenv(name.c_str());
  FUZZ_CHECK(got.error == again.error && got.help == again.help
               && got.values == again.values,
             "load_config is deterministic");
  if (!got.error.empty() || got.help)
    return 0;
  for (auto& opt : expected_options()) {
    // The last command-line value wins, else the environment's.
    std::optional<std::string> given;
    auto prefix = "--" + opt.name + "=";
    for (auto& arg : in.args)
      if (arg.rfind(prefix, 0) == 0)
        given = arg.substr(prefix.size());
    if (auto i = in.env.find(opt.env);
        !given && i != in.env.end() && !i->second.empty())
      given = i->second;
    if (given)
      FUZZ_CHECK(got.values.at(std::string{opt.name}) == normal(opt, *given),
                 "an option given on the command line or in the environment "
                 "has that value");
  }
  return 0;
}
