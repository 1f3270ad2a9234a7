#pragma once

// The catalog Orders sells, read once at start-up from a CSV file
// (config/catalog.csv):
//
//   # comment
//   item_id,name,price
//   1,Laptop,1500.00
//   4,"Cable, USB-C",9.99
//
// The first line that is neither blank nor a comment must be exactly the
// header `item_id,name,price`. Each further line is one item: a positive,
// unique id; a non-empty name, optionally in double quotes (then it may hold
// commas, and "" stands for one quote); a price as accepted by parse_money.
// Spaces around a field are ignored. Lines may end in CRLF.

#include <iosfwd>
#include <string>
#include <vector>

#include "domain/types.hpp"

namespace shop {

/// Parses a catalog. `source` names the input in error messages. Returns the
/// items sorted by id. Throws std::runtime_error "source:line: reason" on the
/// first mistake; an empty catalog is a mistake too.
std::vector<item> parse_catalog(std::istream& in,
                                const std::string& source = "catalog");

/// Reads and parses the catalog file at `path`. Throws std::runtime_error
/// naming the file (and line) when it cannot be read or parsed.
std::vector<item> load_catalog(const std::string& path);

} // namespace shop
