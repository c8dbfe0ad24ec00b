// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The names of every metric the gateway exports on /metrics (Prometheus text format), in one place:
// the gateway registers them under these names, and the dashboard (gateway/dashboard) and any other
// reader look them up by the same constants, so a reader can never wait for a name nobody exports.
// Operators' Prometheus queries and alert rules rely on the names: never rename one silently.
//
// Labels are given in the comments; a histogram NAME is exported as NAME_bucket{le}, NAME_sum and
// NAME_count. Counters end in _total. Every name here is exported from the first scrape on (at 0), and
// docs/api.md, "Metrics", lists exactly these names (tests/e2e/metrics_list_test.cpp compares them with
// a real scrape; conf/grafana and conf/prometheus may use only names of that list).
#include <string_view>

namespace jubes::metric_names {

// ---- ingest (POST /v1/messages) ----
inline constexpr std::string_view ingest_accepted_total = "jubes_ingest_accepted_total";      ///< counter {party}
inline constexpr std::string_view ingest_duplicates_total = "jubes_ingest_duplicates_total";  ///< counter
inline constexpr std::string_view ingest_parked_total = "jubes_ingest_parked_total";          ///< counter
inline constexpr std::string_view ingest_partial_total = "jubes_ingest_partial_total";        ///< counter
inline constexpr std::string_view ingest_unrouted_total = "jubes_ingest_unrouted_total";      ///< counter
inline constexpr std::string_view ingest_rejected_total = "jubes_ingest_rejected_total";      ///< counter {reason}
inline constexpr std::string_view accept_latency_seconds = "jubes_accept_latency_seconds";    ///< histogram
inline constexpr std::string_view http_requests_total =
    "jubes_http_requests_total";  ///< counter {party, status, endpoint}: endpoint is the route's pattern or "other"

// ---- connections and TLS (API listener) ----
inline constexpr std::string_view api_connections = "jubes_api_connections";                      ///< gauge
inline constexpr std::string_view connections_refused_total = "jubes_connections_refused_total";  ///< counter
inline constexpr std::string_view tls_handshakes_total = "jubes_tls_handshakes_total";            ///< counter
inline constexpr std::string_view tls_handshake_failures_total =
    "jubes_tls_handshake_failures_total";                                             ///< counter {reason}
inline constexpr std::string_view preauth_connections = "jubes_preauth_connections";  ///< gauge
inline constexpr std::string_view preauth_evictions_total =
    "jubes_preauth_evictions_total";  ///< counter {reason}: address_cap, preauth_cap, connection_cap
inline constexpr std::string_view read_timeouts_total = "jubes_read_timeouts_total";            ///< counter
inline constexpr std::string_view write_timeouts_total = "jubes_write_timeouts_total";          ///< counter
inline constexpr std::string_view session_exceptions_total = "jubes_session_exceptions_total";  ///< counter
inline constexpr std::string_view tls_certificate_expiry_timestamp_seconds =
    "jubes_tls_certificate_expiry_timestamp_seconds";  ///< gauge {certificate}: server, ca; Unix time of notAfter
inline constexpr std::string_view tls_reloads_total = "jubes_tls_reloads_total";  ///< counter: successful TLS reloads
inline constexpr std::string_view tls_reload_failures_total =
    "jubes_tls_reload_failures_total";  ///< counter: refused TLS reloads (the old files keep serving)

// ---- delivery (outboxes) ----
inline constexpr std::string_view outbox_entries_served_total = "jubes_outbox_entries_served_total";  ///< counter
inline constexpr std::string_view outbox_acked_total = "jubes_outbox_acked_total";                    ///< counter
inline constexpr std::string_view outbox_acks_total =
    "jubes_outbox_acks_total";  ///< counter (was the gauge jubes_outbox_acks)
inline constexpr std::string_view forwards_total = "jubes_forwards_total";  ///< counter (was the gauge jubes_forwards)
inline constexpr std::string_view outbox_head = "jubes_outbox_head";        ///< gauge {recipient}
inline constexpr std::string_view outbox_cursor = "jubes_outbox_cursor";    ///< gauge {recipient}
inline constexpr std::string_view outbox_backlog = "jubes_outbox_backlog";  ///< gauge {recipient}
inline constexpr std::string_view outbox_oldest_unacked_age_seconds =
    "jubes_outbox_oldest_unacked_age_seconds";  ///< gauge {recipient}
// Retention guard (docs/storage.md, "Retention"): bodies due for purge that a recipient has not acknowledged.
inline constexpr std::string_view outbox_due_for_purge =
    "jubes_outbox_due_for_purge";  ///< gauge {recipient}: unacked bodies retention purges within 7 days
inline constexpr std::string_view retention_purged_undelivered_total =
    "jubes_retention_purged_undelivered_total";  ///< counter: bodies purged unacknowledged (audited)
// Legal deadlines (docs/routing.md, "Deadlines"), per recipient and message type:
inline constexpr std::string_view outbox_deadline_at_risk =
    "jubes_outbox_deadline_at_risk";  ///< gauge {recipient, type}: unacked, deadline within the lead time
inline constexpr std::string_view outbox_deadline_overdue =
    "jubes_outbox_deadline_overdue";  ///< gauge {recipient, type}: unacked, deadline passed
inline constexpr std::string_view outbox_deadlines_missed_total =
    "jubes_outbox_deadlines_missed_total";  ///< counter {recipient, type}: entries seen unacked past their deadline
inline constexpr std::string_view parked_messages = "jubes_parked_messages";  ///< gauge

// ---- store and writer ----
inline constexpr std::string_view writer_queue_depth = "jubes_writer_queue_depth";        ///< gauge
inline constexpr std::string_view writer_queue_capacity = "jubes_writer_queue_capacity";  ///< gauge
inline constexpr std::string_view store_map_size_bytes = "jubes_store_map_size_bytes";    ///< gauge
inline constexpr std::string_view store_used_bytes = "jubes_store_used_bytes";            ///< gauge
inline constexpr std::string_view store_capacity_bytes =
    "jubes_store_capacity_bytes";                                           ///< gauge: most the store may hold
inline constexpr std::string_view store_messages = "jubes_store_messages";  ///< gauge: messages held in the store
inline constexpr std::string_view store_messages_accepted_total =
    "jubes_store_messages_accepted_total";  ///< counter: messages accepted since the store was made (from the store)
inline constexpr std::string_view store_commits_total =
    "jubes_store_commits_total";  ///< counter (was jubes_store_commits)
inline constexpr std::string_view store_commit_failures_total =
    "jubes_store_commit_failures_total";  ///< counter (was the gauge jubes_store_commit_failures)
inline constexpr std::string_view group_commit_size = "jubes_group_commit_size";        ///< histogram
inline constexpr std::string_view group_commit_seconds = "jubes_group_commit_seconds";  ///< histogram

// ---- routing ----
inline constexpr std::string_view route_table_info = "jubes_route_table_info";  ///< gauge {version}, value 1
inline constexpr std::string_view route_reloads_total =
    "jubes_route_reloads_total";  ///< counter (was the gauge jubes_route_table_reloads)
inline constexpr std::string_view route_reload_failures_total = "jubes_route_reload_failures_total";  ///< counter

// ---- readiness (the ops listener's /readyz) ----
inline constexpr std::string_view ready = "jubes_ready";  ///< gauge: 1 when /readyz answers 200, else 0

// ---- the build (common/version.hpp) ----
inline constexpr std::string_view build_info = "jubes_build_info";  ///< gauge {version, revision}, value 1

// ---- the process (Prometheus' standard process collector names) ----
inline constexpr std::string_view process_cpu_seconds_total = "process_cpu_seconds_total";  ///< counter, user+system
inline constexpr std::string_view process_resident_memory_bytes = "process_resident_memory_bytes";  ///< gauge
inline constexpr std::string_view process_open_fds = "process_open_fds";                            ///< gauge
inline constexpr std::string_view process_start_time_seconds = "process_start_time_seconds";        ///< gauge, Unix s

}  // namespace jubes::metric_names
