#pragma once

// Secrets read from files: the token keys, the operator token, TLS keys.

#include <cstddef>
#include <string>

namespace shop {

/// Reads a secret from `path`: refuses a symbolic link, anything but a
/// regular file of this process' account, a file readable or writable by
/// group or others, or one shorter than `min_bytes`; `trim` drops trailing
/// whitespace (a text secret written with a newline). Returns the error
/// message, or empty with the secret in `out`.
std::string read_secret_file(const std::string& path, size_t min_bytes,
                             bool trim, std::string& out);

} // namespace shop
