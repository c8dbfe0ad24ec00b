// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the server's TLS context and the party identity of a verified peer certificate.
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "gateway/config.hpp"

struct ssl_st;

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

/// Classifies a failed handshake for the tls_handshake_failures_total{reason} metric:
/// no_certificate, untrusted, expired, revoked, protocol_version, timeout, closed, other.
std::string handshake_failure_reason(ssl_st* ssl, const boost::system::error_code& ec);

/// Every reason of jubes_tls_handshake_failures_total: handshake_failure_reason()'s, and "evicted"
/// (the server closed an unauthenticated connection to make room, preauth.hpp).
inline constexpr std::string_view handshake_failure_reasons[] = {
    "no_certificate", "untrusted", "expired", "revoked", "protocol_version", "timeout", "closed", "evicted", "other"};

/// Unix times (seconds) of notAfter of a context's certificates; 0 where there is none.
struct context_expiry {
  std::int64_t server = 0;  ///< the certificate the context presents (tls.cert)
  std::int64_t ca = 0;      ///< the trusted CA certificate (tls.ca) that expires first
};
/// Reads the notAfter times of `ctx` (made by make_server_context). Not while the context serves
/// handshakes on other threads: its trust store is walked without the store's lock.
context_expiry expiry_of(boost::asio::ssl::context& ctx);

}  // namespace jubes::gateway::detail
