#include "config/tls_files.hpp"

#include <ctime>
#include <memory>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "common/secret_file.hpp"

namespace shop {

namespace {

template <class T, void (*Free)(T*)>
struct openssl_free {
  void operator()(T* ptr) const noexcept {
    Free(ptr);
  }
};

using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO, BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, openssl_free<X509, X509_free>>;
using pkey_ptr
  = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY, EVP_PKEY_free>>;
using store_ptr
  = std::unique_ptr<X509_STORE, openssl_free<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr
  = std::unique_ptr<X509_STORE_CTX,
                    openssl_free<X509_STORE_CTX, X509_STORE_CTX_free>>;

void free_chain(STACK_OF(X509) * chain) {
  sk_X509_pop_free(chain, X509_free);
}
using chain_ptr
  = std::unique_ptr<STACK_OF(X509), openssl_free<STACK_OF(X509), free_chain>>;

std::string render(const ASN1_TIME* when) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  if (!out || ASN1_TIME_print(out.get(), when) != 1)
    return "?";
  char* data = nullptr;
  auto n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

/// Refuses to decrypt: a node key must not need a passphrase (nobody is
/// there to type it when a node restarts).
int no_passphrase(char*, int, int, void*) {
  return 0;
}

} // namespace

tls_files_report check_tls_files(const std::string& cert,
                                 const std::string& key,
                                 const std::string& ca) {
  tls_files_report report;
  auto fail = [&](std::string why) {
    ERR_clear_error();
    report.error = std::move(why);
    return report;
  };
  // The certificate, then the rest of its chain.
  bio_ptr cert_file{BIO_new_file(cert.c_str(), "r")};
  if (!cert_file)
    return fail(fmt::format("cannot read {}", cert));
  x509_ptr leaf{PEM_read_bio_X509(cert_file.get(), nullptr, nullptr, nullptr)};
  if (!leaf)
    return fail(fmt::format("{} holds no PEM certificate", cert));
  chain_ptr chain{sk_X509_new_null()};
  while (auto next
         = PEM_read_bio_X509(cert_file.get(), nullptr, nullptr, nullptr))
    sk_X509_push(chain.get(), next);
  ERR_clear_error();
  char subject[256] = "?";
  X509_NAME_oneline(X509_get_subject_name(leaf.get()), subject, sizeof subject);
  report.subject = subject;
  // The key: only from a file no one else can read, wiped after parsing.
  std::string key_text;
  if (auto err = read_secret_file(key, 1, false, key_text); !err.empty())
    return fail(std::move(err));
  pkey_ptr pkey;
  {
    bio_ptr mem{
      BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size()))};
    if (mem)
      pkey.reset(
        PEM_read_bio_PrivateKey(mem.get(), nullptr, no_passphrase, nullptr));
    sodium_memzero(key_text.data(), key_text.size());
  }
  if (!pkey)
    return fail(fmt::format("{} holds no unencrypted PEM private key", key));
  if (X509_check_private_key(leaf.get(), pkey.get()) != 1)
    return fail(fmt::format("{} is not the key of {}", key, cert));
  // Valid now.
  if (X509_cmp_current_time(X509_get0_notBefore(leaf.get())) > 0)
    return fail(fmt::format("{} is not valid before {}", cert,
                            render(X509_get0_notBefore(leaf.get()))));
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) < 0)
    return fail(fmt::format("{} expired on {}", cert,
                            render(X509_get0_notAfter(leaf.get()))));
  // Signed by the cluster CA for both ends of a connection.
  if (!ca.empty()) {
    store_ptr store{X509_STORE_new()};
    if (!store || X509_STORE_load_file(store.get(), ca.c_str()) != 1)
      return fail(fmt::format("cannot read CA certificates from {}", ca));
    for (auto [purpose, use] : {std::pair{X509_PURPOSE_SSL_CLIENT, "client"},
                                std::pair{X509_PURPOSE_SSL_SERVER, "server"}}) {
      store_ctx_ptr ctx{X509_STORE_CTX_new()};
      if (!ctx
          || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(),
                                 chain.get())
               != 1
          || X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1)
        return fail("cannot verify certificates (OpenSSL)");
      if (X509_verify_cert(ctx.get()) != 1)
        return fail(
          fmt::format("{} is not accepted by the CA of {} as a TLS {}: {}",
                      cert, ca, use,
                      X509_verify_cert_error_string(
                        X509_STORE_CTX_get_error(ctx.get()))));
    }
  }
  auto soon = std::time(nullptr)
              + std::chrono::duration_cast<std::chrono::seconds>(expiry_warning)
                  .count();
  if (X509_cmp_time(X509_get0_notAfter(leaf.get()), &soon) < 0)
    report.warning = fmt::format("{} expires on {}: issue a new one", cert,
                                 render(X509_get0_notAfter(leaf.get())));
  ERR_clear_error();
  return report;
}

} // namespace shop
