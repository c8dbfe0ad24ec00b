// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the server's TLS context and the party identity of a verified peer certificate.
#include <boost/asio/ssl/context.hpp>
#include <string>

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

}  // namespace jubes::gateway::detail
