// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API listener's TLS context, replaceable while the gateway serves (certificate
// rotation, docs/operations.md "Certificate rotation"). A reload re-reads tls.cert, tls.key, tls.ca
// and tls.crl; new handshakes take the context current at their start, established connections
// keep the one they began with (each session holds its own reference). A reload that fails (a file
// unreadable, not PEM, a key that does not match the certificate) changes nothing: the old context
// keeps serving, the failure is logged and counted. A reload that took new files bumps the server's
// identity_epoch (reidentify.hpp): before its next request an open connection verifies its client
// chain against the new trust store and is refused (403, closed) when it no longer passes.
//
// Metrics: jubes_tls_reloads_total, jubes_tls_reload_failures_total and
// jubes_tls_certificate_expiry_timestamp_seconds{certificate="server"|"ca"} (set at load() and after
// every successful reload).
//
// Lifecycle: one per server, load() once at start, then current() per connection and reload() on
// SIGHUP or POST /v1/admin/tls/reload. Threading: every member is thread-safe; reloads are serialised.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "tls.hpp"

namespace jubes::gateway::detail {

class identity_epoch;

/// @return a one-line description of `f` for logs and replies ("server CN=... serial ...").
std::string describe(const certificate_facts& f);

class tls_contexts {
 public:
  /// @param epoch bumped by each reload that took new files (none: not bumped)
  tls_contexts(const config& cfg, registry& metrics, identity_epoch* epoch = nullptr);

  /// Builds the first context. @return errc::config_invalid naming the file at fault
  jubes::result<void> load();

  /// @return the context for a new handshake (keep it for the connection's life), and the trust
  ///         store open connections are checked against after a reload
  std::shared_ptr<boost::asio::ssl::context> current() const;

  /// Re-reads the TLS files. @param trigger what asked ("SIGHUP", "admin"), for the log
  /// @return describe() of the certificates now in use, or why the old ones stay
  jubes::result<std::string> reload(std::string_view trigger);

 private:
  void publish(std::shared_ptr<boost::asio::ssl::context> ctx);

  const config& cfg_;
  registry& metrics_;
  identity_epoch* epoch_;
  counter& reloads_;
  counter& failures_;
  gauge& server_expiry_;
  gauge& ca_expiry_;
  std::mutex reload_mu_;   // one reload at a time
  mutable std::mutex mu_;  // guards ctx_
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace jubes::gateway::detail
