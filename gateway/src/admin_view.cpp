// SPDX-License-Identifier: EUPL-1.2
#include "admin_view.hpp"

#include <boost/json.hpp>
#include <sstream>

#include "common/iso_time.hpp"
#include "common/log.hpp"
#include "common/recipient.hpp"

namespace jubes::gateway::detail {
namespace json = boost::json;

namespace {
std::string iso(std::int64_t ms) {
  return ms > 0 ? log::iso8601_utc(ms) : std::string();
}
json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
bool was_parked(storage::audit_kind k) {
  using storage::audit_kind;
  return k == audit_kind::parked || k == audit_kind::parked_assigned || k == audit_kind::parked_closed ||
         k == audit_kind::rerouted;
}
std::string state_of(const storage::stored_message& m, const std::vector<storage::audit_record>& h) {
  if (m.purged) return "purged";
  if (m.parked) return "parked";
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    if (it->kind == storage::audit_kind::parked_assigned) return "assigned";
    if (it->kind == storage::audit_kind::parked_closed) return "closed";
    if (it->kind == storage::audit_kind::rerouted) return "rerouted";
  }
  return "rerouted";
}
}  // namespace

json::value to_json(const std::vector<storage::admin::outbox_row>& rows) {
  json::array a;
  for (const auto& r : rows)
    a.push_back(json::object{{"recipient", r.recipient},
                             {"head", r.head},
                             {"cursor", r.cursor},
                             {"backlog", r.backlog},
                             {"oldest_unacked_age_s", r.oldest_unacked_age_s}});
  return json::object{{"outboxes", std::move(a)}};
}

json::value to_json(const std::vector<storage::parked_entry>& rows) {
  json::array a;
  for (const auto& p : rows)
    a.push_back(json::object{{"message_id", p.message_id},
                             {"source", p.source_party},
                             {"referentienummer", p.referentienummer},
                             {"message_type", p.message_type},
                             {"accepted_at", iso(p.accepted_at_ms)},
                             {"reason", p.park_reason}});
  return json::object{{"parked", std::move(a)}};
}

json::value to_json(const storage::check_report& r) {
  return json::object{{"ok", r.ok()},
                      {"messages", r.messages},
                      {"purged", r.purged},
                      {"parked", r.parked},
                      {"dedup", r.dedup},
                      {"recipients", r.recipients},
                      {"outbox_entries", r.outbox_entries},
                      {"blobs", r.blobs},
                      {"audit", r.audit},
                      {"problems", strings(r.problems)}};
}

json::value to_json(const storage::store_stats& s) {
  return json::object{{"format_version", s.format_version},
                      {"messages", s.messages},
                      {"purged", s.purged},
                      {"parked", s.parked},
                      {"dedup_records", s.dedup},
                      {"recipients", s.recipients},
                      {"outbox_entries", s.outbox_entries},
                      {"unacked", s.unacked},
                      {"audit_records", s.audit},
                      {"blobs", s.blobs},
                      {"last_message_id", s.last_message_id},
                      {"map_size_bytes", s.map_size},
                      {"map_used_bytes", s.map_used},
                      {"page_size", s.page_size}};
}

json::value to_json(const storage::purge_result& r) {
  return json::object{{"bodies", r.bodies}, {"dedup", r.dedup}, {"audit", r.audit}, {"more", r.more}};
}

json::value to_json(const reroute_report& r) {
  json::array a;
  for (const auto& i : r.items)
    a.push_back(json::object{{"message_id", i.id}, {"rerouted", i.rerouted}, {"outcome", i.outcome}});
  return json::object{{"messages", std::move(a)}, {"failed", r.failed}, {"still_parked", r.still_parked}};
}

