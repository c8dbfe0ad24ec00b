// SPDX-License-Identifier: EUPL-1.2
// The routes-file compiler, deadlines: the `deadlines:` section that gives each outbox entry of a
// message type its legal deadline, computed from the message's own dates (docs/routing.md,
// "Deadlines"). See compiler.hpp.
#include <algorithm>
#include <charconv>

#include "compiler.hpp"
#include "deadline.hpp"

namespace jubes::routing::detail {

// "2d", "36h", "1w", "0d" -> milliseconds.
bool compiler::lead_time(const YAML::Node& n, std::int64_t& ms) {
  std::string s;
  if (!scalar(n, "lead_time", s)) return false;
  std::int64_t unit = 0;
  if (!s.empty()) unit = s.back() == 'h' ? 3600 : s.back() == 'd' ? 86400 : s.back() == 'w' ? 7 * 86400 : 0;
  std::int64_t v = -1;
  if (unit != 0) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, v);
    if (ec != std::errc() || ptr != s.data() + s.size() - 1) v = -1;
  }
  if (unit == 0 || v < 0 || v > 3650)
    return fail(errc::invalid_rule, n, "lead_time must be a duration such as 36h, 2d or 1w, not '" + s + "'");
  ms = v * unit * 1000;
  return true;
}

bool compiler::compile_deadlines(const YAML::Node& n) {
  if (!n.IsMap()) return fail(errc::invalid_rule, n, "'deadlines' must be a mapping with 'rules'");
  YAML::Node lead = undef(), holidays = undef(), rules = undef();
  if (!bind_keys(n, "deadlines", {{"lead_time", &lead}, {"holidays", &holidays}, {"rules", &rules}})) return false;
  std::int64_t default_lead = 86400 * 1000;
  if (lead && !lead_time(lead, default_lead)) return false;
  if (holidays) {
    if (!holidays.IsSequence()) return fail(errc::invalid_rule, holidays, "'holidays' must be a list of dates");
    for (const YAML::Node& h : holidays) {
      std::string s;
      int d = 0;
      if (!scalar(h, "a holiday", s)) return false;
      if (s.size() != 10 || !parse_date(s, d))
        return fail(errc::invalid_rule, h, "holiday '" + s + "' is not a date YYYY-MM-DD");
      im.holidays.push_back(d);
    }
    std::sort(im.holidays.begin(), im.holidays.end());
    im.holidays.erase(std::unique(im.holidays.begin(), im.holidays.end()), im.holidays.end());
  }
  if (!rules || !rules.IsSequence())
    return fail(errc::invalid_rule, rules ? rules : n, "'deadlines.rules' must be a list");
  for (const YAML::Node& rn : rules)
    if (!compile_deadline_rule(rn, default_lead)) return false;
  return true;
}

bool compiler::compile_deadline_rule(const YAML::Node& rn, std::int64_t default_lead_ms) {
  if (!rn.IsMap())
    return fail(errc::invalid_rule, rn, "a deadline rule must be a mapping with id, types and before or working_days");
  YAML::Node id = undef(), types = undef(), before = undef(), days = undef(), after = undef(), lead = undef();
  if (!bind_keys(rn, "deadline rule",
                 {{"id", &id},
                  {"description", nullptr},
                  {"types", &types},
                  {"before", &before},
                  {"working_days", &days},
                  {"after", &after},
                  {"lead_time", &lead}}))
    return false;
  deadline_rule d;
  d.line = line_of(rn);
  d.lead_ms = default_lead_ms;
  if (!new_id(rn, id, "deadline rule", im.deadlines, d.id)) return false;
  const std::string where = "deadline rule '" + d.id + "'";
  if (!types) return fail(errc::invalid_rule, rn, where + " has no 'types'");
  if (!resolve_types(types, d.types)) return false;
  if (d.types.empty()) return fail(errc::never_matches, types, where + ": its type list is empty");
  for (const std::string& t : d.types) {
    auto prev = im.deadline_by_type.find(t);
    if (prev != im.deadline_by_type.end()) {
      const deadline_rule& o = im.deadlines[prev->second];
      return fail(errc::invalid_rule, types,
                  where + ": message type '" + t + "' already has deadline rule '" + o.id + "' (line " +
                      std::to_string(o.line) + ")");
    }
  }
  if (lead && !lead_time(lead, d.lead_ms)) return false;
  if (static_cast<bool>(before) == static_cast<bool>(days))
    return fail(errc::invalid_rule, rn, where + " needs exactly one of 'before' or 'working_days'");
  if (before && after)
    return fail(errc::invalid_rule, after, where + ": 'after' goes with 'working_days', not 'before'");

  // A field a deadline reads: checked like a rule's condition, against the schema of every type.
  rule probe;
  probe.types = d.types;
  if (before ? !deadline_before(d, probe, before, where) : !deadline_working_days(d, probe, days, after, where))
    return false;
  const auto index = static_cast<std::uint32_t>(im.deadlines.size());
  for (const std::string& t : d.types) im.deadline_by_type.emplace(t, index);
  im.deadlines.push_back(std::move(d));
  return true;
}

bool compiler::deadline_field(deadline_rule& d, rule& probe, const YAML::Node& node, const std::string& path) {
  int index = -1;
  if (!use_field(probe, node, path, "deadline rule '" + d.id + "'", index)) return false;
  d.fields.push_back(index);
  return true;
}

bool compiler::deadline_before(deadline_rule& d, rule& probe, const YAML::Node& before, const std::string& where) {
  d.kind = deadline_kind::before;
  std::vector<std::string> paths;
  if (before.IsScalar()) {
    paths.push_back(before.Scalar());
  } else if (!string_list(before, "before", paths)) {
    return false;
  }
  if (paths.empty()) return fail(errc::invalid_rule, before, where + ": 'before' names no date field");
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (!deadline_field(d, probe, before.IsScalar() ? before : before[i], paths[i])) return false;
  if (paths.size() == 1) {
    d.text = "before " + paths[0];
  } else {
    d.text = "before the first of [";
    for (std::size_t i = 0; i < paths.size(); ++i) d.text += (i ? ", " : "") + paths[i];
    d.text += "]";
  }
  return true;
}

bool compiler::deadline_working_days(deadline_rule& d, rule& probe, const YAML::Node& days, const YAML::Node& after,
                                     const std::string& where) {
  d.kind = deadline_kind::working_days;
  std::string s;
  if (!scalar(days, "working_days", s)) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d.days);
  if (ec != std::errc() || ptr != s.data() + s.size() || d.days < 1 || d.days > 366)
    return fail(errc::invalid_rule, days,
                where + ": working_days must be a whole number from 1 to 366, not '" + s + "'");
  std::string base = std::string(k_event_date);
  if (after && !scalar(after, "after", base)) return false;
  if (!deadline_field(d, probe, after ? after : days, base)) return false;
  d.text = "within " + std::to_string(d.days) + " working days after " + base;
  return true;
}

}  // namespace jubes::routing::detail
