#pragma once

// Reading the YAML contracts in docs/ and checking JSON against the schemas
// they hold: the subset of JSON Schema the contracts use ($ref into
// components/schemas, oneOf, type, required, properties, items, enum, minimum,
// maximum). A mismatch is reported as a path and a reason.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace shop::test {

/// Loads docs/<name> from the source tree (ACTORSHOP_SOURCE_DIR, or the
/// compile-time source directory when unset).
inline YAML::Node load_contract(const std::string& name) {
  const char* dir = std::getenv("ACTORSHOP_SOURCE_DIR");
  std::string root = dir != nullptr ? dir : ACTORSHOP_TEST_SOURCE_DIR;
  return YAML::LoadFile(root + "/docs/" + name);
}

class schema_checker {
public:
  explicit schema_checker(YAML::Node doc) : doc_(std::move(doc)) {
  }

  /// Every way `value` breaks `schema`, as "path: reason" lines.
  std::vector<std::string> check(const YAML::Node& schema,
                                 const nlohmann::json& value,
                                 const std::string& path = "$") const {
    std::vector<std::string> problems;
    visit(schema, value, path, problems);
    return problems;
  }

private:
  YAML::Node resolve(YAML::Node schema) const {
    while (schema["$ref"]) {
      auto ref = schema["$ref"].as<std::string>();
      const std::string prefix = "#/components/schemas/";
      if (ref.rfind(prefix, 0) != 0)
        throw std::runtime_error("unsupported $ref " + ref);
      // reset(), not =: assigning to a YAML::Node writes through to the
      // node it refers to (here: the document).
      schema.reset(doc_["components"]["schemas"][ref.substr(prefix.size())]);
      if (!schema)
        throw std::runtime_error("dangling $ref " + ref);
    }
    return schema;
  }

  static bool has_type(const std::string& type, const nlohmann::json& v) {
    if (type == "object")
      return v.is_object();
    if (type == "array")
      return v.is_array();
    if (type == "string")
      return v.is_string();
    if (type == "integer")
      return v.is_number_integer();
    if (type == "number")
      return v.is_number();
    if (type == "boolean")
      return v.is_boolean();
    return false;
  }

  void visit(YAML::Node schema, const nlohmann::json& v,
             const std::string& path,
             std::vector<std::string>& problems) const {
    schema.reset(resolve(schema));
    if (auto alternatives = schema["oneOf"]) {
      size_t matching = 0;
      for (auto alt : alternatives) {
        std::vector<std::string> mine;
        visit(alt, v, path, mine);
        matching += mine.empty() ? 1 : 0;
      }
      if (matching != 1)
        problems.push_back(path + ": " + v.dump() + " matches "
                           + std::to_string(matching)
                           + " of the oneOf alternatives");
      return;
    }
    if (auto type = schema["type"]) {
      auto t = type.as<std::string>();
      if (!has_type(t, v)) {
        problems.push_back(path + ": expected " + t + ", got " + v.dump());
        return;
      }
    }
    if (auto values = schema["enum"]) {
      bool found = false;
      for (auto e : values)
        found = found || (v.is_string() && e.as<std::string>() == v);
      if (!found)
        problems.push_back(path + ": " + v.dump() + " is not in the enum");
    }
    if (v.is_number()) {
      if (auto min = schema["minimum"];
          min && v.get<double>() < min.as<double>())
        problems.push_back(path + ": below the minimum");
      if (auto max = schema["maximum"];
          max && v.get<double>() > max.as<double>())
        problems.push_back(path + ": above the maximum");
    }
    if (v.is_object()) {
      for (auto r : schema["required"])
        if (!v.contains(r.as<std::string>()))
          problems.push_back(path + ": missing " + r.as<std::string>());
      auto props = schema["properties"];
      for (auto& [key, item] : v.items()) {
        if (!props || !props[key]) {
          problems.push_back(path + ": undocumented field " + key);
          continue;
        }
        visit(props[key], item, path + "." + key, problems);
      }
    }
    if (v.is_array() && schema["items"])
      for (size_t i = 0; i < v.size(); ++i)
        visit(schema["items"], v[i], path + "[" + std::to_string(i) + "]",
              problems);
  }

  YAML::Node doc_;
};

} // namespace shop::test
