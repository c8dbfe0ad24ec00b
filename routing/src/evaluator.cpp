// SPDX-License-Identifier: EUPL-1.2
// The evaluator of a message against a compiled table: the run over the rules of its type, their
// conditions, the recipients a matched rule names (sources, pipeline steps, merged and split
// municipalities) and the deadline. All of it is in this one file, on purpose: routing is on the
// path of every message, and within one translation unit the compiler inlines the steps of a run
// (split across two files, routing took 6% more CPU; docs/BENCHMARKS.md).
#include "evaluator.hpp"

#include <algorithm>
#include <charconv>

#include "common/recipient.hpp"
#include "compiler.hpp"
#include "deadline.hpp"

namespace jubes::routing::eval {

using detail::cmp_op;
using detail::pred_kind;
using detail::predicate;
using detail::recipient_template;
using detail::rule;
using detail::source_kind;
using detail::step_kind;

namespace {

const std::vector<std::string> k_none;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

using detail::parse_date;  // deadline.hpp: one parser of xs:date for routing and deadlines

bool is_false(std::string_view v) {
  v = trim(v);
  return v == "false" || v == "0";
}

std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// One evaluation of a message against a table. `trace` (explain) and `why` (park reasons) are
// optional sinks; text is built only when one of them is set.
class evaluator {
 public:
  evaluator(const table& t, const table::impl& im, const facts& f, std::string* trace, std::vector<std::string>* why)
      : t_(t), im_(im), f_(f), trace_(trace), why_(why) {}

