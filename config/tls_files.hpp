#pragma once

// Checks of the TLS files a node is configured with, at start: a node that
// cannot complete a handshake should not start at all (CAF's OpenSSL module
// reads the files again for every connection and aborts the process when
// they fail to load, and a front without a usable key would fail every
// client). Nothing here keeps a file's content: the key is read, checked and
// wiped.

#include <chrono>
#include <string>

namespace shop {

/// What the check of one certificate, key and CA found.
struct tls_files_report {
  /// Why the files cannot be used; empty when they can.
  std::string error;
  /// Something an operator should act on soon (the certificate expires in
  /// less than `expiry_warning`); empty when nothing.
  std::string warning;
  /// The certificate's subject, for the start-up line.
  std::string subject;
};

/// How early a certificate's end gets a warning at start.
inline constexpr std::chrono::hours expiry_warning{24 * 30};

/// Checks that `cert` holds a PEM certificate (chain) that is valid now,
/// `key` (a regular file of this account, mode 0600 or stricter) its private
/// key, and, when `ca` is not empty, that a CA in `ca` signed it for both TLS
/// client and server use (the node port's mutual TLS: every node is both).
tls_files_report check_tls_files(const std::string& cert,
                                 const std::string& key, const std::string& ca);

} // namespace shop
