#include "storage/schema.hpp"

#include <string_view>

namespace shop {

const std::vector<std::string>& service_schemas() {
  static const std::vector<std::string> result = [] {
    std::vector<std::string> names;
    for (auto name = schema_names(); *name != nullptr; ++name)
      if (std::string_view{*name} != "reliability")
        names.emplace_back(*name);
    return names;
  }();
  return result;
}

} // namespace shop