  void run(decision& d) {
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
          (d.recipients.empty() ? std::string(not_parked(d) ? "none, not parked: " : "none, the message is parked") +
                                      not_parked_reason(d)
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

 private:
  const std::vector<std::string>& values(int field) const {
    if (field < 0 || !f_.fields || static_cast<std::size_t>(field) >= f_.fields->size()) return k_none;
    return (*f_.fields)[field];
  }

  template <class F>
  void trace_line(F&& text) {
    if (trace_) *trace_ += text();
  }
  void note(const std::string& s) {
    if (why_) why_->push_back(s);
  }
  bool wants_text() const { return trace_ || why_ || missing_; }
  // `unrouted:` applies: no rule matched a type whose "no match" needs no operator.
  const std::string* unrouted(const decision& d) const {
    if (!d.matched_rules.empty()) return nullptr;
    auto u = im_.unrouted.find(f_.message_type);
    return u == im_.unrouted.end() ? nullptr : &u->second;
  }
  bool not_parked(const decision& d) const { return unrouted(d) != nullptr; }
  std::string not_parked_reason(const decision& d) const {
    const std::string* u = unrouted(d);
    return u ? *u + " (counted, stored, nothing for an operator)" : std::string();
  }

  template <class It>
  void trace_fields(It it, It dis) {
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

  void run_rule(const rule& r, decision& d) {
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

  bool holds(const predicate& p, std::string* why) {
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
  int is_minor(std::string* why) {
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

  // The address a template's gemeentecode came from, for split municipalities (`splits:`).
  struct address {
    bool known = false;  // one address decided the value
    std::string postcode, place;
    std::string note;  // why postcode or place are not known, for the reason
  };

  // The value of `field` at `index` if the field has one value per address (`count`), else "" and a note.
  std::string at_address(int field, std::size_t index, std::size_t count, std::string_view what, std::string& note) {
    const auto& v = values(field);
    if (field < 0 || v.empty()) return {};
    if (v.size() != count) {
      note += (note.empty() ? "" : "; ") + std::string("not every address carries a ") + std::string(what);
      return {};
    }
    return std::string(trim(v[index]));
  }

  // The successor of split municipality `sp` that the address decides, or "" (and `why`).
  std::string decide_split(const detail::split& sp, const address& a, std::string& how, std::string* why) {
    const detail::split_successor* by_pc = nullptr;
    const detail::split_successor* by_place = nullptr;
    int pc = 0;
    if (a.postcode.size() >= 4 &&
        std::from_chars(a.postcode.data(), a.postcode.data() + 4, pc).ptr == a.postcode.data() + 4)
      for (const auto& s : sp.successors)
        for (const auto& [lo, hi] : s.postcodes)
          if (pc >= lo && pc <= hi) by_pc = &s;
    const std::string place = detail::fold_place(a.place);
    if (!place.empty())
      for (const auto& s : sp.successors)
        if (std::binary_search(s.places.begin(), s.places.end(), place)) by_place = &s;
    auto candidates = [&] {
      std::string c;
      for (const auto& s : sp.successors) c += (c.empty() ? "" : ", ") + s.code;
      return c;
    };
    const std::string head = "gemeentecode " + sp.code + " (" + std::string(im_.gemeenten->name(sp.code)) +
                             ") was split over " + candidates() + " (" + im_.splits_file + ":" +
                             std::to_string(sp.line) + ")";
    const std::string seen = "postcode " + (a.postcode.empty() ? std::string("none") : a.postcode) + ", woonplaats " +
                             (a.place.empty() ? std::string("none") : a.place) +
                             (a.note.empty() ? std::string() : "; " + a.note);
    if (by_pc && by_place && by_pc != by_place) {
      if (why)
        *why = head + "; the address disagrees with itself (postcode " + a.postcode + " -> " + by_pc->code +
               ", woonplaats " + a.place + " -> " + by_place->code + "): candidates " + candidates();
      return {};
    }
    if (by_pc) {
      how = "postcode " + a.postcode;
      return by_pc->code;
    }
    if (by_place) {
      how = "woonplaats " + a.place;
      return by_place->code;
    }
    if (why) *why = head + "; the address (" + seen + ") decides none of them: candidates " + candidates();
    return {};
  }

  // The split that `code` or a code it became belongs to, or nullptr.
  const detail::split* split_of(std::string_view code) const {
    if (im_.splits.empty()) return nullptr;
    std::string_view at = code;
    for (int steps = 0; steps < 64 && !at.empty(); ++steps) {
      if (auto it = im_.splits.find(at); it != im_.splits.end()) return &it->second;
      if (im_.gemeenten->is_current(at)) return nullptr;
      at = im_.gemeenten->new_code(at);
    }
    return nullptr;
  }

  // The last BRP address that is not a DJI institution: latest begindatum, later record on a tie.
  void brp_gemeente(std::vector<std::string>& out, std::string* why, address* addr = nullptr) {
    const auto& codes = values(im_.brp_code);
    const auto& dates = values(im_.brp_date);
    const auto& dji = values(im_.brp_dji);
    if (codes.size() != dates.size() || codes.size() != dji.size()) {
      if (why)
        *why = "BRP address fields are not parallel (" + std::to_string(codes.size()) + " codes, " +
               std::to_string(dates.size()) + " dates, " + std::to_string(dji.size()) + " flags)";
      return;
    }
    int best = -1, best_date = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      int d = 0;
      if (!is_false(dji[i]) || !parse_date(dates[i], d)) continue;
      if (best < 0 || d >= best_date) {
        best = static_cast<int>(i);
        best_date = d;
      }
    }
    if (best < 0) {
      if (why) *why = "no BRP address outside a DJI institution";
      return;
    }
    out.emplace_back(trim(codes[best]));
    if (addr && !im_.splits.empty()) {
      addr->known = true;
      addr->postcode =
          at_address(im_.brp_postcode, static_cast<std::size_t>(best), codes.size(), "postcode", addr->note);
      addr->place = at_address(im_.brp_place, static_cast<std::size_t>(best), codes.size(), "woonplaats", addr->note);
    }
  }

  // The template's source values (before its pipeline), with where they came from for a split municipality.
  void source_values(const recipient_template& t, std::vector<std::string>& vals, std::string* w, std::string& why,
                     std::string& steps, address& addr) {
    switch (t.source) {
      case source_kind::brp_gemeente:
        brp_gemeente(vals, w, &addr);
        if (wants_text()) steps = "brp_gemeente -> " + join(vals);
        break;
      case source_kind::verlof_gemeente:
        for (const auto& v : values(im_.verlof_code)) vals.emplace_back(trim(v));
        if (vals.empty() && w) why = "no verlof/adres/gemeentecode";
        if (vals.size() == 1 && !im_.splits.empty()) {
          addr.known = true;
          addr.postcode = at_address(im_.verlof_postcode, 0, 1, "postcode", addr.note);
          addr.place = at_address(im_.verlof_place, 0, 1, "woonplaats", addr.note);
        }
        if (wants_text()) steps = "verlof_gemeente -> " + join(vals);
        break;
      case source_kind::field:
        for (const auto& v : values(t.field)) vals.emplace_back(trim(v));
        if (vals.empty() && w) why = "field " + t_.field_paths()[t.field] + " absent";
        if (wants_text()) steps = "field -> " + join(vals);
        break;
    }
  }

  // `current` of one code: its municipality today; a split one only where the address decides the successor.
  void current_of(const std::string& v, const address& addr, std::vector<std::string>& next, std::string* w,
                  std::string& why, std::string& split_note) {
    if (const detail::split* sp = split_of(v)) {
      // Not guessed: the address decides the successor, or nobody gets it (an operator does).
      std::string how;
      std::string s = addr.known ? decide_split(*sp, addr, how, w) : std::string();
      if (!addr.known && w)
        why = "gemeentecode " + sp->code + " was split (" + im_.splits_file + ":" + std::to_string(sp->line) +
              ") and no single address decides the successor";
      if (!s.empty()) {
        if (wants_text()) split_note = " (split " + sp->code + ", by " + how + ")";
        next.push_back(std::move(s));
      }
      return;
    }
    auto c = im_.gemeenten->current(v);
    if (c)
      next.emplace_back(*c);
    else if (w)
      why = "gemeentecode " + v + " has no current municipality";
  }

  // One pipeline step (`current` or `in_list`) over the values.
  void apply_step(const detail::step& st, std::vector<std::string>& vals, const address& addr, std::string* w,
                  std::string& why, std::string& steps) {
    std::vector<std::string> next;
    std::string split_note;
    for (const std::string& v : vals) {
      if (st.kind == step_kind::current) {
        current_of(v, addr, next, w, why, split_note);
      } else if (std::binary_search(st.list->begin(), st.list->end(), v)) {
        next.push_back(v);
      } else if (w) {
        why = v + " is not in list " + st.list_name;
      }
    }
    vals = std::move(next);
    if (wants_text())
      steps += (st.kind == step_kind::current ? " | current -> " : " | in_list(" + st.list_name + ") -> ") +
               join(vals) + split_note;
  }

  void expand(const rule& r, const recipient_template& t, std::vector<std::string>& out) {
    if (t.constant) {
      out.push_back(t.prefix);
      trace_line([&] { return "    recipient " + t.text + "\n"; });
      return;
    }
    std::vector<std::string> vals;
    std::string why;
    std::string* w = wants_text() ? &why : nullptr;
    std::string steps;  // the pipeline's intermediate values, for explain
    address addr;       // where the value came from, for a split municipality
    source_values(t, vals, w, why, steps, addr);
    for (const auto& st : t.steps) apply_step(st, vals, addr, w, why, steps);
    std::size_t produced = 0;
    for (const std::string& v : vals) {
      std::string name = t.prefix + v + t.suffix;
      bool ok = t.municipal ? im_.gemeenten->is_current(v) : im_.named_recipients.count(name) > 0;
      if (!ok) {
        if (w) why = "'" + name + "' is no known recipient";
        continue;
      }
      out.push_back(std::move(name));
      ++produced;
    }
    trace_line([&] {
      return "    recipient " + t.text + ": " + steps +
             (produced ? std::string() : "; none produced (" + (why.empty() ? std::string("no value") : why) + ")") +
             "\n";
    });
    if (produced) return;
    ++unproduced_;
    const std::string missing = r.id + ": " + t.text + " produced no recipient: " + (why.empty() ? "no value" : why);
    if (why_) why_->push_back(missing);
    if (missing_) missing_->push_back(missing);
  }

  // The deadline of the message's outbox entries, from its own dates (docs/routing.md, "Deadlines").
  void deadline(decision& d) {
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

 public:
  /// Templates of matched rules that produced no recipient (a partial delivery when others did).
  std::size_t unproduced() const noexcept { return unproduced_; }
  void collect_missing(std::vector<std::string>* m) noexcept { missing_ = m; }

 private:
  std::size_t unproduced_ = 0;
  std::vector<std::string>* missing_ = nullptr;

  const table& t_;
  const table::impl& im_;
  const facts& f_;
  std::string* trace_;
  std::vector<std::string>* why_;
};

}  // namespace

std::size_t evaluate(const table& t, const table::impl& im, const facts& f, decision& d, const sinks& s) {
  evaluator ev(t, im, f, s.trace, s.why);
  ev.collect_missing(s.missing);
  ev.run(d);
  return ev.unproduced();
}

}  // namespace jubes::routing::eval
