// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the request log (docs/operations.md, "Logs"). One structured line per rejected API
// request (event `request_rejected`) and, when `access_log` is on, one per accepted request (event
// `request`), through common/log.hpp, so `log_format` applies. A line names the request, the
// caller, the status, the StUF code, the error's stable name and the referentienummer once parsed;
// never the body, a header value or an error's detail text (those may quote the message).
//
// Floods: a caller without a party (certificate valid, but naming no party: 403) and a party over
// its rate (429) are not bounded by any token bucket, so their lines are rate-limited per class: the
// first one is written, later ones within `summary_interval` are only counted and reported (by
// error name, or by party for 429) on the next line of that class. Every other rejection is a party's, bounded by its
// bucket, and gets its own line.
//
// Lifecycle: one per api, for the life of the process. Threading: record() is thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "preauth.hpp"

namespace jubes::gateway::detail {

/// What the log says about one answered request (all views valid for the call only).
struct request_record {
  std::string_view request_id;
  std::string_view party;    ///< the party id; empty when the certificate names no party
  std::string_view subject;  ///< the certificate subject, already escaped (printable())
  std::string_view method;
  std::string_view path;  ///< the target without its query
  unsigned status = 0;
  std::string_view stuf_code;         ///< of a refusal's Fo03; empty otherwise
  std::string_view reason;            ///< a refusal's error name (error_name()); empty otherwise
  std::string_view referentienummer;  ///< empty: not parsed
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::microseconds duration{0};
};

/// A TLS handshake refused for its client certificate (none, untrusted, expired, revoked). The
/// certificate's names are the peer's own text: request_log escapes them (printable()).
struct handshake_refusal {
  std::string_view peer;          ///< address:port
  std::string_view reason;        ///< handshake_failure_reason(): untrusted, expired, revoked, no_certificate
  std::string_view subject;       ///< the refused client certificate's subject; empty: none was sent
  std::string_view issuer;        ///< its issuer
  std::string_view verify_error;  ///< OpenSSL's verification error text
};

/// The longest path written; a longer one is cut (it is the caller's text, up to the header limit).
inline constexpr std::size_t kMaxLoggedPath = 200;

class request_log {
 public:
  /// @param access_log also write a line per accepted (status < 400) request
  /// @param summary_interval the least time between two lines of one rate-limited class
  explicit request_log(bool access_log, std::chrono::milliseconds summary_interval = std::chrono::seconds(10));

  /// @return a new request id, unique in this process and, by its prefix (the start time), across restarts
  std::string next_id();
  /// Writes the line of `r`, if any (see the header comment).
  void record(const request_record& r);
  /// Writes a `tls_client_refused` line (subject, issuer, verify error): no token bucket bounds these
  /// either, so the first is written and later ones within `summary_interval` are only counted, by
  /// reason, and reported in `since_last` of the next line.
  void handshake_refused(const handshake_refusal& r);
  bool access_log() const noexcept { return access_; }

 private:
  void rejected(const request_record& r);
  void accepted(const request_record& r);

  bool access_;
  std::string id_prefix_;
  std::atomic<std::uint64_t> next_{1};
  failure_summary unauthenticated_;
  failure_summary rate_limited_;
  failure_summary tls_refused_;
};

}  // namespace jubes::gateway::detail
