// Fuzz target "wire_guard": the bytes are what a client sent on one
// connection (http/wire_guard.hpp), fed to the guard three ways: in one
// read, one byte per read, and in reads cut where a hash of the bytes says.
// Small limits (64-byte target, 256 header bytes, 8 fields, 128-byte body)
// let short inputs reach every refusal.
// - the verdict (refused or not, and the status) does not depend on how the
//   bytes were split;
// - scan() never lets through more bytes than it was given, nothing after a
//   refusal (it is sticky), and at least what one read lets through: the
//   complete messages before the refused one (which a fresh guard passes
//   whole), at most up to the byte where the refusal was decided;
// - the guard writes only "100 Continue" interim answers and, when it
//   refuses, one final answer last: the refusal's status line, Date,
//   Content-Type: application/json, a Content-Length equal to its JSON error
//   body (absent for HEAD) whose code belongs to the status, and
//   Connection: close.
// - the plain-request scanner changes nothing: a guard that parses every
//   message with http_parser passes the same bytes, writes the same (but for
//   the Date), ends every message at the same byte and refuses with the same
//   status, however the bytes are split.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/wire_guard.hpp"

using namespace shop::fuzz;
using namespace shop::http;

namespace {

const wire_limits limits = [] {
  wire_limits x;
  x.max_target_bytes = 64;
  x.max_header_bytes = 256;
  x.max_header_fields = 8;
  x.max_body_bytes = 128;
  return x;
}();

constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";

struct run {
  size_t passed = 0;
  uint16_t status = 0;
  std::string output;
  uint64_t ends = 0; // wire_guard::message_ends
};

/// Feeds `bytes` in reads ending at `cuts` (increasing, the last one
/// bytes.size()), writing the guard's output before each read as the server
/// does.
run feed(std::string_view bytes, const std::vector<size_t>& cuts,
         wire_guard::scanning mode = wire_guard::scanning::fast) {
  wire_guard guard{limits, mode};
  run r;
  size_t at = 0;
  for (auto cut : cuts) {
    r.output += guard.take_output();
    bool refused_before = guard.refused();
    auto status_before = guard.refusal_status();
    auto n = cut - at;
    auto passed = guard.scan(bytes.data() + at, n);
    FUZZ_CHECK(passed <= n, "scan() never passes more bytes than it got");
    if (refused_before) {
      FUZZ_CHECK(passed == 0, "nothing passes after a refusal");
      FUZZ_CHECK(guard.refused() && guard.refusal_status() == status_before,
                 "a refusal is sticky");
    }
    FUZZ_CHECK(guard.refused() == (guard.refusal_status() != 0),
               "refused() and refusal_status() agree");
    r.passed += passed;
    at = cut;
  }
  r.output += guard.take_output();
  FUZZ_CHECK(guard.take_output().empty(), "each answer is written once");
  r.status = guard.refusal_status();
  r.ends = guard.message_ends();
  return r;
}

/// `output` without its Date lines.
std::string without_date(std::string output) {
  for (auto at = output.find("\r\nDate: "); at != std::string::npos;
       at = output.find("\r\nDate: ", at)) {
    auto end = output.find("\r\n", at + 2);
    output.erase(at, end - at);
  }
  return output;
}

/// The JSON code of each refusal status.
std::string_view code_of(uint16_t status) {
  switch (status) {
    case 400:
      return "invalid_request";
    case 413:
      return "body_too_large";
    case 414:
      return "uri_too_long";
    case 417:
      return "expectation_failed";
    case 431:
      return "headers_too_large";
    case 505:
      return "http_version_not_supported";
    default:
      return {};
  }
}

/// Checks the output: interim answers, then the refusal if there is one.
void check_output(const run& r) {
  std::string_view out = r.output;
  while (out.substr(0, interim.size()) == interim)
    out.remove_prefix(interim.size());
  if (r.status == 0) {
    FUZZ_CHECK(out.empty(), "without a refusal the guard writes only "
                            "100 Continue");
    return;
  }
  FUZZ_CHECK(!code_of(r.status).empty(),
             "a refusal has one of the guard's statuses");
  auto status_line = "HTTP/1.1 " + std::to_string(r.status) + " "
                     + reason_phrase(r.status) + "\r\n";
  FUZZ_CHECK(out.substr(0, status_line.size()) == status_line,
             "the refusal starts with its status line");
  auto end = out.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string_view::npos, "the refusal has a header end");
  auto head = out.substr(0, end + 2);
  auto body = out.substr(end + 4);
  FUZZ_CHECK(head.find("\r\nDate: ") != std::string_view::npos
               && head.find("\r\nContent-Type: application/json\r\n")
                    != std::string_view::npos
               && head.find("\r\nConnection: close\r\n")
                    != std::string_view::npos,
             "the refusal has Date, Content-Type JSON and Connection: close");
  auto length_at = head.find("\r\nContent-Length: ");
  FUZZ_CHECK(length_at != std::string_view::npos,
             "the refusal has a Content-Length");
  auto length_text = head.substr(length_at + 18);
  length_text = length_text.substr(0, length_text.find("\r\n"));
  auto length = std::stoul(std::string{length_text});
  FUZZ_CHECK(length > 0 && (body.empty() || body.size() == length),
             "the refusal's body is Content-Length bytes (none for HEAD)");
  if (body.empty())
    return;
  auto view = read_body(body);
  FUZZ_CHECK(view.valid_json && view.is_object
               && view.fields.count("error") == 1
               && view.fields.at("error").text == code_of(r.status)
               && view.fields.count("message") == 1,
             "the refusal's body is the JSON error of its status");
}