jubes::result<std::optional<parked_view>> parked_show(const storage::backend& s, const pipeline& p, std::uint64_t id) {
  auto m = s.get(id);
  if (!m) return m.error();
  if (!*m) return std::optional<parked_view>{};
  auto h = s.audit(id);
  if (!h) return h.error();
  parked_view v;
  v.message = std::move(**m);
  v.message.body.clear();
  v.history = std::move(*h);
  bool parked_once = v.message.parked;
  for (const auto& r : v.history) parked_once = parked_once || was_parked(r.kind);
  if (!parked_once) return std::optional<parked_view>{};
  v.state = state_of(v.message, v.history);
  if (v.state == "parked") {
    auto plan = p.plan_reroute(s, id);
    if (plan && !plan->steps.empty()) {
      v.candidates = plan->steps.front().recipients;
      v.candidates_note = plan->steps.front().outcome;
    }
  }
  return std::optional<parked_view>(std::move(v));
}

json::value to_json(const parked_view& v) {
  const auto& m = v.message;
  json::array hist;
  for (const auto& r : v.history)
    hist.push_back(json::object{{"at", iso(r.at_ms)},
                                {"kind", std::string(storage::to_string(r.kind))},
                                {"party", r.party},
                                {"detail", r.detail}});
  return json::object{{"message_id", m.message_id},
                      {"state", v.state},
                      {"source", m.source_party},
                      {"referentienummer", m.referentienummer},
                      {"message_type", m.message_type},
                      {"accepted_at", iso(m.accepted_at_ms)},
                      {"reason", m.park_reason},
                      {"recipients", strings(m.recipients)},
                      {"candidates", strings(v.candidates)},
                      {"candidates_note", v.candidates_note},
                      {"history", std::move(hist)}};
}

std::string to_text(const parked_view& v) {
  const auto& m = v.message;
  std::ostringstream os;
  os << "message_id: " << m.message_id << "\nstate: " << v.state << "\nsource: " << m.source_party
     << "\nreferentienummer: " << m.referentienummer << "\nmessage_type: " << m.message_type
     << "\naccepted_at: " << iso(m.accepted_at_ms) << "\nreason: " << m.park_reason << "\n";
  if (!m.recipients.empty()) {
    os << "recipients:";
    for (const auto& r : m.recipients) os << ' ' << r;
    os << "\n";
  }
  if (v.state == "parked") {
    os << "candidates:";
    for (const auto& r : v.candidates) os << ' ' << r;
    if (v.candidates.empty()) os << " (none: " << v.candidates_note << ")";
    os << "\n";
  }
  os << "history:\n";
  for (const auto& r : v.history)
    os << "  " << iso(r.at_ms) << ' ' << storage::to_string(r.kind) << ' ' << (r.party.empty() ? "-" : r.party)
       << (r.detail.empty() ? "" : " \"" + r.detail + "\"") << "\n";
  return os.str();
}

json::value to_json(const storage::park_decision& d, bool changed) {
  const bool assign = d.act == storage::park_decision::action::assign;
  json::object o{{"message_id", d.message_id},
                 {"action", assign ? "assign" : "close"},
                 {"changed", changed},
                 {"reason", d.reason},
                 {"operator", d.operator_party}};
  if (assign) o["recipient"] = d.recipient;
  return o;
}

std::string to_text(const storage::park_decision& d, bool changed) {
  const bool assign = d.act == storage::park_decision::action::assign;
  std::string what = assign ? "assigned to " + d.recipient : "closed";
  return std::to_string(d.message_id) + ": " + (changed ? what : "already " + what + " (no change)") + "\n";
}

std::string projection_gap(const pipeline& p, const std::string& name, std::string_view message_type) {
  const auto routes = p.routes();
  if (!routes || routes->table->projections().empty()) return {};
  const auto who = recipient::parse(name);
  const std::string kind = who ? who->kind() : name;
  if (routes->table->projection_for(kind, message_type)) return {};
  return "mailbox " + kind + " has no projection for " + std::string(message_type) +
         " (need-to-know: it may not receive this message type)";
}

bool assignable(const config& cfg, const pipeline& p, const std::string& name) {
  for (const auto& party : cfg.parties)
    if (party.id == name) return party.role == party_role::recipient;
  return is_municipal_mailbox(name, cfg.municipal_boxes) &&
         p.gemeenten()->is_current(std::string_view(name).substr(recipient::municipality_prefix.size(), 4));
}

bool wants_json(std::string_view accept) {
  return accept.find("application/json") != std::string_view::npos;
}

}  // namespace jubes::gateway::detail
