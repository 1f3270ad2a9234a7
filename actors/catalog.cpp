#include "actors/catalog.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "common/text.hpp"

namespace shop {

namespace {

constexpr std::string_view header = "item_id,name,price";

/// One field of a CSV line, as written (quotes removed).
struct field {
  std::string text;
  bool quoted = false;
};

using text::is_blank;
using text::trim;

/// Splits one line into fields. Returns an error message, empty on success.
std::string split_fields(std::string_view line, std::vector<field>& fields) {
  size_t pos = 0;
  for (;;) {
    field f;
    while (pos < line.size() && is_blank(line[pos]))
      ++pos;
    if (pos < line.size() && line[pos] == '"') {
      f.quoted = true;
      ++pos;
      for (;;) {
        if (pos == line.size())
          return "unterminated quoted field";
        if (line[pos] == '"') {
          if (pos + 1 < line.size() && line[pos + 1] == '"') {
            f.text += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        f.text += line[pos++];
      }
      while (pos < line.size() && is_blank(line[pos]))
        ++pos;
      if (pos < line.size() && line[pos] != ',')
        return "unexpected text after a closing quote";
    } else {
      auto end = std::min(line.find(',', pos), line.size());
      auto text = trim(line.substr(pos, end - pos));
      if (text.find('"') != std::string_view::npos)
        return "a quote inside an unquoted field (quote the whole field)";
      f.text = std::string{text};
      pos = end;
    }
    fields.emplace_back(std::move(f));
    if (pos == line.size())
      return {};
    ++pos; // the comma
  }
}

/// Parses a positive decimal id without overflowing. Returns 0 on failure.
item_id parse_id(std::string_view text) noexcept {
  if (text.empty())
    return 0;
  item_id result = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return 0;
    auto digit = c - '0';
    if (result > (std::numeric_limits<item_id>::max() - digit) / 10)
      return 0;
    result = result * 10 + digit;
  }
  return result;
}

/// Parses one item line. Returns an error message, empty on success.
std::string parse_item(std::string_view line, item& x) {
  std::vector<field> fields;
  if (auto err = split_fields(line, fields); !err.empty())
    return err;
  if (fields.size() != 3)
    return "expected 3 fields (item_id,name,price), found "
           + std::to_string(fields.size());
  x.id = fields[0].quoted ? 0 : parse_id(fields[0].text);
  if (x.id == 0)
    return "item_id '" + fields[0].text + "' is not a positive integer";
  x.name = std::move(fields[1].text);
  if (trim(x.name).empty())
    return "name must not be empty";
  for (auto c : x.name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "name contains a control character";
  auto price = parse_money(fields[2].text);
  if (!price.value)
    return "price '" + fields[2].text + "' " + to_string(price.error);
  x.price = *price.value;
  return {};
}

[[noreturn]] void fail(const std::string& source, size_t line,
                       const std::string& reason) {
  throw std::runtime_error(source + ":" + std::to_string(line) + ": " + reason);
}

} // namespace

std::vector<item> parse_catalog(std::istream& in, const std::string& source) {
  std::vector<item> result;
  std::unordered_set<item_id> ids;
  bool seen_header = false;
  size_t line_no = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view view = line;
    if (!view.empty() && view.back() == '\r')
      view.remove_suffix(1);
    auto content = trim(view);
    if (content.empty() || content.front() == '#')
      continue;
    if (!seen_header) {
      if (content != header)
        fail(source, line_no,
             "expected the header '" + std::string{header} + "'");
      seen_header = true;
      continue;
    }
    item x;
    if (auto err = parse_item(view, x); !err.empty())
      fail(source, line_no, err);
    if (!ids.insert(x.id).second)
      fail(source, line_no, "duplicate item_id " + std::to_string(x.id));
    result.emplace_back(std::move(x));
  }
  if (in.bad())
    throw std::runtime_error(source + ": read error");
  if (!seen_header)
    throw std::runtime_error(source + ": missing the header '"
                             + std::string{header} + "'");
  if (result.empty())
    throw std::runtime_error(source + ": the catalog has no items");
  std::sort(result.begin(), result.end(),
            [](const item& a, const item& b) { return a.id < b.id; });
  return result;
}

std::vector<item> load_catalog(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw std::runtime_error(
      path + ": cannot open the catalog: " + std::strerror(errno));
  return parse_catalog(in, path);
}

} // namespace shop
