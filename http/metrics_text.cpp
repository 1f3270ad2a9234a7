#include "http/metrics_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace shop::http {

namespace {

void escape_into(std::string& out, const std::string& text, bool quotes) {
  for (auto c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quotes && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

/// `{a="x",b="y"}` (nothing without labels), with `extra` last (le=...).
std::string label_text(const metrics::labels& tags,
                       const std::string& extra = {}) {
  if (tags.empty() && extra.empty())
    return {};
  std::string out = "{";
  bool first = true;
  for (auto& [name, value] : tags) {
    if (!first)
      out += ',';
    first = false;
    out += name;
    out += "=\"";
    escape_into(out, value, true);
    out += '"';
  }
  if (!extra.empty()) {
    if (!first)
      out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

const char* type_name(metrics::kind k) {
  switch (k) {
    case metrics::kind::counter:
      return "counter";
    case metrics::kind::gauge:
      return "gauge";
    case metrics::kind::histogram:
      return "histogram";
  }
  return "untyped";
}

} // namespace

std::string to_prometheus(const std::vector<metrics::family_view>& families) {
  std::string out;
  for (auto& fam : families) {
    out += "# HELP ";
    out += fam.name;
    out += ' ';
    escape_into(out, fam.help, false);
    out += "\n# TYPE ";
    out += fam.name;
    out += ' ';
    out += type_name(fam.type);
    out += '\n';
    for (auto& s : fam.samples) {
      if (s.c != nullptr) {
        out += fmt::format("{}{} {}\n", fam.name, label_text(s.tags),
                           s.c->value());
      } else if (s.g != nullptr) {
        out += fmt::format("{}{} {}\n", fam.name, label_text(s.tags),
                           s.g->value());
      } else if (s.h != nullptr) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < metrics::histogram::bounds.size(); ++i) {
          cumulative += s.h->bucket(i);
          out += fmt::format("{}_bucket{} {}\n", fam.name,
                             label_text(s.tags, fmt::format("le=\"{}\"",
                                                            metrics::histogram::
                                                              bounds[i])),
                             cumulative);
        }
        // An observation in flight may be in its bucket but not yet in the
        // count: +Inf never shows less than the buckets below it.
        auto count = std::max(s.h->count(), cumulative);
        out += fmt::format("{}_bucket{} {}\n", fam.name,
                           label_text(s.tags, "le=\"+Inf\""), count);
        out += fmt::format("{}_sum{} {}\n", fam.name, label_text(s.tags),
                           s.h->sum());
        out += fmt::format("{}_count{} {}\n", fam.name, label_text(s.tags),
                           count);
      }
    }
  }
  return out;
}

} // namespace shop::http
