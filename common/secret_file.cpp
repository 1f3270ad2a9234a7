#include "common/secret_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shop {

std::string read_secret_file(const std::string& path, size_t min_bytes,
                             bool trim_text, std::string& out) {
  // Opened once, without following a symlink, and checked on the open
  // descriptor: what is checked is what is read.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return fmt::format("cannot read {}: {}", path,
                       errno == ELOOP ? "it is a symbolic link"
                                      : std::strerror(errno));
  struct closer {
    int fd;
    ~closer() {
      ::close(fd);
    }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fmt::format("cannot read {}: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fmt::format("{} is not a regular file", path);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return fmt::format("{} is accessible by group or others (mode {:04o}): "
                       "chmod 600 it",
                       path, st.st_mode & 07777);
  if (st.st_uid != ::geteuid())
    return fmt::format("{} belongs to another account (uid {})", path,
                       st.st_uid);
  std::string text;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fmt::format("cannot read {}: {}", path, std::strerror(errno));
    if (n == 0)
      break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 65536)
      return fmt::format("{} is larger than 64 KiB", path);
  }
  sodium_memzero(buf, sizeof buf);
  if (trim_text)
    text.erase(text.find_last_not_of(" \t\r\n") + 1);
  if (text.size() < min_bytes) {
    sodium_memzero(text.data(), text.size());
    return fmt::format("{} holds {} bytes, fewer than the {} required", path,
                       text.size(), min_bytes);
  }
  out = std::move(text);
  return {};
}

} // namespace shop
