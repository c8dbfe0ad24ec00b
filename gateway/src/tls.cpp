// SPDX-License-Identifier: EUPL-1.2
#include "tls.hpp"

#include <openssl/bn.h>
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
std::string oneline(const X509_NAME* n) {
  char buf[512];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}
std::int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}
// The SSL ex_data slot of a connection's refused_certificate (watch_refusal()).
int refusal_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}
// Notes the first failed check of the client's chain; never changes the verdict.
int note_refusal(int ok, X509_STORE_CTX* sctx) {
  if (ok) return ok;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* out = ssl ? static_cast<refused_certificate*>(SSL_get_ex_data(ssl, refusal_index())) : nullptr;
  if (!out || !out->verify_error.empty()) return ok;
  if (X509* leaf = X509_STORE_CTX_get0_cert(sctx)) {
    out->subject = oneline(X509_get_subject_name(leaf));
    out->issuer = oneline(X509_get_issuer_name(leaf));
  }
  out->verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx));
  return ok;
}
// The handshake_failure_reason() of a certificate verification result.
std::string verify_failure_reason(long v) {
  if (v == X509_V_ERR_CERT_HAS_EXPIRED || v == X509_V_ERR_CERT_NOT_YET_VALID) return "expired";
  if (v == X509_V_ERR_CERT_REVOKED) return "revoked";
  return "untrusted";
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
  SSL_CTX_set_verify(h, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, note_refusal);
  SSL_CTX_set_verify_depth(h, 4);
  // One session id context for resumption with client certificates.
  static const unsigned char sid[] = "jubes";
  SSL_CTX_set_session_id_context(h, sid, sizeof sid - 1);
  // SSL_MODE_RELEASE_BUFFERS is not set: measured (docs/BENCHMARKS.md) 91 against 94 KiB per idle
  // connection and the same instructions per message; not worth a different allocation pattern.
  return ctx;
}

peer_identity identity_of(ssl_st* ssl) {
  peer_identity id;
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert) return id;
  X509_NAME* subj = X509_get_subject_name(cert.get());
  id.subject_cn = name_entry(subj, NID_commonName);
  id.serial_number = name_entry(subj, NID_serialNumber);
  id.subject = oneline(subj);
  return id;
}

void watch_refusal(ssl_st* ssl, refused_certificate* out) {
  SSL_set_ex_data(ssl, refusal_index(), out);
}

std::optional<distrust> verify_peer_chain(ssl_st* ssl, ssl_ctx_st* ctx) {
  X509* leaf = ssl ? SSL_get0_peer_certificate(ssl) : nullptr;
  if (!leaf) return distrust{"no_certificate", {{}, {}, "no client certificate"}};
  distrust d{"untrusted", {oneline(X509_get_subject_name(leaf)), oneline(X509_get_issuer_name(leaf)), {}}};
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> sctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  // On the server side the peer's chain is the intermediates it sent, without its leaf.
  if (!sctx || X509_STORE_CTX_init(sctx.get(), SSL_CTX_get_cert_store(ctx), leaf, SSL_get_peer_cert_chain(ssl)) != 1) {
    d.cert.verify_error = "cannot verify: " + openssl_reason();
    return d;
  }
  // As ssl_verify_cert_chain() does: the purpose and trust of a TLS client's certificate, then the
  // context's parameters (depth 4); X509_STORE_CTX_init took the store's flags (X509_V_FLAG_CRL_CHECK).
  X509_STORE_CTX_set_default(sctx.get(), "ssl_client");
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(sctx.get()), SSL_CTX_get0_param(ctx));
  if (X509_verify_cert(sctx.get()) == 1) return std::nullopt;
  const int e = X509_STORE_CTX_get_error(sctx.get());
  ERR_clear_error();
  d.reason = verify_failure_reason(e);
  d.cert.verify_error = X509_verify_cert_error_string(e);
  return d;
}

certificate_facts facts_of(ssl::context& ctx) {
  certificate_facts f;
  if (X509* cert = SSL_CTX_get0_certificate(ctx.native_handle())) {
    f.server_subject = oneline(X509_get_subject_name(cert));
    f.server_not_after = unix_time(X509_get0_notAfter(cert));
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
      if (char* hex = BN_bn2hex(bn)) {
        f.server_serial = hex;
        OPENSSL_free(hex);
      }
      BN_free(bn);
    }
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
  STACK_OF(X509_OBJECT)* objs = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objs); ++i) {
    X509_OBJECT* o = sk_X509_OBJECT_value(objs, i);
    if (X509_OBJECT_get_type(o) == X509_LU_CRL) f.crl = true;
    X509* ca = X509_OBJECT_get0_X509(o);
    if (!ca) continue;
    auto t = unix_time(X509_get0_notAfter(ca));
    if (f.ca_certificates++ == 0 || t < f.ca_not_after) f.ca_not_after = t;
  }
  return f;
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
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return verify_failure_reason(SSL_get_verify_result(ssl));
      default:
        break;
    }
  }
  return "other";
}

}  // namespace jubes::gateway::detail
