// Log lines escape every control character of the values they carry
// (common/log.hpp, escape()): a client's request target, email or header
// can neither end a line, forge another one, nor reach a terminal as an
// escape sequence, in the text format and in logfmt.

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <stdlib.h>
#include <unistd.h>

#include "common/log.hpp"

namespace lg = shop::log;

namespace {

/// What `f` writes to stderr (where log lines go), as text.
template <class F>
std::string stderr_of(F f) {
  char path[] = "/tmp/actorshop-log-test-XXXXXX";
  int fd = ::mkstemp(path);
  BOOST_TEST_REQUIRE(fd >= 0);
  std::fflush(stderr);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  f();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  ::unlink(path);
  return ss.str();
}

/// Sets the log level and format for one test, and restores them.
struct log_settings {
  lg::level before = lg::current_level();
  log_settings(lg::format f) {
    lg::set_level(lg::level::debug);
    lg::set_format(f);
  }
  ~log_settings() {
    lg::set_level(before);
    lg::set_format(lg::format::text);
  }
};

/// Every byte of `line` but its final line feed is printable ASCII or
/// part of a multi-byte UTF-8 character of at least U+00A0.
bool one_clean_line(const std::string& line) {
  if (line.empty() || line.back() != '\n')
    return false;
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x20 || c == 0x7F)
      return false;
    if (c == 0xC2 && i + 2 < line.size()
        && static_cast<unsigned char>(line[i + 1]) <= 0x9F)
      return false;
  }
  return true;
}

// What a client might send: a line break that forges a second line, an
// ANSI escape sequence, NUL, DEL, a C1 CSI, invalid UTF-8.
const std::string hostile = std::string{"/x\nINFO [http] forged\r\t"} + '\0'
                            + "\x1b[31m\x7f\xc2\x9b\xff\xc3\xa9";
const std::string hostile_escaped
  = "/x\\nINFO [http] forged\\r\\t\\x00\\x1b[31m\\x7f\\xc2\\x9b\\xff\xc3\xa9";

} // namespace

BOOST_AUTO_TEST_SUITE(log_escaping)

BOOST_AUTO_TEST_CASE(control_characters_are_escaped) {
  using lg::escape;
  BOOST_TEST(escape("plain text, 100% = fine") == "plain text, 100% = fine");
  BOOST_TEST(escape("a\nb") == "a\\nb");
  BOOST_TEST(escape("a\r\nb") == "a\\r\\nb");
  BOOST_TEST(escape("a\tb") == "a\\tb");
  BOOST_TEST(escape(std::string_view{"a\0b", 3}) == "a\\x00b");
  BOOST_TEST(escape("\x01\x1f\x7f") == "\\x01\\x1f\\x7f");
  BOOST_TEST(escape("\x1b[2J") == "\\x1b[2J");
  // A backslash is doubled: every escape in a line stands for one byte.
  BOOST_TEST(escape("a\\nb") == "a\\\\nb");
  BOOST_TEST(escape(hostile) == hostile_escaped);
  // Every byte below 0x20 and DEL, one by one.
  for (int c = 0; c < 0x20; ++c) {
    auto out = escape(std::string(1, static_cast<char>(c)));
    BOOST_TEST(out.size() >= 2u, "byte " << c);
    BOOST_TEST(out[0] == '\\', "byte " << c);
  }
}

BOOST_AUTO_TEST_CASE(utf8_passes_and_c1_and_invalid_bytes_are_escaped) {
  using lg::escape;
  // Valid UTF-8 (é, €, a 4-byte emoji, a no-break space) as is.
  BOOST_TEST(escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0")
             == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0");
  // C1 controls U+0080..U+009F: both bytes escaped.
  BOOST_TEST(escape("\xc2\x80") == "\\xc2\\x80");
  BOOST_TEST(escape("\xc2\x9b"
                    "31m")
             == "\\xc2\\x9b"
                "31m");
  // Bytes that are no UTF-8: a lone continuation byte, a truncated
  // sequence, an overlong one, a surrogate, beyond U+10FFFF, 0xFF.
  BOOST_TEST(escape("\x9b") == "\\x9b");
  BOOST_TEST(escape("\xe2\x82") == "\\xe2\\x82");
  BOOST_TEST(escape("\xc0\x8a") == "\\xc0\\x8a");
  BOOST_TEST(escape("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  BOOST_TEST(escape("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  BOOST_TEST(escape("\xff") == "\\xff");
}

BOOST_AUTO_TEST_CASE(text_lines_escape_the_message_and_every_field) {
  log_settings s{lg::format::text};
  auto out = stderr_of([] {
    lg::write_fields(lg::level::info, "http", "request",
                     {{"route", hostile}, {"email", "a@b\n.c"}});
    lg::debug_fields("users", "user registered", [](auto write) {
      write({{"name", std::string{"Ann\r\nDEBUG forged"}}});
    });
    lg::warning("http", "answering 503 for {}", hostile);
  });
  std::istringstream lines{out};
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    BOOST_TEST(one_clean_line(line + '\n'), line);
  }
  BOOST_TEST(n == 3, out);
  BOOST_TEST(out.find(" route=" + hostile_escaped + " email=a@b\\n.c\n")
               != std::string::npos,
             out);
  BOOST_TEST(out.find(" name=Ann\\r\\nDEBUG forged\n") != std::string::npos,
             out);
  BOOST_TEST(out.find("answering 503 for " + hostile_escaped + "\n")
               != std::string::npos,
             out);
}

BOOST_AUTO_TEST_CASE(logfmt_lines_quote_and_escape_every_field) {
  log_settings s{lg::format::logfmt};
  auto out = stderr_of([] {
    lg::write_fields(lg::level::info, "http", "req\nuest",
                     {{"route", hostile},
                      {"plain", "/items"},
                      {"email", "a\"b@c"},
                      {"ctl", "\x01"}});
    lg::error("http", "failed: {}", "x\ny");
  });
  std::istringstream lines{out};
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    BOOST_TEST(one_clean_line(line + '\n'), line);
  }
  BOOST_TEST(n == 2, out);
  BOOST_TEST(out.find("msg=\"req\\nuest\" route=\"" + hostile_escaped
                      + "\" plain=/items email=\"a\\\"b@c\" ctl=\"\\x01\"\n")
               != std::string::npos,
             out);
  BOOST_TEST(out.find("level=error service=http msg=\"failed: x\\ny\"\n")
               != std::string::npos,
             out);
}

BOOST_AUTO_TEST_SUITE_END()