std::vector<size_t> hashed_cuts(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (auto c : bytes)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::vector<size_t> cuts;
  auto pieces = 2 + h % 7;
  for (size_t i = 1; i < pieces && !bytes.empty(); ++i) {
    h ^= h << 13;
    h ^= h >> 7;
    h ^= h << 17;
    cuts.push_back(h % bytes.size());
  }
  cuts.push_back(bytes.size());
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = as_text(data, size);
  std::vector<size_t> bytewise;
  for (size_t i = 1; i <= size; ++i)
    bytewise.push_back(i);
  auto whole = feed(bytes, {size});
  auto split = feed(bytes, hashed_cuts(bytes));
  auto single = feed(bytes, bytewise);
  for (auto* r : {&whole, &split, &single})
    check_output(*r);
  const std::vector<std::vector<size_t>> splits{{size},
                                                hashed_cuts(bytes),
                                                bytewise};
  const run* fast[] = {&whole, &split, &single};
  for (size_t i = 0; i < splits.size(); ++i) {
    auto parsed = feed(bytes, splits[i], wire_guard::scanning::parser_only);
    FUZZ_CHECK(parsed.passed == fast[i]->passed
                 && parsed.status == fast[i]->status
                 && parsed.ends == fast[i]->ends
                 && without_date(parsed.output)
                      == without_date(fast[i]->output),
               "the plain-request scanner passes, writes and refuses what "
               "http_parser alone does");
  }
  FUZZ_CHECK(whole.status == split.status && whole.status == single.status,
             "the verdict does not depend on how the bytes were split");
  FUZZ_CHECK(whole.ends == split.ends && whole.ends == single.ends,
             "the messages end at the same bytes however they were split");
  FUZZ_CHECK(whole.passed <= split.passed && split.passed <= single.passed,
             "a split read passes at least the messages before the refused "
             "one and at most the bytes before the refusal");
  if (whole.passed < size) {
    // What one read let through is a run of complete messages.
    auto prefix = feed(bytes.substr(0, whole.passed), {whole.passed});
    FUZZ_CHECK(prefix.status == 0 && prefix.passed == whole.passed,
               "the messages before a refused one pass whole");
  }
  return 0;
}
