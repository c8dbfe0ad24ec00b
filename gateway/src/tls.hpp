// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the server's TLS context and the party identity of a verified peer certificate.
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "gateway/config.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace jubes::gateway::detail {

/// Builds the API listener's context: TLS 1.2/1.3 only, modern AEAD suites, client certificate
/// required and verified against cfg.tls_ca (and cfg.tls_crl when set).
/// @return the context, or errc::config_invalid with a one-line reason naming the file at fault.
jubes::result<boost::asio::ssl::context> make_server_context(const config& cfg);

/// The identity fields of the peer's (already verified) certificate.
struct peer_identity {
  std::string subject_cn;
  std::string serial_number;  // subject serialNumber: a PKIoverheid OIN
  std::string subject;        // one-line subject, for logs
};
peer_identity identity_of(ssl_st* ssl);

/// The client certificate a handshake refused, as the verify callback saw it (escaped for logs
/// with printable() by the reader). Empty subject: no certificate was verified (none sent, or the
/// handshake failed before). Owned by the session; see watch_refusal().
struct refused_certificate {
  std::string subject, issuer;  ///< one-line names of the client's own (leaf) certificate
  std::string verify_error;     ///< OpenSSL's text of the first verification error
};
/// Makes the context's verify callback note the first refusal of this connection in `out`, which
/// must outlive the handshake. Contexts of make_server_context() only.
void watch_refusal(ssl_st* ssl, refused_certificate* out);

/// A client certificate chain that a trust store no longer accepts.
struct distrust {
  std::string reason;        ///< as handshake_failure_reason() would name it: untrusted, expired, revoked
  refused_certificate cert;  ///< the leaf's subject and issuer, OpenSSL's text of the verification error
};
/// Verifies again, now, the client chain a handshake accepted on `ssl` (its leaf and the
/// intermediates it sent) against the trust store of `ctx` (a context of make_server_context(), e.g.
/// one a reload made), as the handshake does: the purpose of a TLS client's certificate, the
/// context's depth and the store's flags (CRL checks). @return nullopt when the chain is trusted
std::optional<distrust> verify_peer_chain(ssl_st* ssl, ssl_ctx_st* ctx);

/// What the TLS files of a context hold, for logs and the expiry metric.
struct certificate_facts {
  std::string server_subject, server_serial;  ///< serial in hex
  std::int64_t server_not_after = 0;          ///< Unix seconds
  std::int64_t ca_not_after = 0;              ///< the earliest notAfter of the CA bundle; 0: none
  std::size_t ca_certificates = 0;
  bool crl = false;
};
certificate_facts facts_of(boost::asio::ssl::context& ctx);

/// Classifies a failed handshake for the tls_handshake_failures_total{reason} metric:
/// no_certificate, untrusted, expired, revoked, protocol_version, timeout, closed, other.
std::string handshake_failure_reason(ssl_st* ssl, const boost::system::error_code& ec);

/// Every reason of jubes_tls_handshake_failures_total: handshake_failure_reason()'s, and "evicted"
/// (the server closed an unauthenticated connection to make room, preauth.hpp).
inline constexpr std::string_view handshake_failure_reasons[] = {
    "no_certificate", "untrusted", "expired", "revoked", "protocol_version", "timeout", "closed", "evicted", "other"};

}  // namespace jubes::gateway::detail
