// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: who an open API connection is, re-checked after a reload. A connection is identified at
// its handshake; a routes reload (it swaps the municipality table: a dissolved municipality names no
// party any more) or a TLS reload (a new CA bundle or CRL: a certificate may no longer be trusted)
// changes who a certificate is. Both bump the identity_epoch once they have published the change;
// before each request a connection compares the epoch it was identified at with the current one (one
// atomic load, nothing more when nothing was reloaded) and, when it is older, verifies its client
// chain against the trust store in service and asks the party directory again.
//
// Lifecycle: one identity_epoch per server; one connection_identity per API connection, from its
// handshake on. Threading: identity_epoch is thread-safe; a connection_identity belongs to its
// connection's strand.
#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net.hpp"
#include "parties.hpp"
#include "tls.hpp"

namespace jubes::gateway::detail {

class api;
class tls_contexts;

/// The generation of "who a certificate is": bumped by each reload that may change it.
class identity_epoch {
 public:
  std::uint64_t current() const noexcept { return n_.load(std::memory_order_acquire); }
  /// Call after the reload has published what it changed (the table, the context).
  void bump() noexcept { n_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> n_{0};
};

/// The party, connection slot and trust of one API connection.
class connection_identity {
 public:
  /// What refresh() found.
  enum class verdict {
    same,       ///< nothing was reloaded since the last check: serve as before
    renewed,    ///< identified again: the party may have changed, or be none (403, then close)
    untrusted,  ///< the certificate chain is no longer trusted: 403 naming distrusted(), then close
  };
  /// Checks the chain against the trust store in service: nullopt when trusted.
  using trust_check = std::function<std::optional<distrust>()>;

  /// Identifies the connection. @param cert the certificate identity read at the handshake
  /// (identity_of()) @param generation the epoch, read before this call
  connection_identity(party_directory& d, peer_identity cert, std::uint64_t generation);

  /// Re-identifies the connection when `now` (the epoch, read before this call) is newer than the
  /// one it was identified at; `trust` is called only then.
  template <class Trust>
  verdict refresh(std::uint64_t now, Trust&& trust) {
    if (now == generation_) return verdict::same;  // the hot path: no call, no allocation
    return renew(now, trust_check(std::forward<Trust>(trust)));
  }

  const caller& who() const noexcept { return who_; }
  /// Whether the connection is over its party's connection limit (party_directory::connection_slot).
  bool over() const noexcept { return slot_ && slot_->over(); }
  /// Whether a re-identification found no party: the connection closes after its 403.
  bool lost_party() const noexcept { return lost_; }
  /// Why refresh() said untrusted.
  const distrust& distrusted() const noexcept { return distrust_; }

 private:
  verdict renew(std::uint64_t now, const trust_check& trust);

  party_directory& d_;
  peer_identity cert_;
  std::uint64_t generation_;
  caller who_;
  std::optional<party_directory::connection_slot> slot_;
  bool lost_ = false;
  distrust distrust_;
};

/// The trust check of a connection of `ssl` against the context `tls` has in service. `checked` is
/// the context the chain last passed (at first the handshake's): a reload that published no new
/// context costs nothing; one that did is verified once (verify_peer_chain()) and then kept.
std::optional<distrust> trust_in_service(ssl_st* ssl, const tls_contexts& tls,
                                         std::shared_ptr<boost::asio::ssl::context>& checked);

/// The reply to a request on a connection whose certificate a reload no longer trusts: 403 naming the
/// cause, the connection to close. The request log names the certificate as it does a refused
/// handshake's (tls_client_refused); jubes_http_requests_total counts the 403.
/// @param head the request's head @param peer address:port
response refuse_untrusted(api& apis, const caller& who, const distrust& d, const http::request_header<>& head,
                          const std::string& peer);

}  // namespace jubes::gateway::detail
