// Fuzz target "catalog": the bytes are a catalog CSV file
// (actors/catalog.hpp).
// - parse_catalog either returns items or throws std::runtime_error
//   "source:line: reason" (or "source: reason") naming a line of the input;
//   never another exception, never a partial catalog; deterministic;
// - an accepted catalog is non-empty, sorted by strictly increasing positive
//   ids; every name is non-blank without control characters and every price
//   within (0, max];
// - it survives a round trip: written back as CSV (names quoted, prices as
//   to_string prints them) it parses to the same items.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/catalog.hpp"
#include "fuzz_support.hpp"

using namespace shop;
using namespace shop::fuzz;

namespace {

const std::string source = "fuzz.csv";

struct outcome {
  std::vector<item> items;
  std::string error;
};

outcome parse(const std::string& text) {
  std::istringstream in{text};
  try {
    return {parse_catalog(in, source), {}};
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    FUZZ_CHECK(!what.empty(), "a catalog error explains itself");
    return {{}, what};
  } catch (...) {
    violated(__FILE__, __LINE__,
             "parse_catalog throws only std::runtime_error");
  }
}

bool same_items(const std::vector<item>& a, const std::vector<item>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const item& x, const item& y) {
                      return x.id == y.id && x.name == y.name
                             && x.price == y.price;
                    });
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (auto c : name) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + '"';
}

/// The line an error names: "fuzz.csv:<line>: ...", or 0 for an error
/// about the whole file ("fuzz.csv: ...").
size_t line_of(const std::string& error) {
  FUZZ_CHECK(error.compare(0, source.size(), source) == 0
               && error.size() > source.size() + 1
               && error[source.size()] == ':',
             "a catalog error starts with the source name");
  size_t line = 0;
  size_t i = source.size() + 1;
  for (; i < error.size() && error[i] >= '0' && error[i] <= '9'; ++i)
    line = line * 10 + static_cast<size_t>(error[i] - '0');
  FUZZ_CHECK(i < error.size() && error[i] == (line > 0 ? ':' : ' '),
             "a catalog error names a line or the whole file");
  return line;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text{as_text(data, size)};
  auto got = parse(text);
  auto again = parse(text);
  FUZZ_CHECK(got.error == again.error && same_items(got.items, again.items),
             "parse_catalog is deterministic");
  if (!got.error.empty()) {
    FUZZ_CHECK(got.items.empty(), "a rejected catalog yields no items");
    auto lines
      = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    FUZZ_CHECK(line_of(got.error) <= lines,
               "a catalog error names a line of the input");
    return 0;
  }
  FUZZ_CHECK(!got.items.empty(), "an accepted catalog has items");
  int64_t previous = 0;
  std::string csv = "item_id,name,price\n";
  for (auto& x : got.items) {
    FUZZ_CHECK(x.id > previous, "items are sorted by unique positive ids");
    previous = x.id;
    FUZZ_CHECK(x.name.find_first_not_of(" \t") != std::string::npos,
               "an item's name is not blank");
    FUZZ_CHECK(std::none_of(x.name.begin(), x.name.end(),
                            [](char c) {
                              auto u = static_cast<unsigned char>(c);
                              return u < 0x20 || u == 0x7f;
                            }),
               "an item's name has no control characters");
    FUZZ_CHECK(x.price.cents() > 0 && x.price.cents() <= money::max_cents,
               "an item's price is within (0, max]");
    csv += std::to_string(x.id) + "," + quoted(x.name) + ","
           + to_string(x.price) + "\n";
  }
  auto back = parse(csv);
  FUZZ_CHECK(back.error.empty() && same_items(back.items, got.items),
             "an accepted catalog written back as CSV parses to the same "
             "items");
  return 0;
}
