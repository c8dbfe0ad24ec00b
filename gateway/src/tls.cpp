// SPDX-License-Identifier: EUPL-1.2
#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <ctime>
#include <memory>

#include "gateway/errc.hpp"

namespace jubes::gateway::detail {
namespace ssl = boost::asio::ssl;

namespace {
std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}
std::string name_entry(X509_NAME* n, int nid) {
  int i = X509_NAME_get_index_by_NID(n, nid, -1);
  if (i < 0) return {};
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}
/// Unix time of a certificate's notAfter (0 if it cannot be read).
std::int64_t not_after(const X509* cert) {
  const ASN1_TIME* t = cert ? X509_get0_notAfter(cert) : nullptr;
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}
}  // namespace

jubes::result<ssl::context> make_server_context(const config& cfg) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX* h = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION) != 1)
    return jubes::fail(errc::config_invalid, "cannot set TLS 1.2 minimum");
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_options(h, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward-secret AEAD suites only. TLS 1.3 suites are all modern (OpenSSL defaults).
  if (SSL_CTX_set_cipher_list(h,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
    return jubes::fail(errc::config_invalid, "cannot set cipher list: " + openssl_reason());
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cfg.tls_cert.string(), ec);
  if (ec) return jubes::fail(errc::config_invalid, "tls.cert: " + cfg.tls_cert.string() + ": " + openssl_reason());
  ctx.use_private_key_file(cfg.tls_key.string(), ssl::context::pem, ec);
  if (ec) return jubes::fail(errc::config_invalid, "tls.key: " + cfg.tls_key.string() + ": " + openssl_reason());
  if (SSL_CTX_check_private_key(h) != 1) return jubes::fail(errc::config_invalid, "tls.key: does not match tls.cert");
  ctx.load_verify_file(cfg.tls_ca.string(), ec);
  if (ec) return jubes::fail(errc::config_invalid, "tls.ca: " + cfg.tls_ca.string() + ": " + openssl_reason());
  // Tell clients which CA we accept, so tools like curl pick the right certificate.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cfg.tls_ca.string().c_str()))
    SSL_CTX_set_client_CA_list(h, names);
  if (!cfg.tls_crl.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(h);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (!lookup || X509_load_crl_file(lookup, cfg.tls_crl.string().c_str(), X509_FILETYPE_PEM) <= 0)
      return jubes::fail(errc::config_invalid, "tls.crl: " + cfg.tls_crl.string() + ": " + openssl_reason());
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  SSL_CTX_set_verify_depth(h, 4);
  // One session id context for resumption with client certificates.
  static const unsigned char sid[] = "jubes";
  SSL_CTX_set_session_id_context(h, sid, sizeof sid - 1);
  // SSL_MODE_RELEASE_BUFFERS is not set: measured (docs/BENCHMARKS.md) 91 against 94 KiB per idle
  // connection and the same instructions per message; not worth a different allocation pattern.
  return ctx;
}

context_expiry expiry_of(ssl::context& ctx) {
  context_expiry e;
  SSL_CTX* h = ctx.native_handle();
  e.server = not_after(SSL_CTX_get0_certificate(h));
  STACK_OF(X509_OBJECT)* objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(h));
  for (int i = 0; objs && i < sk_X509_OBJECT_num(objs); ++i) {
    const X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));  // null for a CRL
    if (std::int64_t t = ca ? not_after(ca) : 0; t > 0 && (e.ca == 0 || t < e.ca)) e.ca = t;
  }
  return e;
}

peer_identity identity_of(ssl_st* ssl) {
  peer_identity id;
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert) return id;
  X509_NAME* subj = X509_get_subject_name(cert.get());
  id.subject_cn = name_entry(subj, NID_commonName);
  id.serial_number = name_entry(subj, NID_serialNumber);
  char buf[512];
  X509_NAME_oneline(subj, buf, sizeof buf);
  id.subject = buf;
  return id;
}

std::string handshake_failure_reason(ssl_st* ssl, const boost::system::error_code& ec) {
  if (ec == boost::beast::error::timeout) return "timeout";
  if (ec == boost::asio::error::eof || ec == ssl::error::stream_truncated || ec == boost::asio::error::connection_reset)
    return "closed";
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    switch (reason) {
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return "no_certificate";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_VERSION_TOO_LOW:
        return "protocol_version";
      case SSL_R_CERTIFICATE_VERIFY_FAILED: {
        long v = SSL_get_verify_result(ssl);
        if (v == X509_V_ERR_CERT_HAS_EXPIRED || v == X509_V_ERR_CERT_NOT_YET_VALID) return "expired";
        if (v == X509_V_ERR_CERT_REVOKED) return "revoked";
        return "untrusted";
      }
      default:
        break;
    }
  }
  return "other";
}

}  // namespace jubes::gateway::detail
