// SPDX-License-Identifier: EUPL-1.2
// The recipients a matched rule names: template sources, pipeline steps (current, in_list), split municipalities.
#include <algorithm>
#include <charconv>

#include "compiler.hpp"
#include "evaluator.hpp"

namespace jubes::routing::eval {

namespace {

bool is_false(std::string_view v) {
  v = trim(v);
  return v == "false" || v == "0";
}

}  // namespace

// The value of `field` at `index` if the field has one value per address (`count`), else "" and a note.
std::string evaluator::at_address(int field, std::size_t index, std::size_t count, std::string_view what,
                                  std::string& note) {
  const auto& v = values(field);
  if (field < 0 || v.empty()) return {};
  if (v.size() != count) {
    note += (note.empty() ? "" : "; ") + std::string("not every address carries a ") + std::string(what);
    return {};
  }
  return std::string(trim(v[index]));
}

// The successor of split municipality `sp` that the address decides, or "" (and `why`).
std::string evaluator::decide_split(const detail::split& sp, const address& a, std::string& how, std::string* why) {
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
                           ") was split over " + candidates() + " (" + im_.splits_file + ":" + std::to_string(sp.line) +
                           ")";
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
const detail::split* evaluator::split_of(std::string_view code) const {
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
void evaluator::brp_gemeente(std::vector<std::string>& out, std::string* why, address* addr) {
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
    addr->postcode = at_address(im_.brp_postcode, static_cast<std::size_t>(best), codes.size(), "postcode", addr->note);
    addr->place = at_address(im_.brp_place, static_cast<std::size_t>(best), codes.size(), "woonplaats", addr->note);
  }
}

// The template's source values (before its pipeline), with where they came from for a split municipality.
void evaluator::source_values(const recipient_template& t, std::vector<std::string>& vals, std::string* w,
                              std::string& why, std::string& steps, address& addr) {
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
void evaluator::current_of(const std::string& v, const address& addr, std::vector<std::string>& next, std::string* w,
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
void evaluator::apply_step(const detail::step& st, std::vector<std::string>& vals, const address& addr, std::string* w,
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
    steps += (st.kind == step_kind::current ? " | current -> " : " | in_list(" + st.list_name + ") -> ") + join(vals) +
             split_note;
}

void evaluator::expand(const rule& r, const recipient_template& t, std::vector<std::string>& out) {
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

}  // namespace jubes::routing::eval
