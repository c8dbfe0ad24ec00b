// SPDX-License-Identifier: EUPL-1.2
#include "metrics_probe.hpp"

#include <algorithm>
#include <vector>

#include "codecs/errc.hpp"
#include "common/metric_names.hpp"
#include "common/version.hpp"
#include "preauth.hpp"
#include "process_stats.hpp"

namespace jubes::gateway::detail {

namespace mn = metric_names;

namespace {
template <std::size_t N>
std::vector<double> bounds(const std::array<double, N>& a) {
  return {a.begin(), a.end()};
}
constexpr std::string_view kRejectedHelp = "Ingest requests refused, by reason.";
constexpr std::string_view kAtRiskHelp =
    "Unacknowledged outbox entries whose legal deadline is within its lead time, per recipient and message type.";
constexpr std::string_view kOverdueHelp =
    "Unacknowledged outbox entries past their legal deadline, per recipient and message type.";
constexpr std::string_view kMissedHelp =
    "Outbox entries seen unacknowledged past their legal deadline (each counted once), per recipient and type.";
constexpr std::string_view kDueForPurgeHelp =
    "Unacknowledged outbox entries whose body retention purges within 7 days, per recipient.";
constexpr std::string_view kPurgedUndeliveredHelp =
    "Message bodies retention purged while a recipient had not acknowledged them (audited; LMDB only).";
// The most late entries one scrape reads; beyond it the figures are lower bounds.
constexpr std::size_t kMaxLate = 100000;
}  // namespace

void register_listener_series(registry& r) {
  for (auto reason : handshake_failure_reasons)
    r.get_counter(mn::tls_handshake_failures_total, listener_help::handshake_failures,
                  {{"reason", std::string(reason)}});
  for (auto why : {preauth_pool::eviction::address_cap, preauth_pool::eviction::preauth_cap,
                   preauth_pool::eviction::connection_cap})
    r.get_counter(mn::preauth_evictions_total, listener_help::preauth_evictions,
                  {{"reason", std::string(to_string(why))}});
  r.get_counter(mn::read_timeouts_total, listener_help::read_timeouts);
  r.get_counter(mn::connections_refused_total, listener_help::connections_refused);
}

metrics_probe::metrics_probe(registry& r, std::uint64_t capacity_bytes, const std::vector<std::string>& recipients,
                             std::int64_t retention_bodies_ms)
    : r_(r),
      queue_depth_(r.get_gauge(mn::writer_queue_depth, "Requests waiting for the store's writer.")),
      queue_capacity_(r.get_gauge(mn::writer_queue_capacity, "Capacity of the store's writer queue.")),
      map_size_(r.get_gauge(mn::store_map_size_bytes, "LMDB map size in bytes now (it grows up to the capacity).")),
      map_used_(r.get_gauge(mn::store_used_bytes, "Bytes of the store in use (LMDB; 0 on PostgreSQL).")),
      capacity_(r.get_gauge(mn::store_capacity_bytes,
                            "The most the store may hold, store.map_size_bytes (LMDB; 0 on PostgreSQL).")),
      parked_(r.get_gauge(mn::parked_messages, "Messages no rule routed, waiting for an operator.")),
      ready_(r.get_gauge(mn::ready, "1 when /readyz answers 200 (ready for traffic), else 0.")),
      commits_(r.get_sampled_counter(mn::store_commits_total, "Successful write transactions since start.")),
      commit_failures_(
          r.get_sampled_counter(mn::store_commit_failures_total, "Failed write transactions since start.")),
      acks_(r.get_sampled_counter(mn::outbox_acks_total, "Ack requests committed since start.")),
      forwards_(r.get_sampled_counter(mn::forwards_total, "Forwards committed since start.")),
      route_reloads_(r.get_sampled_counter(mn::route_reloads_total, "Successful route reloads since start.")),
      group_size_(
          r.get_histogram(mn::group_commit_size, "Requests per group commit.", bounds(storage::group_size_buckets))),
      commit_seconds_(r.get_histogram(mn::group_commit_seconds, "Duration of a group commit incl. fsync.",
                                      bounds(storage::commit_seconds_buckets))),
      process_cpu_(
          r.get_sampled_counter(mn::process_cpu_seconds_total, "Total user and system CPU time spent in seconds.")),
      process_rss_(r.get_gauge(mn::process_resident_memory_bytes, "Resident memory size in bytes.")),
      process_fds_(r.get_gauge(mn::process_open_fds, "Number of open file descriptors.")),
      process_start_(
          r.get_gauge(mn::process_start_time_seconds, "Start time of the process since unix epoch in seconds.")),
      recipients_(recipients),
      retention_bodies_ms_(retention_bodies_ms),
      purged_undelivered_(r.get_sampled_counter(mn::retention_purged_undelivered_total, kPurgedUndeliveredHelp)) {
  capacity_.set(double(capacity_bytes));
  r.get_gauge(mn::build_info, "The running build: version and git revision (labels), value 1.",
              {{"version", std::string(build_version())}, {"revision", std::string(build_revision())}})
      .set(1);
  for (auto reason : ingest_reject_reasons)
    rejected_[std::string(reason)] =
        &r.get_counter(mn::ingest_rejected_total, kRejectedHelp, {{"reason", std::string(reason)}});
  for (int e = static_cast<int>(codecs::errc::not_well_formed);
       e <= static_cast<int>(codecs::errc::unsupported_encoding); ++e) {
    std::string reason = codecs::to_string(static_cast<codecs::errc>(e));
    rejected_[reason] = &r.get_counter(mn::ingest_rejected_total, kRejectedHelp, {{"reason", reason}});
  }
  for (const auto& rcpt : recipients) {
    set_outbox(rcpt, storage::outbox_state{}, 0);
    r.get_gauge(mn::outbox_due_for_purge, kDueForPurgeHelp, {{"recipient", rcpt}}).set(0);
    purge_series_.insert(rcpt);
  }
}

void metrics_probe::count_rejected(const std::string& reason) {
  // The map is complete after the constructor for every reason the gateway gives; an unexpected
  // one is still counted (through the registry's own lock), never dropped.
  if (auto it = rejected_.find(reason); it != rejected_.end()) return it->second->inc();
  r_.get_counter(mn::ingest_rejected_total, kRejectedHelp, {{"reason", reason}}).inc();
}

void metrics_probe::set_outbox(const std::string& recipient, const storage::outbox_state& o, std::int64_t now_ms) {
  labels l{{"recipient", recipient}};
  r_.get_gauge(mn::outbox_head, "Seq of the newest outbox entry, per recipient.", l).set(double(o.head));
  r_.get_gauge(mn::outbox_cursor, "Highest acknowledged seq, per recipient.", l).set(double(o.cursor));
  r_.get_gauge(mn::outbox_backlog, "Unacknowledged outbox entries, per recipient.", l)
      .set(double(o.head - std::min(o.head, o.cursor)));
  r_.get_gauge(mn::outbox_oldest_unacked_age_seconds, "Age of the oldest unacknowledged entry, per recipient.", l)
      .set(o.oldest_unacked_ms ? double(now_ms - o.oldest_unacked_ms) / 1000.0 : 0.0);
}

void metrics_probe::collect(storage::backend& store, const pipeline& pipe, std::int64_t now_ms, bool ready) {
  if (auto p = read_process_stats()) {  // a failure leaves the last figures (never a wrong zero)
    process_cpu_.set(p->cpu_seconds);
    process_rss_.set(p->rss_bytes);
    process_fds_.set(p->open_fds);
    process_start_.set(p->start_time_s);
  }
  ready_.set(ready ? 1 : 0);
  auto m = store.metrics();
  queue_depth_.set(double(m.queue_depth));
  queue_capacity_.set(double(m.queue_capacity));
  map_size_.set(double(m.map_size));
  map_used_.set(double(m.map_used));
  parked_.set(double(m.parked));
  commits_.set(double(m.commits));
  commit_failures_.set(double(m.commit_failures));
  acks_.set(double(m.acks));
  forwards_.set(double(m.forwards));
  group_size_.load({m.group_size_hist.begin(), m.group_size_hist.end()}, double(m.group_size_sum));
  commit_seconds_.load({m.commit_seconds_hist.begin(), m.commit_seconds_hist.end()}, m.commit_seconds_sum);
  if (auto obs = store.outboxes())
    for (const auto& [rcpt, o] : *obs) set_outbox(rcpt, o, now_ms);
  purged_undelivered_.set(double(m.purged_undelivered));
  // The deadline and purge figures read every unacknowledged entry: the dashboard renders every
  // second, so they are read again only when a write committed since, or 5 s have passed.
  bool rescan = true;
  {
    std::lock_guard lk(scan_mu_);
    rescan = m.commits != scanned_commits_ || now_ms < scanned_at_ms_ || now_ms - scanned_at_ms_ >= rescan_ms;
    if (rescan) scanned_commits_ = m.commits, scanned_at_ms_ = now_ms;
  }
  if (rescan) {
    collect_due_for_purge(store, now_ms);
    collect_deadlines(store, pipe, now_ms);
  }
  if (auto snap = pipe.routes()) {
    r_.clear(mn::route_table_info);
    r_.get_gauge(mn::route_table_info, "The routing table in service (version label).",
                 {{"version", snap->table->version()}})
        .set(1);
    route_reloads_.set(double(pipe.route_generation()));
  }
}

void metrics_probe::collect_due_for_purge(storage::backend& store, std::int64_t now_ms) {
  if (retention_bodies_ms_ <= 0) return;
  auto due = store.unacked_due_for_purge(now_ms - retention_bodies_ms_ + purge_warning_ms);
  if (!due) return;  // a failed read leaves the last figures
  std::lock_guard lk(purge_mu_);
  std::map<std::string, std::uint64_t, std::less<>> n(due->counts.begin(), due->counts.end());
  for (const auto& [rcpt, count] : n) purge_series_.insert(rcpt);
  for (const auto& rcpt : purge_series_) {
    auto it = n.find(rcpt);
    r_.get_gauge(mn::outbox_due_for_purge, kDueForPurgeHelp, {{"recipient", rcpt}})
        .set(it == n.end() ? 0.0 : double(it->second));
  }
}

void metrics_probe::collect_deadlines(storage::backend& store, const pipeline& pipe, std::int64_t now_ms) {
  std::lock_guard lk(deadlines_mu_);
  // Every configured recipient and every type with a deadline rule has its series from the first
  // scrape on (at 0); a municipality's appear with its first late entry.
  if (auto snap = pipe.routes())
    for (const auto& type : snap->table->deadline_types())
      for (const auto& rcpt : recipients_) deadline_series_.emplace(rcpt, type);
  auto late = store.late_entries(now_ms, kMaxLate);
  if (!late) return;  // a failed read leaves the last figures (never a wrong zero)
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> counts;  // at risk, overdue
  std::set<std::pair<std::string, std::uint64_t>> overdue;
  for (const auto& e : *late) {
    std::pair<std::string, std::string> key{e.recipient, e.message_type};
    deadline_series_.insert(key);
    auto& c = counts[key];
    if (e.deadline_ms > now_ms) {
      ++c.first;
      continue;
    }
    ++c.second;
    overdue.emplace(e.recipient, e.seq);
    if (!missed_.count({e.recipient, e.seq}))
      r_.get_counter(mn::outbox_deadlines_missed_total, kMissedHelp, {{"recipient", key.first}, {"type", key.second}})
          .inc();
  }
  missed_ = std::move(overdue);  // an acknowledged entry is forgotten; one still overdue stays counted
  for (const auto& key : deadline_series_) {
    labels l{{"recipient", key.first}, {"type", key.second}};
    auto it = counts.find(key);
    r_.get_gauge(mn::outbox_deadline_at_risk, kAtRiskHelp, l).set(it == counts.end() ? 0.0 : double(it->second.first));
    r_.get_gauge(mn::outbox_deadline_overdue, kOverdueHelp, l)
        .set(it == counts.end() ? 0.0 : double(it->second.second));
    r_.get_counter(mn::outbox_deadlines_missed_total, kMissedHelp, l);
  }
}

}  // namespace jubes::gateway::detail
