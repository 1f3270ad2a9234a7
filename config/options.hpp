#pragma once

// actorshop's own options, each declared once (config/options.cpp): its
// name, environment variable, range or syntax, --help text and the member
// of `config` it sets. load_config layers and validates them, config's
// constructor declares them to CAF, --help lists them, and a unit test
// keeps README's table and config/actorshop.ini.sample in step with them.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/fwd.hpp>

namespace shop {

class config;

/// One of actorshop's own options.
struct option {
  /// The long name: --http-port on the command line, http-port in the file.
  std::string name;
  /// The environment variable: ACTORSHOP_ and the name in upper case,
  /// dashes as underscores.
  std::string env;
  /// The value placeholder in --help: <1..65535>, <url>, ...
  std::string type;
  /// The --help text, one sentence without the final period.
  std::string description;
  /// Integer options accept decimal digits only, within [min, max]; text
  /// options accept any string, non-empty when min > 0, that `syntax`
  /// accepts.
  bool integer = false;
  int64_t min = 0;
  int64_t max = 0;
  /// A text option's own syntax: the reason `text` is invalid, or "".
  /// Empty for free text.
  std::function<std::string(const std::string& text)> syntax;
  /// Stores a validated value (its text and, for integers, its value).
  std::function<void(config&, const std::string& text, int64_t value)> assign;
  /// The current value as text, as the command line would give it.
  std::function<std::string(const config&)> show;
  /// Declares the option to CAF's parser (the file's [global] section,
  /// --long-help, --dump-config); a no-op for an option CAF cannot read.
  std::function<void(config&, caf::config_option_adder&)> bind;
};

/// Every option of actorshop, in the order --help lists them.
const std::vector<option>& options();

/// The option called `name`, or nullptr.
const option* find_option(std::string_view name);

/// Checks `text` against `opt`; returns the reason it is invalid, or an
/// empty string (and the integer in `value`).
std::string check(const option& opt, const std::string& text, int64_t& value);

/// All services, comma-separated: the default of --services.
std::string all_services();

} // namespace shop
