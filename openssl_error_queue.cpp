// Part of the actorshop executable, not of the core library: it replaces
// four OpenSSL functions for the whole process.
//
// OpenSSL requires the calling thread's error queue to be empty before
// SSL_read, SSL_write, SSL_connect or SSL_accept; otherwise SSL_get_error
// reports an old error for a call that merely would block (SSL_get_error(3)).
// CAF 0.17's OpenSSL module (libcaf_openssl, the node port's mutual TLS)
// never empties it: it only does when logging, which Debian's build compiles
// out. So the first failed TLS connection on the middleman's thread (a peer
// killed, a client refused for want of a certificate) left its error behind,
// and the next would-block read of ANOTHER connection looked fatal and was
// closed: one node's death, or one stranger knocking, cut the links between
// the other nodes (seen in the cluster suite; tests/cluster/node_tls_test.cpp
// checks that it no longer happens). Each wrapper empties the queue and calls
// OpenSSL's own function. For every other caller (asio, libpq) this is what
// they do themselves before each call.

#include <cstdio>
#include <cstdlib>

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F next_definition(const char* name) {
  auto fn = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
  if (fn == nullptr) {
    std::fprintf(stderr, "actorshop: OpenSSL's %s not found\n", name);
    std::abort();
  }
  return fn;
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real
    = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real
    = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"
