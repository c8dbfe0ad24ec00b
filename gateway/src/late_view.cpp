// SPDX-License-Identifier: EUPL-1.2
// The late-entries report (late_view.hpp) and `jubesctl outbox late`.
#include "late_view.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <sstream>

#include "common/iso_time.hpp"
#include "ctl_context.hpp"
#include "metrics_probe.hpp"
#include "storage/audit_chain.hpp"

namespace jubes::gateway::detail {
namespace json = boost::json;

jubes::result<late_report> late_report_of(const storage::backend& store, std::int64_t at_ms, std::string_view recipient,
                                          std::size_t max, std::int64_t retention_bodies_ms) {
  late_report r;
  r.at_ms = at_ms;
  // One more than asked, to tell a full report from a truncated one.
  auto all = store.late_entries(at_ms, recipient.empty() ? max + 1 : SIZE_MAX);
  if (!all) return all.error();
  for (auto& e : *all) {
    if (!recipient.empty() && e.recipient != recipient) continue;
    if (r.entries.size() == max) {
      r.truncated = true;
      break;
    }
    ++(e.deadline_ms <= at_ms ? r.overdue : r.at_risk);
    r.entries.push_back(std::move(e));
  }
  if (retention_bodies_ms > 0) {
    r.purge_cut_ms = at_ms - retention_bodies_ms + metrics_probe::purge_warning_ms;
    r.retention_ms = retention_bodies_ms;
    std::size_t due_total = 0;
    auto due = store.unacked_due_for_purge(r.purge_cut_ms, recipient.empty() ? max + 1 : SIZE_MAX);
    if (!due) return due.error();
    for (auto& d : due->counts)
      if (recipient.empty() || d.first == recipient) {
        due_total += d.second;
        r.due_for_purge.push_back(std::move(d));
      }
    for (auto& e : due->entries)
      if ((recipient.empty() || e.recipient == recipient) && r.due_entries.size() < max)
        r.due_entries.push_back(std::move(e));
    r.due_truncated = r.due_entries.size() < due_total;
  }
  return r;
}

namespace {
/// What an entry's line says in both lists: where it is and what it is, never its contents.
json::object entry_json(const storage::late_entry& e) {
  return json::object{{"recipient", e.recipient}, {"seq", e.seq},
                      {"id", e.message_id},       {"type", e.message_type},
                      {"source", e.source_party}, {"accepted", log::iso8601_utc(e.accepted_at_ms)}};
}
}  // namespace

json::value to_json(const late_report& r) {
  json::array es;
  for (const auto& e : r.entries) {
    auto o = entry_json(e);
    o["deadline"] = log::iso8601_utc(e.deadline_ms);
    o["at_risk_from"] = log::iso8601_utc(e.at_risk_from_ms);
    o["state"] = e.deadline_ms <= r.at_ms ? "overdue" : "at_risk";
    es.push_back(std::move(o));
  }
  json::array due;
  for (const auto& [rcpt, n] : r.due_for_purge) due.push_back(json::object{{"recipient", rcpt}, {"unacked", n}});
  json::array due_entries;
  for (const auto& e : r.due_entries) {
    auto o = entry_json(e);
    o["purge_at"] = log::iso8601_utc(e.accepted_at_ms + r.retention_ms);
    due_entries.push_back(std::move(o));
  }
  return json::object{{"at", log::iso8601_utc(r.at_ms)},
                      {"at_risk", r.at_risk},
                      {"overdue", r.overdue},
                      {"truncated", r.truncated},
                      {"entries", std::move(es)},
                      {"due_for_purge", std::move(due)},
                      {"due_entries", std::move(due_entries)},
                      {"due_truncated", r.due_truncated},
                      {"purge_cut", r.purge_cut_ms ? json::value(log::iso8601_utc(r.purge_cut_ms)) : json::value()}};
}

std::string to_text(const late_report& r) {
  std::ostringstream o;
  o << "at " << log::iso8601_utc(r.at_ms) << ": " << r.at_risk << " at risk, " << r.overdue << " overdue"
    << (r.truncated ? " (more not shown)" : "") << "\n";
  for (const auto& e : r.entries)
    o << (e.deadline_ms <= r.at_ms ? "OVERDUE " : "at-risk ") << e.recipient << " seq=" << e.seq
      << " id=" << e.message_id << " type=" << e.message_type << " source=" << e.source_party
      << " deadline=" << log::iso8601_utc(e.deadline_ms) << " accepted=" << log::iso8601_utc(e.accepted_at_ms) << "\n";
  for (const auto& [rcpt, n] : r.due_for_purge)
    o << "due for purge " << rcpt << ": " << n << " unacknowledged (accepted before "
      << log::iso8601_utc(r.purge_cut_ms) << ")\n";
  for (const auto& e : r.due_entries)
    o << "  purge " << e.recipient << " seq=" << e.seq << " id=" << e.message_id << " type=" << e.message_type
      << " source=" << e.source_party << " accepted=" << log::iso8601_utc(e.accepted_at_ms)
      << " purge_at=" << log::iso8601_utc(e.accepted_at_ms + r.retention_ms) << "\n";
  if (r.due_truncated) o << "  (more due for purge not shown)\n";
  return o.str();
}

}  // namespace jubes::gateway::detail

namespace jubes::gateway::ctl {

outcome cmd_outbox_late(context& c, args& a) {
  auto recipient = a.option("--recipient");
  auto at = a.option("--at");
  a.exactly(0, "outbox late [--recipient R] [--at T]");
  std::int64_t at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (at && !storage::audit_chain::parse_iso8601(*at, at_ms))
    return failure(usage,
                   "outbox late: --at wants an ISO-8601 UTC time such as 2026-12-11T23:00:00Z, not '" + *at + "'");
  auto s = c.open_readonly();
  const auto retention_ms = static_cast<std::int64_t>(c.cfg().retention.bodies_days * 86400.0 * 1000.0);
  auto r = detail::late_report_of(*s, at_ms, recipient.value_or(""), 100000, retention_ms);
  if (!r) return failure(failed, "outbox late: " + r.error().message());
  return success(detail::to_json(*r), detail::to_text(*r));
}

}  // namespace jubes::gateway::ctl
