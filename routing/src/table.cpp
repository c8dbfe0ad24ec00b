// SPDX-License-Identifier: EUPL-1.2
// Routing a message with a compiled table and explaining the decision: the table's functions and
// the evaluator's run, rules, conditions and deadline. route() and explain() share one evaluator
// (evaluator.hpp); the recipients a matched rule names are worked out in table_recipients.cpp.
#include <algorithm>
#include <charconv>

#include "common/recipient.hpp"
#include "evaluator.hpp"

namespace jubes::routing::eval {

namespace {

const std::vector<std::string> k_none;

bool parse_int(std::string_view s, std::int64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

void evaluator::run(decision& d) {
  d.table_version = t_.version();
  if (trace_) {
    *trace_ += "table " + im_.name + " version " + t_.version() + "\n";
    *trace_ += "message type '" + std::string(f_.message_type) + "' from '" + std::string(f_.source_party) + "'\n";
  }
  auto it = im_.by_type.find(f_.message_type);
  auto dis = im_.disabled_by_type.find(f_.message_type);
  if (trace_) trace_fields(it, dis);
  if (it != im_.by_type.end()) {
    for (std::uint32_t idx : it->second) run_rule(im_.rules[idx], d);
  } else {
    note("no enabled rule routes message type '" + std::string(f_.message_type) + "'");
  }
  if (trace_ && dis != im_.disabled_by_type.end())
    for (std::uint32_t idx : dis->second) {
      const rule& r = im_.rules[idx];
      *trace_ += "rule " + r.id + " (" + im_.name + ":" + std::to_string(r.line) + "): not considered, disabled (" +
                 r.disabled_by + ")\n";
    }
  std::sort(d.recipients.begin(), d.recipients.end());
  d.recipients.erase(std::unique(d.recipients.begin(), d.recipients.end()), d.recipients.end());
  if (trace_) {
    *trace_ +=
        "recipients: " +
        (d.recipients.empty()
             ? std::string(not_parked(d) ? "none, not parked: " : "none, the message is parked") + not_parked_reason(d)
             : join(d.recipients)) +
        "\n";
    // Need-to-know: which mailbox each recipient is and what it sees of this message.
    for (const std::string& r : d.recipients) {
      const auto who = recipient::parse(r);
      const std::string kind = who ? who->kind() : r;
      *trace_ += "  " + r + ": box " + kind + ", ";
      if (im_.projections.empty()) {
        *trace_ += "no projections declared: the message as sent\n";
      } else if (const projection_spec* p = t_.projection_for(kind, f_.message_type)) {
        *trace_ +=
            "projection " + p->id + " (" + im_.name + ":" + std::to_string(p->line) + "): " + join(p->fields) + "\n";
      } else {
        *trace_ += "no projection\n";
      }
    }
  }
  deadline(d);
}

const std::vector<std::string>& evaluator::values(int field) const {
  if (field < 0 || !f_.fields || static_cast<std::size_t>(field) >= f_.fields->size()) return k_none;
  return (*f_.fields)[field];
}

// `unrouted:` applies: no rule matched a type whose "no match" needs no operator.
const std::string* evaluator::unrouted(const decision& d) const {
  if (!d.matched_rules.empty()) return nullptr;
  auto u = im_.unrouted.find(f_.message_type);
  return u == im_.unrouted.end() ? nullptr : &u->second;
}

bool evaluator::not_parked(const decision& d) const {
  return unrouted(d) != nullptr;
}

std::string evaluator::not_parked_reason(const decision& d) const {
  const std::string* u = unrouted(d);
  return u ? *u + " (counted, stored, nothing for an operator)" : std::string();
}

template <class It>
void evaluator::trace_fields(It it, It dis) {
  std::vector<int> used;
  auto add = [&](It at) {
    if (at == It{}) return;
    for (std::uint32_t idx : at->second)
      for (int fi : im_.rules[idx].fields_used) used.push_back(fi);
  };
  if (it != im_.by_type.end()) add(it);
  if (dis != im_.disabled_by_type.end()) add(dis);
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  *trace_ += "fields:\n";
  for (int fi : used) *trace_ += "  " + t_.field_paths()[fi] + " = " + join(values(fi)) + "\n";
}

void evaluator::run_rule(const rule& r, decision& d) {
  const std::string head = wants_text() ? "rule " + r.id + " (" + im_.name + ":" + std::to_string(r.line) + ")" : "";
  if (!r.sources.empty()) {
    if (!std::binary_search(r.sources.begin(), r.sources.end(), f_.source_party, std::less<>{})) {
      if (wants_text()) {
        std::string why = "source '" + std::string(f_.source_party) + "' not in " + join(r.sources);
        trace_line([&] { return head + ": no match, " + why + "\n"; });
        note(r.id + ": " + why);
      }
      return;
    }
  }
  for (const predicate& p : r.preds) {
    std::string why;
    if (!holds(p, wants_text() ? &why : nullptr)) {
      if (wants_text()) {
        trace_line([&] { return head + ": no match, '" + p.text + "' fails: " + why + "\n"; });
        note(r.id + ": '" + p.text + "' fails: " + why);
      }
      return;
    }
  }
  d.matched_rules.push_back(r.id);
  trace_line([&] {
    std::string s = head + ": match";
    for (const predicate& p : r.preds) s += "\n    holds: " + p.text;
    return s + "\n";
  });
  std::size_t before = d.recipients.size();
  for (const recipient_template& t : r.recipients) expand(r, t, d.recipients);
  if (d.recipients.size() == before && wants_text()) note(r.id + " matched but named no recipient");
}

bool evaluator::holds(const predicate& p, std::string* why) {
  const std::vector<std::string>& vals = values(p.field);
  auto member = [&](std::string_view v) {
    return std::binary_search(p.values.begin(), p.values.end(), trim(v), std::less<>{});
  };
  auto shown = [&] { return vals.empty() ? std::string("field absent") : "values " + join(vals); };
  switch (p.kind) {
    case pred_kind::present:
      if (!vals.empty()) return true;
      if (why) *why = "field absent";
      return false;
    case pred_kind::absent:
      if (vals.empty()) return true;
      if (why) *why = shown();
      return false;
    case pred_kind::eq:
    case pred_kind::in:
      if (std::any_of(vals.begin(), vals.end(), member)) return true;
      if (why) *why = shown();
      return false;
    case pred_kind::ne:
    case pred_kind::not_in:
      if (std::none_of(vals.begin(), vals.end(), member)) return true;
      if (why) *why = shown();
      return false;
    case pred_kind::cmp: {
      if (vals.empty()) {
        if (why) *why = "field absent";
        return false;
      }
      for (const std::string& v : vals) {
        std::int64_t x = 0;
        if (!parse_int(v, x)) {
          if (why) *why = "'" + v + "' is not a number";
          return false;
        }
        bool ok = p.op == cmp_op::lt   ? x < p.number
                  : p.op == cmp_op::le ? x <= p.number
                  : p.op == cmp_op::gt ? x > p.number
                                       : x >= p.number;
        if (!ok) {
          if (why) *why = "value " + v;
          return false;
        }
      }
      return true;
    }
    case pred_kind::minor: {
      int minor = is_minor(why);
      if (minor < 0) return false;
      if ((minor == 1) == p.expect) return true;
      if (why) *why = minor ? "the person is a minor on the event date" : "the person is of age on the event date";
      return false;
    }
  }
  return false;
}

// @return 1 minor, 0 of age, -1 unknown (missing or malformed dates count as "cannot tell",
//         which makes both `minor` and `minor is false` fail: an operator must look).
int evaluator::is_minor(std::string* why) {
  const auto& birth = values(im_.birth_date);
  const auto& event = values(im_.event_date);
  int b = 0, e = 0;
  if (birth.size() != 1 || !parse_date(birth[0], b)) {
    if (why) *why = "no valid persoon/geboortedatum";
    return -1;
  }
  if (event.size() != 1 || !parse_date(event[0], e)) {
    if (why) *why = "no valid gebeurtenisdatum";
    return -1;
  }
  // Of age from the 18th birthday on; YYYYMMDD + 18 years compares as a number. A 29 February
  // birthday counts as reached on 1 March in common years.
  return e < b + 18 * 10000 ? 1 : 0;
}

// The deadline of the message's outbox entries, from its own dates (docs/routing.md, "Deadlines").
void evaluator::deadline(decision& d) {
  auto it = im_.deadline_by_type.find(f_.message_type);
  if (it == im_.deadline_by_type.end()) {
    if (trace_)
      *trace_ += "deadline: none (no deadline rule for message type '" + std::string(f_.message_type) + "')\n";
    return;
  }
  const detail::deadline_rule& r = im_.deadlines[it->second];
  const std::string head =
      trace_ ? "deadline rule " + r.id + " (" + im_.name + ":" + std::to_string(r.line) + "): " + r.text : "";
  int date = 0;
  std::string used;
  for (int fi : r.fields) {
    const auto& vals = values(fi);
    if (vals.size() == 1 && parse_date(vals[0], date)) {
      used = t_.field_paths()[fi] + " = " + std::string(trim(vals[0]));
      break;
    }
    date = 0;
  }
  if (date == 0) {
    if (trace_) *trace_ += head + "\ndeadline: none (no valid date in the fields it reads)\n";
    return;
  }
  if (r.kind == detail::deadline_kind::working_days) date = detail::add_working_days(date, r.days, im_.holidays);
  // before D: fetched before D begins; within N working days: before the day after the Nth begins.
  const int due_day = r.kind == detail::deadline_kind::before ? date : detail::date_of(detail::day_number(date) + 1);
  d.deadline_ms = detail::local_midnight_ms(due_day);
  d.at_risk_from_ms = d.deadline_ms - r.lead_ms;
  d.deadline_rule = r.id;
  if (trace_)
    *trace_ += head + "\n    " + used + "\ndeadline: " + detail::iso8601_utc(d.deadline_ms) +
               " (00:00 Europe/Amsterdam); at risk from " + detail::iso8601_utc(d.at_risk_from_ms) + "\n";
}

}  // namespace jubes::routing::eval

namespace jubes::routing {

using eval::evaluator;

table::table() : impl_(std::make_unique<impl>()) {}
table::~table() = default;

std::size_t table::rule_count() const noexcept {
  return impl_->rules.size();
}

int table::field_index(std::string_view path) const noexcept {
  for (std::size_t i = 0; i < field_paths_.size(); ++i)
    if (field_paths_[i] == path) return static_cast<int>(i);
  return -1;
}

decision table::route(const facts& f) const {
  decision d;
  evaluator ev(*this, *impl_, f, nullptr, nullptr);
  ev.run(d);
  if (!d.recipients.empty() && ev.unproduced() > 0) {
    // A partial delivery (rare): evaluate again to say which recipient is missing and why.
    std::vector<std::string> missing;
    decision again;
    evaluator words(*this, *impl_, f, nullptr, nullptr);
    words.collect_missing(&missing);
    words.run(again);
    std::string reason = "partial delivery";
    for (std::size_t i = 0; i < missing.size(); ++i) reason += (i ? "; " : ": ") + missing[i];
    d.partial_reason = std::move(reason);
  }
  if (d.recipients.empty()) {
    // Parking is rare; only now evaluate again to collect the reasons in words.
    std::vector<std::string> why;
    decision again;
    evaluator(*this, *impl_, f, nullptr, &why).run(again);
    std::string reason = again.matched_rules.empty() ? "no rule matched" : "matched rules named no recipient";
    for (std::size_t i = 0; i < why.size(); ++i) reason += (i ? "; " : ": ") + why[i];
    d.park_reason = std::move(reason);
    if (d.matched_rules.empty())
      if (auto u = impl_->unrouted.find(f.message_type); u != impl_->unrouted.end()) d.unrouted_reason = u->second;
  }
  return d;
}

std::string table::explain(const facts& f) const {
  decision d;
  std::string out;
  std::vector<std::string> why;
  evaluator ev(*this, *impl_, f, &out, &why);
  std::vector<std::string> missing;
  ev.collect_missing(&missing);
  ev.run(d);
  if (!d.recipients.empty() && !missing.empty()) {
    out += "partial delivery, also parked for the missing recipient: ";
    for (std::size_t i = 0; i < missing.size(); ++i) out += (i ? "; " : "") + missing[i];
    out += "\n";
  }
  if (d.recipients.empty()) {
    out += "park reason: ";
    for (std::size_t i = 0; i < why.size(); ++i) out += (i ? "; " : "") + why[i];
    out += "\n";
  }
  return out;
}

bool table::may_forward(std::string_view message_type) const noexcept {
  return std::binary_search(impl_->forwardable.begin(), impl_->forwardable.end(), message_type);
}

bool table::may_forward_to(std::string_view gemeentecode) const noexcept {
  if (!impl_->gemeenten->is_current(gemeentecode)) return false;
  const auto* l = impl_->forward_participants;
  return !l || std::binary_search(l->begin(), l->end(), gemeentecode, std::less<>{});
}

const std::vector<std::string>& table::forwardable_types() const noexcept {
  return impl_->forwardable;
}

std::vector<std::string> table::deadline_types() const {
  std::vector<std::string> out;
  for (const auto& [type, index] : impl_->deadline_by_type) out.push_back(type);
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t table::deadline_lead_ms(std::string_view message_type) const noexcept {
  auto it = impl_->deadline_by_type.find(message_type);
  return it == impl_->deadline_by_type.end() ? 0 : impl_->deadlines[it->second].lead_ms;
}

}  // namespace jubes::routing
