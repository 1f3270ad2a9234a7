#pragma once

// Field values from their text, wherever the text comes from (a JSON
// string, a JSON number's literal, a query parameter): the rules of
// http/request_parsing.hpp for ids, ranged integers, emails and names.

#include <cstdint>
#include <string>
#include <string_view>

#include "http/parsed.hpp"

namespace shop::http {

/// A positive id from its decimal text; `field` names it in the error.
parsed<int64_t> parse_id_text(std::string_view text, const std::string& field);

/// An integer in [lo, hi] from its decimal text; `field` names it in the
/// error.
parsed<int64_t> parse_ranged_text(std::string_view text,
                                  const std::string& field, int64_t lo,
                                  int64_t hi);

/// A normalized (trimmed) email address.
parsed<std::string> parse_email(std::string_view text);

/// A normalized (trimmed) user name.
parsed<std::string> parse_name(std::string_view text);

} // namespace shop::http
