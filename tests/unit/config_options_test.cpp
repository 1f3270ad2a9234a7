// The option table (config/options.hpp) is the one declaration of
// actorshop's options; README's configuration table and
// config/actorshop.ini.sample must list exactly its options, no fewer and no
// more.

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "actors/placement.hpp"
#include "config/config.hpp"
#include "config/options.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& relative_path) {
  std::ifstream in{std::string{ACTORSHOP_TEST_SOURCE_DIR} + "/"
                   + relative_path};
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << relative_path);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

std::string joined(const std::set<std::string>& names) {
  std::string result;
  for (auto& name : names)
    result += (result.empty() ? "" : ", ") + name;
  return result.empty() ? "none" : result;
}

/// Checks that `listed` (from `where`) holds exactly `expected`, each once.
void check_same_names(const std::set<std::string>& expected,
                      const std::multiset<std::string>& listed,
                      const std::string& where) {
  std::set<std::string> missing;
  std::set<std::string> extra;
  std::set<std::string> twice;
  for (auto& name : expected)
    if (listed.count(name) == 0)
      missing.insert(name);
  for (auto& name : listed) {
    if (expected.count(name) == 0)
      extra.insert(name);
    if (listed.count(name) > 1)
      twice.insert(name);
  }
  BOOST_TEST(missing.empty(), where << " lacks options: " << joined(missing));
  BOOST_TEST(extra.empty(),
             where << " lists options that do not exist: " << joined(extra));
  BOOST_TEST(twice.empty(), where << " lists options twice: " << joined(twice));
}

std::set<std::string> table_names() {
  std::set<std::string> result;
  for (auto& opt : shop::options())
    result.insert(opt.name);
  return result;
}

/// The rows "| `--name=` | `VARIABLE` | ..." of README's "## Configuration".
std::multimap<std::string, std::string> readme_rows() {
  static const std::regex row{R"(^\| `--([a-z0-9-]+)=` \| `([A-Z0-9_]+)` \|)"};
  std::multimap<std::string, std::string> result;
  bool inside = false;
  for (auto& line : lines_of("README.md")) {
    if (line.rfind("## ", 0) == 0)
      inside = line == "## Configuration";
    std::smatch m;
    if (inside && std::regex_search(line, m, row))
      result.emplace(m[1], m[2]);
    else if (inside && line.rfind("| `-", 0) == 0)
      BOOST_ERROR(
        "README row not of the form | `--name=` | `VARIABLE` |: " << line);
  }
  return result;
}

/// The keys of the sample's [global] section, set or commented out
/// ("; db-url = ..."), up to the next section header, commented or not.
std::multiset<std::string> sample_keys() {
  static const std::regex key{R"(^(;\s*)?([a-z][a-z0-9-]*)\s*=)"};
  static const std::regex section{R"(^(;\s*)?\[)"};
  std::multiset<std::string> result;
  bool inside = false;
  for (auto& line : lines_of("config/actorshop.ini.sample")) {
    if (std::regex_search(line, section)) {
      inside = line == "[global]";
      continue;
    }
    std::smatch m;
    if (inside && std::regex_search(line, m, key))
      result.insert(m[2]);
  }
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(config_options)

BOOST_AUTO_TEST_CASE(names_and_variables_are_unique) {
  std::set<std::string> names;
  std::set<std::string> variables;
  for (auto& opt : shop::options()) {
    BOOST_TEST(names.insert(opt.name).second, opt.name);
    BOOST_TEST(variables.insert(opt.env).second, opt.env);
    BOOST_TEST(shop::find_option(opt.name) == &opt, opt.name);
  }
  BOOST_TEST(shop::find_option("config-file") == nullptr);
}

BOOST_AUTO_TEST_CASE(every_service_has_its_database_option) {
  for (auto& service : shop::service_names()) {
    auto opt = shop::find_option(service + "-db-url");
    BOOST_TEST_REQUIRE(opt != nullptr, service);
    std::string upper;
    for (auto c : service)
      upper += static_cast<char>(std::toupper(c));
    BOOST_TEST(opt->env == "ACTORSHOP_" + upper + "_DB_URL");
    shop::config cfg;
    int64_t ignored = 0;
    BOOST_TEST(shop::check(*opt, "dbname=" + service, ignored) == "");
    opt->assign(cfg, "dbname=" + service, 0);
    BOOST_TEST(opt->show(cfg) == "dbname=" + service);
    BOOST_TEST(cfg.db_url_for(service) == "dbname=" + service);
  }
  shop::config cfg;
  BOOST_TEST(cfg.services == shop::all_services());
}

BOOST_AUTO_TEST_CASE(readme_lists_exactly_the_options) {
  auto rows = readme_rows();
  std::multiset<std::string> listed;
  for (auto& [name, variable] : rows)
    listed.insert(name);
  // --config-file chooses the file; it is no option of the table.
  auto expected = table_names();
  expected.insert("config-file");
  check_same_names(expected, listed, "README.md's configuration table");
  for (auto& [name, variable] : rows) {
    auto opt = shop::find_option(name);
    if (!opt && name != "config-file")
      continue; // reported above
    auto env = opt ? opt->env : std::string{"ACTORSHOP_CONFIG_FILE"};
    BOOST_TEST(variable == env, "README row --" << name << " names " << variable
                                                << ", the option reads "
                                                << env);
  }
}

BOOST_AUTO_TEST_CASE(the_sample_lists_exactly_the_options) {
  check_same_names(table_names(), sample_keys(),
                   "config/actorshop.ini.sample's [global] section");
}

BOOST_AUTO_TEST_SUITE_END()
