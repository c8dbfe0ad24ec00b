// SPDX-License-Identifier: EUPL-1.2
// The routes-file compiler, rules: types, sources, switches, conditions (and the check that they
// can hold together) and recipient templates. See compiler.hpp and docs/routing.md.
#include <algorithm>
#include <charconv>

#include "common/recipient.hpp"
#include "compiler.hpp"

namespace jubes::routing::detail {

namespace {
std::string join_set(const std::set<std::string>& s) {
  std::string out;
  for (const auto& e : s) out += (out.empty() ? "" : ", ") + e;
  return out;
}
}  // namespace

bool compiler::compile_rule(const YAML::Node& rn) {
  if (!rn.IsMap()) return fail(errc::invalid_rule, rn, "a rule must be a mapping with id, types, recipients");
  rule r;
  r.line = line_of(rn);
  YAML::Node id = undef(), types = undef(), sources = undef(), when = undef(), recipients = undef(), enabled = undef(),
             feature = undef();
  if (!bind_keys(rn, "rule",
                 {{"id", &id},
                  {"description", nullptr},  // free text, ignored
                  {"types", &types},
                  {"sources", &sources},
                  {"when", &when},
                  {"recipients", &recipients},
                  {"enabled", &enabled},
                  {"feature", &feature}}))
    return false;
  if (!new_id(rn, id, "rule", im.rules, r.id)) return false;
  const std::string where = "rule '" + r.id + "'";

  if (!types) return fail(errc::invalid_rule, rn, where + " has no 'types'");
  if (!resolve_types(types, r.types)) return false;
  if (r.types.empty()) return fail(errc::never_matches, types, where + " can never match: its type list is empty");

  if (sources && !compile_sources(r, sources, where)) return false;

  if (!compile_switches(r, enabled, feature)) return false;

  if (when) {
    if (!when.IsSequence()) return fail(errc::invalid_rule, when, "'when' must be a list of conditions");
    for (const YAML::Node& pn : when)
      if (!compile_predicate(r, pn)) return false;
    if (!check_satisfiable(r, where)) return false;
  }

  if (!recipients) return fail(errc::invalid_rule, rn, where + " has no 'recipients'");
  if (!recipients.IsSequence() || recipients.size() == 0)
    return fail(errc::invalid_rule, recipients, where + ": 'recipients' must be a non-empty list");
  for (const YAML::Node& t : recipients)
    if (!compile_recipient(r, t)) return false;
  std::sort(r.fields_used.begin(), r.fields_used.end());

  const auto index = static_cast<std::uint32_t>(im.rules.size());
  for (const std::string& t : r.types) (r.enabled ? im.by_type : im.disabled_by_type)[t].push_back(index);
  im.rules.push_back(std::move(r));
  return true;
}

// `enabled: false` and `feature: NAME` (off) both disable a rule; explain says which did.
bool compiler::compile_switches(rule& r, const YAML::Node& enabled, const YAML::Node& feature) {
  r.enabled = true;
  if (enabled) {
    bool on = true;
    if (!boolean(enabled, "enabled", on)) return false;
    if (!on) {
      r.enabled = false;
      r.disabled_by = "enabled: false";
    }
  }
  if (feature) {
    std::string fname;
    if (!scalar(feature, "feature", fname)) return false;
    auto f = features.find(fname);
    if (f == features.end())
      return fail(errc::invalid_rule, feature, "unknown feature '" + fname + "' (declare it under 'features')");
    if (!f->second && r.enabled) {
      r.enabled = false;
      r.disabled_by = "feature '" + fname + "' is off";
    }
  }
  return true;
}

bool compiler::compile_sources(rule& r, const YAML::Node& sources, const std::string& where) {
  if (!string_list(sources, "sources", r.sources)) return false;
  if (r.sources.empty())
    return fail(errc::never_matches, sources, where + " can never match: its source list is empty");
  if (!ctx.allowed_sources.empty()) {
    for (std::size_t i = 0; i < r.sources.size(); ++i) {
      bool known = std::any_of(ctx.allowed_sources.begin(), ctx.allowed_sources.end(),
                               [&](const auto& kv) { return kv.second.count(r.sources[i]) > 0; });
      if (!known) return fail(errc::unknown_source, sources[i], "unknown source party '" + r.sources[i] + "'");
    }
    bool any = false;
    for (const std::string& t : r.types) {
      auto a = ctx.allowed_sources.find(t);
      if (a == ctx.allowed_sources.end()) continue;
      for (const std::string& s : r.sources) any = any || a->second.count(s) > 0;
    }
    if (!any)
      return fail(errc::never_matches, sources,
                  where + " can never match: none of its sources may send any of its message types");
  }
  std::sort(r.sources.begin(), r.sources.end());
  r.sources.erase(std::unique(r.sources.begin(), r.sources.end()), r.sources.end());
  return true;
}

// Resolves `in:`/`not_in:` operands: an inline sequence or the name of a list.
bool compiler::value_set(const YAML::Node& n, std::vector<std::string>& out, std::string& shown) {
  if (n.IsScalar()) {
    auto l = im.lists.find(n.Scalar());
    if (l == im.lists.end()) return fail(errc::invalid_rule, n, "unknown list '" + n.Scalar() + "'");
    out = l->second;
    shown = n.Scalar();
    return true;
  }
  if (!string_list(n, "a value set", out)) return false;
  shown = "[";
  for (std::size_t i = 0; i < out.size(); ++i) shown += (i ? ", " : "") + out[i];
  shown += "]";
  return true;
}

// xs:boolean has two lexical forms per value; a literal true/false accepts both.
void compiler::add_value(std::vector<std::string>& vals, const std::string& v) {
  if (v == "true") {
    vals.push_back("1");
    vals.push_back("true");
  } else if (v == "false") {
    vals.push_back("0");
    vals.push_back("false");
  } else {
    vals.push_back(v);
  }
}

bool compiler::compile_predicate(rule& r, const YAML::Node& pn) {
  if (!pn.IsMap()) return fail(errc::invalid_rule, pn, "a condition must be a mapping like {field: PATH, eq: VALUE}");
  predicate p;
  p.line = line_of(pn);
  YAML::Node field = undef(), fn = undef(), op_node = undef();
  std::string op;
  for (auto it = pn.begin(); it != pn.end(); ++it) {
    std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
    if (k == "field")
      field.reset(it->second);
    else if (k == "fn")
      fn.reset(it->second);
    else if (k == "eq" || k == "ne" || k == "in" || k == "not_in" || k == "present" || k == "lt" || k == "le" ||
             k == "gt" || k == "ge" || k == "is") {
      if (op_node) return fail(errc::invalid_rule, it->first, "a condition takes exactly one operator");
      op = k;
      op_node.reset(it->second);
    } else {
      return fail(errc::invalid_rule, it->first,
                  "unknown condition key '" + k + "' (expected field or fn, and one of eq, ne, in, not_in, " +
                      "present, lt, le, gt, ge, is)");
    }
  }
  if (static_cast<bool>(field) == static_cast<bool>(fn))
    return fail(errc::invalid_rule, pn, "a condition needs exactly one of 'field' or 'fn'");

  if (fn) {
    std::string fname;
    if (!scalar(fn, "fn", fname)) return false;
    if (fname != "minor")
      return fail(errc::unknown_function, fn, "unknown function '" + fname + "' in a condition (known: minor)");
    if (op_node && op != "is")
      return fail(errc::invalid_rule, op_node, "function conditions take only 'is: true|false'");
    if (op_node && !boolean(op_node, "is", p.expect)) return false;
    p.kind = pred_kind::minor;
    if (!use_field(r, fn, k_birth_date, "minor", im.birth_date) ||
        !use_field(r, fn, k_event_date, "minor", im.event_date))
      return false;
    p.text = std::string("minor is ") + (p.expect ? "true" : "false");
    r.preds.push_back(std::move(p));
    return true;
  }

  std::string path;
  if (!scalar(field, "field", path)) return false;
  if (!use_field(r, field, path, "", p.field)) return false;
  if (!op_node) return fail(errc::invalid_rule, pn, "condition on '" + path + "' has no operator");
  if (op == "is") return fail(errc::invalid_rule, op_node, "'is' applies to function conditions only");
  if (!compile_field_predicate(r, p, path, op, op_node)) return false;
  std::sort(p.values.begin(), p.values.end());
  p.values.erase(std::unique(p.values.begin(), p.values.end()), p.values.end());
  r.preds.push_back(std::move(p));
  return true;
}

// The operator of a field condition: present, eq/ne, in/not_in or a comparison.
bool compiler::compile_field_predicate(rule& r, predicate& p, const std::string& path, const std::string& op,
                                       const YAML::Node& op_node) {
  if (op == "present") {
    bool v = true;
    if (!boolean(op_node, "present", v)) return false;
    p.kind = v ? pred_kind::present : pred_kind::absent;
    p.text = path + (v ? " present" : " absent");
  } else if (op == "eq" || op == "ne") {
    std::string v;
    if (!scalar(op_node, op, v)) return false;
    add_value(p.values, v);
    p.kind = op == "eq" ? pred_kind::eq : pred_kind::ne;
    p.text = path + " " + op + " " + v;
  } else if (op == "in" || op == "not_in") {
    std::vector<std::string> vals;
    std::string shown;
    if (!value_set(op_node, vals, shown)) return false;
    if (vals.empty() && op == "in")
      return fail(errc::never_matches, op_node, "rule '" + r.id + "' can never match: 'in' an empty set");
    for (const std::string& v : vals) add_value(p.values, v);
    p.kind = op == "in" ? pred_kind::in : pred_kind::not_in;
    p.text = path + " " + op + " " + shown;
  } else {
    std::string v;
    if (!scalar(op_node, op, v)) return false;
    bool dur = false;
    if (!parse_number_or_duration(v, p.number, dur))
      return fail(errc::invalid_rule, op_node,
                  "'" + v + "' is neither an integer nor a duration (Nd, Nw, Ny with a year of 365 days)");
    p.kind = pred_kind::cmp;
    p.op = op == "lt" ? cmp_op::lt : op == "le" ? cmp_op::le : op == "gt" ? cmp_op::gt : cmp_op::ge;
    p.text = path + " " + op + " " + v + (dur ? " (" + std::to_string(p.number) + " days)" : "");
  }
  return true;
}

// Refuses conditions that no message can satisfy together. Semantics (see docs/routing.md):
// eq/in need some value in the set, ne/not_in need no value in it, lt..ge need at least one value
// and every value numeric and in range, absent needs no value.
bool compiler::check_satisfiable(const rule& r, const std::string& where) {
  auto never = [&](const predicate& a, const predicate& b) {
    return fail(errc::never_matches, a.line,
                where + " can never match: '" + a.text + "' contradicts '" + b.text + "' (line " +
                    std::to_string(b.line) + ")");
  };
  for (std::size_t i = 0; i < r.preds.size(); ++i) {
    const predicate& a = r.preds[i];
    if (a.kind == pred_kind::minor) {
      for (std::size_t j = 0; j < i; ++j)
        if (r.preds[j].kind == pred_kind::minor && r.preds[j].expect != a.expect) return never(a, r.preds[j]);
      continue;
    }
    // Numeric range of all comparisons on this field.
    std::int64_t lo = INT64_MIN, hi = INT64_MAX;
    bool has_cmp = false;
    for (const predicate& c : r.preds) {
      if (c.kind != pred_kind::cmp || c.field != a.field) continue;
      has_cmp = true;
      if (c.op == cmp_op::lt) hi = std::min(hi, c.number == INT64_MIN ? INT64_MIN : c.number - 1);
      if (c.op == cmp_op::le) hi = std::min(hi, c.number);
      if (c.op == cmp_op::gt) lo = std::max(lo, c.number == INT64_MAX ? INT64_MAX : c.number + 1);
      if (c.op == cmp_op::ge) lo = std::max(lo, c.number);
    }
    auto in_range = [&](const std::string& v) {
      std::int64_t x = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      return ec == std::errc() && ptr == v.data() + v.size() && x >= lo && x <= hi;
    };
    if (has_cmp && lo > hi) {
      for (const predicate& c : r.preds)
        if (c.kind == pred_kind::cmp && c.field == a.field && &c != &a) return never(a, c);
    }
    for (std::size_t j = 0; j < i; ++j) {
      const predicate& b = r.preds[j];
      if (b.field != a.field || b.kind == pred_kind::minor) continue;
      auto positive = [](pred_kind k) {
        return k == pred_kind::eq || k == pred_kind::in || k == pred_kind::present || k == pred_kind::cmp;
      };
      if ((a.kind == pred_kind::absent && positive(b.kind)) || (b.kind == pred_kind::absent && positive(a.kind)))
        return never(a, b);
      const predicate* pos = nullptr;
      const predicate* neg = nullptr;
      if ((a.kind == pred_kind::eq || a.kind == pred_kind::in) &&
          (b.kind == pred_kind::ne || b.kind == pred_kind::not_in)) {
        pos = &a;
        neg = &b;
      } else if ((b.kind == pred_kind::eq || b.kind == pred_kind::in) &&
                 (a.kind == pred_kind::ne || a.kind == pred_kind::not_in)) {
        pos = &b;
        neg = &a;
      }
      if (pos && std::all_of(pos->values.begin(), pos->values.end(), [&](const std::string& v) {
            return std::binary_search(neg->values.begin(), neg->values.end(), v);
          }))
        return never(a, b);
    }
    if (has_cmp && (a.kind == pred_kind::eq || a.kind == pred_kind::in) &&
        std::none_of(a.values.begin(), a.values.end(), in_range)) {
      for (const predicate& c : r.preds)
        if (c.kind == pred_kind::cmp && c.field == a.field) return never(a, c);
    }
  }
  return true;
}

// "rvdk", "gemeente:0363", or a template "gemeente:{brp_gemeente | current | in_list(bij)}".
// A constant "rvdk" or "gemeente:0363", or a template "gemeente:{brp_gemeente | current | in_list(bij)}".
// A municipal recipient's mailbox: with municipal_boxes configured, it must name one of them.
bool compiler::check_box(const YAML::Node& tn, const std::string& s, std::string_view box) {
  if (ctx.municipal_boxes.empty()) return true;
  if (box.empty())
    return fail(
        errc::unknown_recipient, tn,
        "municipal recipient '" + s + "' names no mailbox (add /BOX, one of " + join_set(ctx.municipal_boxes) + ")");
  if (!ctx.municipal_boxes.count(std::string(box)))
    return fail(errc::unknown_recipient, tn,
                "municipal recipient '" + s + "' names unknown mailbox '" + std::string(box) + "' (one of " +
                    join_set(ctx.municipal_boxes) + ")");
  return true;
}

bool compiler::compile_recipient(rule& r, const YAML::Node& tn) {
  recipient_template t;
  if (!scalar(tn, "a recipient", t.text)) return false;
  t.line = line_of(tn);
  const std::string& s = t.text;
  std::size_t open = s.find('{');
  std::size_t close = s.find('}');
  if (open == std::string::npos && close == std::string::npos) {
    t.constant = true;
    t.prefix = s;
    const auto who = recipient::parse(s);
    if (who && who->is_municipality()) {
      if (!ctx.gemeenten->is_current(who->gemeentecode()))
        return fail(
            errc::unknown_recipient, tn,
            "unknown recipient '" + s + "': " + std::string(who->gemeentecode()) + " is not a current municipality");
      if (!check_box(tn, s, who->box())) return false;
    } else if (!ctx.named_recipients.count(s)) {
      return fail(errc::unknown_recipient, tn, "unknown recipient '" + s + "'");
    }
    r.recipients.push_back(std::move(t));
    return true;
  }
  if (open == std::string::npos || close == std::string::npos || close < open ||
      s.find('{', open + 1) != std::string::npos || s.find('}', close + 1) != std::string::npos)
    return fail(errc::invalid_rule, tn, "recipient template '" + s + "' needs exactly one {...}");
  t.constant = false;
  t.prefix = s.substr(0, open);
  t.suffix = s.substr(close + 1);
  if (!compile_pipeline(r, t, tn)) return false;
  t.municipal = t.prefix == recipient::municipality_prefix &&
                (t.suffix.empty() || (t.suffix.front() == '/' && recipient::is_box_name(t.suffix.substr(1))));
  if (t.municipal && !check_box(tn, s, t.suffix.empty() ? std::string_view() : std::string_view(t.suffix).substr(1)))
    return false;
  if (!t.municipal) {
    // Non-municipal templates are allowed, but the result is checked against the named recipients
    // at route time. A template that can only produce unknown names is a mistake we can catch.
    if (t.prefix.starts_with(recipient::municipality_prefix))
      return fail(errc::unknown_recipient, tn,
                  "municipal template '" + s + "' must be exactly gemeente:{...} or gemeente:{...}/BOX");
    bool possible = std::any_of(ctx.named_recipients.begin(), ctx.named_recipients.end(), [&](const std::string& n) {
      return n.size() >= t.prefix.size() + t.suffix.size() && n.starts_with(t.prefix) && n.ends_with(t.suffix);
    });
    if (!possible)
      return fail(errc::unknown_recipient, tn, "recipient template '" + s + "' cannot produce any known recipient");
  }
  r.recipients.push_back(std::move(t));
  return true;
}

// The {...} of a template: a source (brp_gemeente, verlof_gemeente, field(PATH)), then filters.
bool compiler::compile_pipeline(rule& r, recipient_template& t, const YAML::Node& tn) {
  const std::string& s = t.text;
  const std::size_t open = s.find('{');
  const std::string body = s.substr(open + 1, s.find('}') - open - 1);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t bar = body.find('|', start);
    parts.push_back(
        trim(std::string_view(body).substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  auto call = [](const std::string& part, std::string& fname, std::string& arg) {
    std::size_t p = part.find('(');
    if (p == std::string::npos) {
      fname = part;
      arg.clear();
      return true;
    }
    if (part.back() != ')') return false;
    fname = trim(std::string_view(part).substr(0, p));
    arg = trim(std::string_view(part).substr(p + 1, part.size() - p - 2));
    return true;
  };
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string fname, arg;
    if (parts[i].empty() || !call(parts[i], fname, arg))
      return fail(errc::invalid_rule, tn, "malformed pipeline step '" + parts[i] + "' in '" + s + "'");
    if (i == 0) {
      if (fname == "brp_gemeente" && arg.empty()) {
        t.source = source_kind::brp_gemeente;
        if (!use_field(r, tn, k_brp_code, "brp_gemeente", im.brp_code) ||
            !use_field(r, tn, k_brp_date, "brp_gemeente", im.brp_date) ||
            !use_field(r, tn, k_brp_dji, "brp_gemeente", im.brp_dji))
          return false;
        // A split municipality is resolved with the chosen address's postcode and place (splits:).
        if (!im.splits.empty() && (!use_field(r, tn, k_brp_postcode, "splits", im.brp_postcode) ||
                                   !use_field(r, tn, k_brp_place, "splits", im.brp_place)))
          return false;
      } else if (fname == "verlof_gemeente" && arg.empty()) {
        t.source = source_kind::verlof_gemeente;
        if (!use_field(r, tn, k_verlof_code, "verlof_gemeente", im.verlof_code)) return false;
        if (!im.splits.empty() && (!use_field(r, tn, k_verlof_postcode, "splits", im.verlof_postcode) ||
                                   !use_field(r, tn, k_verlof_place, "splits", im.verlof_place)))
          return false;
      } else if (fname == "field" && !arg.empty()) {
        t.source = source_kind::field;
        if (!use_field(r, tn, arg, "", t.field)) return false;
      } else if (fname == "current" || fname == "in_list") {
        return fail(
            errc::invalid_rule, tn,
            "'" + fname + "' needs an input; start the pipeline with brp_gemeente, verlof_gemeente or field(PATH)");
      } else {
        return fail(
            errc::unknown_function, tn,
            "unknown function '" + fname + "' in '" + s + "' (sources: brp_gemeente, verlof_gemeente, field(PATH))");
      }
      continue;
    }
    step st;
    if (fname == "current" && arg.empty()) {
      st.kind = step_kind::current;
    } else if (fname == "in_list" && !arg.empty()) {
      auto l = im.lists.find(arg);
      if (l == im.lists.end()) return fail(errc::invalid_rule, tn, "unknown list '" + arg + "' in '" + s + "'");
      st.kind = step_kind::in_list;
      st.list = &l->second;
      st.list_name = arg;
    } else {
      return fail(errc::unknown_function, tn,
                  "unknown function '" + parts[i] + "' in '" + s + "' (filters: current, in_list(LIST))");
    }
    t.steps.push_back(std::move(st));
  }
  return true;
}

}  // namespace jubes::routing::detail
