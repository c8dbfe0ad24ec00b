// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API's view of the metric registry. Every series whose labels are known at start is
// registered at start, so it exists from the first scrape (at 0) and the request path never looks
// a name up: the store and route gauges, the ingest refusal reasons, the listener's reasons
// (register_listener_series), the configured recipients' outboxes. Series whose labels come from
// traffic (a municipality's outbox) are added when first seen. Names come from
// common/metric_names.hpp, which the dashboard reads too; docs/api.md lists them (a test compares).
//
// Lifecycle: built by the api after the store and pipeline are open; collect() is registered as a
// registry collector and runs at each scrape. Threading: as the registry (thread-safe).
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/metrics.hpp"
#include "pipeline.hpp"
#include "storage/backend.hpp"
#include "tls.hpp"

namespace jubes::gateway::detail {

/// The reasons of jubes_ingest_rejected_total{reason}, registered at start (codecs' errc names
/// come on top: they are the codec's own refusal reasons).
inline constexpr std::string_view ingest_reject_reasons[] = {"forbidden",    "zender",   "media_type", "draining",
                                                             "rate_limited", "conflict", "overloaded", "store_full",
                                                             "invalid",      "io_error"};

/// The help texts of the listener's series that server.cpp counts as they happen.
namespace listener_help {
inline constexpr std::string_view handshake_failures = "Failed TLS handshakes on the API listener, by reason.";
inline constexpr std::string_view preauth_evictions =
    "Unauthenticated API connections closed to make room for a new one, by cap reached.";
inline constexpr std::string_view read_timeouts = "API connections cut off by the read timeout.";
inline constexpr std::string_view connections_refused = "Connections closed at accept: over max_connections.";
}  // namespace listener_help

/// Registers at start the listener's series whose labels are known (server.cpp counts them):
/// every handshake failure reason, every preauth eviction reason, read timeouts, refused
/// connections. (The certificates' expiry times are tls_contexts', set at each load and reload.)
void register_listener_series(registry& r);

class metrics_probe {
 public:
  /// @param capacity_bytes the most the store may hold (store.map_size_bytes; 0: no limit the
  ///        gateway knows, the PostgreSQL backend)
  /// @param recipients the configured recipient parties, whose outbox series exist from start
  /// @param retention_bodies_ms retention.bodies_days in milliseconds (0: bodies are kept)
  metrics_probe(registry& r, std::uint64_t capacity_bytes, const std::vector<std::string>& recipients,
                std::int64_t retention_bodies_ms = 0);

  /// How long before retention purges an unacknowledged body jubes_outbox_due_for_purge counts it.
  static constexpr std::int64_t purge_warning_ms = 7LL * 86400 * 1000;
  /// The deadline and purge figures are read again at most this often unless a write committed.
  static constexpr std::int64_t rescan_ms = 5000;

  /// Counts one refused ingest. A reason outside the registered set is added on first use.
  void count_rejected(const std::string& reason);
  /// Reads the process's, the store's and the routing table's state into their series (at each scrape).
  /// @param ready whether /readyz answers 200 (api::not_ready_reason() is empty)
  void collect(storage::backend& store, const pipeline& pipe, std::int64_t now_ms, bool ready);

 private:
  /// Sets the four outbox series of one recipient.
  void set_outbox(const std::string& recipient, const storage::outbox_state& o, std::int64_t now_ms);
  /// Sets jubes_outbox_due_for_purge from the store at now_ms.
  void collect_due_for_purge(storage::backend& store, std::int64_t now_ms);
  /// Sets the deadline series (at risk, overdue, missed) from the store's late entries at now_ms.
  void collect_deadlines(storage::backend& store, const pipeline& pipe, std::int64_t now_ms);

  registry& r_;
  gauge &queue_depth_, &queue_capacity_, &map_size_, &map_used_, &capacity_, &parked_, &ready_;
  gauge &commits_, &commit_failures_, &acks_, &forwards_, &route_reloads_;  ///< sampled counters
  histogram &group_size_, &commit_seconds_;
  gauge &process_cpu_, &process_rss_, &process_fds_, &process_start_;
  std::map<std::string, counter*, std::less<>> rejected_;  ///< filled in the constructor; read-mostly
  std::vector<std::string> recipients_;                    ///< the configured recipients
  std::int64_t retention_bodies_ms_ = 0;
  gauge& purged_undelivered_;                        ///< sampled counter
  std::mutex purge_mu_;                              ///< guards purge_series_
  std::set<std::string, std::less<>> purge_series_;  ///< recipients with a jubes_outbox_due_for_purge series
  // Deadlines: the (recipient, type) series that exist, and the overdue entries (recipient, seq)
  // already counted in jubes_outbox_deadlines_missed_total. Guarded by deadlines_mu_ (two scrapes
  // may collect at once).
  std::mutex scan_mu_;  ///< guards the two below
  std::uint64_t scanned_commits_ = 0;
  std::int64_t scanned_at_ms_ = INT64_MIN / 2;
  std::mutex deadlines_mu_;
  std::set<std::pair<std::string, std::string>> deadline_series_;
  std::set<std::pair<std::string, std::uint64_t>> missed_;
};

}  // namespace jubes::gateway::detail
