#pragma once

// Shell commands the tests run as an operator would (curl, openssl): their
// exit code and what they printed on standard output.

#include <cstdio>
#include <string>

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

namespace shop::test {

/// The exit code (-1 when killed by a signal) and the output of a command.
struct command_result {
  int exit_code = -1;
  std::string output;
};

/// Runs `cmd` with /bin/sh; add `2>&1` to capture standard error too.
inline command_result run_command(const std::string& cmd) {
  command_result result;
  auto* pipe = ::popen(cmd.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr, "cannot run " << cmd);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    result.output.append(buf, n);
  auto status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

} // namespace shop::test
