// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Outbox entries at risk of missing their legal deadline, or past it (docs/routing.md,
// "Deadlines"), and the unacknowledged entries whose bodies retention purges soon: one report for
// `jubesctl outbox late` and the dashboard's late view (/dashboard/late.json), as JSON and as text.
// Never message contents: recipient, seq, id, type, source, times, counts; never a body, a BSN or a
// referentienummer.
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "storage/backend.hpp"

namespace jubes::gateway::detail {

struct late_report {
  std::int64_t at_ms = 0;  ///< the time the entries were judged at
  std::vector<storage::late_entry> entries;
  std::size_t at_risk = 0;  ///< deadline still ahead, within the lead time
  std::size_t overdue = 0;  ///< deadline passed
  bool truncated = false;   ///< more entries than the report holds
  /// Per recipient (sorted), the unacknowledged entries whose body retention purges within
  /// metrics_probe::purge_warning_ms (7 days) of at_ms; empty without a retention period.
  std::vector<std::pair<std::string, std::uint64_t>> due_for_purge;
  /// The first of those entries (at most late_report_of's `max`), by recipient and seq, each with
  /// the time retention purges its body.
  std::vector<storage::late_entry> due_entries;
  bool due_truncated = false;     ///< more entries are due than due_entries holds
  std::int64_t purge_cut_ms = 0;  ///< bodies accepted before this are due (0: not judged)
  std::int64_t retention_ms = 0;  ///< how long bodies are kept: an entry's body goes at accepted + this
};

/// The unacknowledged entries at risk or overdue at `at_ms`, of one recipient (empty: all), in
/// (recipient, seq) order, at most `max`; with `retention_bodies_ms` > 0 also the entries due for
/// purge (counted per recipient as the retention guard's metric counts them, and the first `max`
/// listed).
jubes::result<late_report> late_report_of(const storage::backend& store, std::int64_t at_ms,
                                          std::string_view recipient = {}, std::size_t max = 100000,
                                          std::int64_t retention_bodies_ms = 0);

/// {"at", "at_risk", "overdue", "truncated", "entries": [{"recipient", "seq", "id", "type",
/// "source", "accepted", "deadline", "at_risk_from", "state": "at_risk"|"overdue"}], "due_for_purge":
/// [{"recipient", "unacked"}], "due_entries": [{"recipient", "seq", "id", "type", "source", "accepted",
/// "purge_at"}], "due_truncated", "purge_cut": time or null}, times ISO-8601.
boost::json::value to_json(const late_report& r);
std::string to_text(const late_report& r);

}  // namespace jubes::gateway::detail
