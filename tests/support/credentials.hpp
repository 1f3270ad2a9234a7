#pragma once

// The secrets a test's actorshop runs with (docs/security.md): a token key
// and an operator token, written once per test process to files of mode 0600
// (actorshop refuses others), and the options that point at them.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace shop::test {

/// The files and the operator's secret. Made on first use; the directory
/// is removed by the OS's tmp cleaning (the secrets are throwaway).
class test_credentials {
public:
  static const test_credentials& get() {
    static const test_credentials instance;
    return instance;
  }

  /// The operator's bearer secret (64 hex digits).
  const std::string& operator_token() const noexcept {
    return operator_token_;
  }

  const std::string& token_key_file() const noexcept {
    return key_file_;
  }

  const std::string& operator_token_file() const noexcept {
    return operator_file_;
  }

  /// Writes another key file (32 random bytes, mode 0600), e.g. for a
  /// rotation; returns its path.
  std::string new_key_file(const std::string& name) const {
    auto path = (dir_ / name).string();
    write(path, random_bytes(32));
    return path;
  }

  /// --token-key-file, --operator-token-file and the cheapest password hash.
  std::vector<std::string> options() const {
    return {"--token-key-file=" + key_file_,
            "--operator-token-file=" + operator_file_,
            "--password-hash-cost=minimum"};
  }

private:
  test_credentials() {
    dir_ = std::filesystem::temp_directory_path()
           / ("actorshop-test-secrets-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ::chmod(dir_.c_str(), 0700);
    key_file_ = new_key_file("token.key");
    static const char* hex = "0123456789abcdef";
    for (auto b : random_bytes(32)) {
      operator_token_ += hex[static_cast<unsigned char>(b) >> 4];
      operator_token_ += hex[static_cast<unsigned char>(b) & 15];
    }
    operator_file_ = (dir_ / "operator-token").string();
    write(operator_file_, operator_token_);
  }

  static std::string random_bytes(size_t n) {
    std::random_device rd;
    std::string result;
    for (size_t i = 0; i < n; ++i)
      result += static_cast<char>(rd() & 0xFF);
    return result;
  }

  static void write(const std::string& path, const std::string& data) {
    std::filesystem::remove(path);
    auto old = ::umask(077);
    {
      std::ofstream out{path, std::ios::binary};
      out << data;
    }
    ::umask(old);
    ::chmod(path.c_str(), 0600);
  }

  std::filesystem::path dir_;
  std::string key_file_;
  std::string operator_file_;
  std::string operator_token_;
};

} // namespace shop::test
