// The routes-file compiler: YAML in, an immutable table::impl out, or one error with file:line.
// The language is documented in docs/routing.md; keep the two in step.
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "table_impl.hpp"

namespace jubes::routing {
namespace {

using detail::cmp_op;
using detail::pred_kind;
using detail::predicate;
using detail::recipient_template;
using detail::rule;
using detail::source_kind;
using detail::step;
using detail::step_kind;

// Field paths that the built-in functions read (names from docs/MESSAGES.md).
constexpr std::string_view k_brp_code = "persoon/brpAdressen/adres/gemeentecode";
constexpr std::string_view k_brp_date = "persoon/brpAdressen/adres/begindatum";
constexpr std::string_view k_brp_dji = "persoon/brpAdressen/adres/djiInstelling";
constexpr std::string_view k_verlof_code = "verlof/adres/gemeentecode";
constexpr std::string_view k_birth_date = "persoon/geboortedatum";
constexpr std::string_view k_event_date = "gebeurtenisdatum";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  out = ss.str();
  return true;
}

std::string sha256_hex12(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return "unknown";
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 6 && i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

bool valid_path(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.back() == '/') return false;
  bool seg_start = true;
  for (char c : p) {
    if (c == '/') {
      if (seg_start) return false;
      seg_start = true;
      continue;
    }
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool other = (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (seg_start && !alpha) return false;
    if (!alpha && !other) return false;
    seg_start = false;
  }
  return true;
}

bool valid_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// "365", "365d", "52w", "1y" -> days (a year counts 365 days, as sentence lengths are in days).
bool parse_number_or_duration(std::string_view s, std::int64_t& out, bool& was_duration) {
  was_duration = false;
  std::int64_t mult = 1;
  if (!s.empty() && (s.back() == 'd' || s.back() == 'w' || s.back() == 'y')) {
    mult = s.back() == 'd' ? 1 : s.back() == 'w' ? 7 : 365;
    s.remove_suffix(1);
    was_duration = true;
  }
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  if (was_duration && out < 0) return false;
  out *= mult;
  return true;
}

YAML::Node undef() {
  return YAML::Node(YAML::NodeType::Undefined);
}

struct compiler {
  const compile_context& ctx;
  std::string name;
  std::filesystem::path base_dir;
  std::string& error;
  table::impl& im;
  std::vector<std::string>& paths;
  std::string hash_input;
  std::map<std::string, bool, std::less<>> features;
  std::map<std::string, std::vector<std::string>, std::less<>> groups;
  errc code = errc::ok;

  static int line_of(const YAML::Node& n) {
    YAML::Mark m = n.Mark();
    return m.line >= 0 ? m.line + 1 : 0;
  }
  bool fail(errc e, int line, const std::string& msg, const std::string& file = {}) {
    error = (file.empty() ? name : file) + ":" + std::to_string(line) + ": " + msg;
    code = e;
    return false;
  }
  bool fail(errc e, const YAML::Node& n, const std::string& msg) { return fail(e, line_of(n), msg); }

  int field_index(std::string_view path) {
    for (std::size_t i = 0; i < paths.size(); ++i)
      if (paths[i] == path) return static_cast<int>(i);
    paths.emplace_back(path);
    return static_cast<int>(paths.size() - 1);
  }

  // A field used by `r`: checked for syntax and, if the context can tell, against each type's schema.
  bool use_field(rule& r, const YAML::Node& where, std::string_view path, std::string_view needed_by, int& index) {
    if (!valid_path(path))
      return fail(errc::unknown_field, where,
                  "malformed field path '" + std::string(path) + "' (local names joined by '/')");
    if (ctx.schema_can_supply) {
      for (const std::string& t : r.types) {
        if (!ctx.schema_can_supply(t, path)) {
          std::string msg = "field '" + std::string(path) + "'";
          if (!needed_by.empty()) msg += " (needed by " + std::string(needed_by) + ")";
          return fail(errc::unknown_field, where,
                      msg + " cannot be supplied by the schema of message type '" + t + "'");
        }
      }
    }
    index = field_index(path);
    if (std::find(r.fields_used.begin(), r.fields_used.end(), index) == r.fields_used.end())
      r.fields_used.push_back(index);
    return true;
  }

  bool scalar(const YAML::Node& n, std::string_view what, std::string& out) {
    if (!n.IsScalar()) return fail(errc::invalid_rule, n, std::string(what) + " must be a scalar");
    out = n.Scalar();
    return true;
  }

  bool boolean(const YAML::Node& n, std::string_view what, bool& out) {
    std::string s;
    if (!scalar(n, what, s)) return false;
    if (s == "true")
      out = true;
    else if (s == "false")
      out = false;
    else
      return fail(errc::invalid_rule, n, std::string(what) + " must be true or false, not '" + s + "'");
    return true;
  }

  bool string_list(const YAML::Node& n, std::string_view what, std::vector<std::string>& out) {
    if (!n.IsSequence()) return fail(errc::invalid_rule, n, std::string(what) + " must be a list");
    for (const YAML::Node& e : n) {
      std::string s;
      if (!scalar(e, what, s)) return false;
      out.push_back(s);
    }
    return true;
  }

  // ---- top level -------------------------------------------------------------------------------

  bool run(const YAML::Node& root) {
    if (!root.IsMap()) return fail(errc::invalid_rule, root, "the routes file must be a mapping with 'rules'");
    // Undefined until seen (a default Node is a defined null); set with reset(), which rebinds,
    // whereas operator= would write through into the node it refers to.
    YAML::Node version = undef(), feats = undef(), lists = undef(), tgroups = undef(), rules = undef();
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (key == "version")
        version.reset(it->second);
      else if (key == "features")
        feats.reset(it->second);
      else if (key == "lists")
        lists.reset(it->second);
      else if (key == "type_groups")
        tgroups.reset(it->second);
      else if (key == "rules")
        rules.reset(it->second);
      else
        return fail(errc::invalid_rule, it->first,
                    "unknown top-level key '" + key + "' (expected version, features, lists, type_groups, rules)");
    }
    if (!version) return fail(errc::invalid_rule, root, "missing 'version: 1'");
    if (!version.IsScalar() || version.Scalar() != "1")
      return fail(errc::invalid_rule, version, "unsupported routes file version (expected 1)");
    if (feats && !compile_features(feats)) return false;
    if (lists && !compile_lists(lists)) return false;
    if (tgroups && !compile_groups(tgroups)) return false;
    if (!rules || !rules.IsSequence()) return fail(errc::invalid_rule, rules ? rules : root, "'rules' must be a list");
    for (const YAML::Node& rn : rules)
      if (!compile_rule(rn)) return false;
    return true;
  }

  bool compile_features(const YAML::Node& n) {
    if (!n.IsMap()) return fail(errc::invalid_rule, n, "'features' must map feature names to true/false");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string fname;
      bool on = false;
      if (!scalar(it->first, "feature name", fname) || !boolean(it->second, "feature '" + fname + "'", on))
        return false;
      if (!valid_id(fname)) return fail(errc::invalid_rule, it->first, "bad feature name '" + fname + "'");
      features[fname] = on;
    }
    return true;
  }

  bool compile_lists(const YAML::Node& n) {
    if (!n.IsMap()) return fail(errc::invalid_rule, n, "'lists' must map list names to values");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string lname;
      if (!scalar(it->first, "list name", lname)) return false;
      if (!valid_id(lname)) return fail(errc::invalid_rule, it->first, "bad list name '" + lname + "'");
      if (im.lists.count(lname)) return fail(errc::invalid_rule, it->first, "list '" + lname + "' defined twice");
      YAML::Node v = it->second;  // a copy: it->second refers into a temporary
      YAML::Node values = undef();
      std::string kind, file_label = name;
      if (v.IsSequence()) {
        values.reset(v);
      } else if (v.IsMap()) {
        YAML::Node file = undef();
        for (auto jt = v.begin(); jt != v.end(); ++jt) {
          std::string k = jt->first.IsScalar() ? jt->first.Scalar() : std::string();
          if (k == "values")
            values.reset(jt->second);
          else if (k == "file")
            file.reset(jt->second);
          else if (k == "kind") {
            if (!scalar(jt->second, "kind", kind)) return false;
            if (kind != "gemeentecodes" && kind != "strings")
              return fail(errc::invalid_rule, jt->second, "list kind must be 'strings' or 'gemeentecodes'");
          } else {
            return fail(errc::invalid_rule, jt->first, "unknown list key '" + k + "' (expected values, file, kind)");
          }
        }
        if (static_cast<bool>(values) == static_cast<bool>(file))
          return fail(errc::invalid_rule, v, "list '" + lname + "' needs exactly one of 'values' or 'file'");
        if (file) {
          std::string fname;
          if (!scalar(file, "file", fname)) return false;
          std::filesystem::path p = base_dir / fname;
          std::string text;
          if (!read_file(p, text))
            return fail(errc::io_error, file, "cannot read list file '" + p.string() + "' of list '" + lname + "'");
          hash_input.append(1, '\0').append(fname).append(1, '\0').append(text);
          file_label = std::filesystem::path(fname).filename().string();
          try {
            values.reset(YAML::Load(text));
          } catch (const YAML::Exception& e) {
            return fail(errc::bad_yaml, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg, file_label);
          }
          if (!values.IsSequence())
            return fail(errc::invalid_rule, line_of(values), "a list file must be a YAML sequence", file_label);
        }
      } else {
        return fail(errc::invalid_rule, v, "list '" + lname + "' must be a sequence or a mapping");
      }
      if (!values.IsSequence()) return fail(errc::invalid_rule, values, "'values' must be a sequence");
      std::vector<std::string> out;
      for (const YAML::Node& e : values) {
        if (!e.IsScalar()) return fail(errc::invalid_rule, line_of(e), "list entries must be scalars", file_label);
        std::string s = e.Scalar();
        if (kind == "gemeentecodes" && !ctx.gemeenten->is_current(s)) {
          std::string why = ctx.gemeenten->exists(s)
                                ? " (dissolved; today " + std::string(ctx.gemeenten->current(s).value_or("none")) + ")"
                                : "";
          return fail(errc::unknown_recipient, line_of(e), "'" + s + "' is not a current municipality" + why,
                      file_label);
        }
        if (std::find(out.begin(), out.end(), s) != out.end())
          return fail(errc::invalid_rule, line_of(e), "'" + s + "' appears twice in list '" + lname + "'", file_label);
        out.push_back(std::move(s));
      }
      std::sort(out.begin(), out.end());
      im.lists.emplace(lname, std::move(out));
    }
    return true;
  }

  bool compile_groups(const YAML::Node& n) {
    if (!n.IsMap()) return fail(errc::invalid_rule, n, "'type_groups' must map group names to message types");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string gname;
      if (!scalar(it->first, "group name", gname)) return false;
      if (!valid_id(gname)) return fail(errc::invalid_rule, it->first, "bad group name '" + gname + "'");
      if (ctx.message_types.count(gname))
        return fail(errc::invalid_rule, it->first, "group name '" + gname + "' is also a message type");
      if (groups.count(gname)) return fail(errc::invalid_rule, it->first, "group '" + gname + "' defined twice");
      std::vector<std::string> types;
      if (!string_list(it->second, "a type group", types)) return false;
      for (std::size_t i = 0; i < types.size(); ++i)
        if (!ctx.message_types.count(types[i]))
          return fail(errc::unknown_message_type, it->second[i], "unknown message type '" + types[i] + "'");
      groups[gname] = std::move(types);
    }
    return true;
  }

  // ---- rules -----------------------------------------------------------------------------------

  bool compile_rule(const YAML::Node& rn) {
    if (!rn.IsMap()) return fail(errc::invalid_rule, rn, "a rule must be a mapping with id, types, recipients");
    rule r;
    r.line = line_of(rn);
    YAML::Node id = undef(), types = undef(), sources = undef(), when = undef(), recipients = undef(),
               enabled = undef(), feature = undef();
    for (auto it = rn.begin(); it != rn.end(); ++it) {
      std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (k == "id")
        id.reset(it->second);
      else if (k == "types")
        types.reset(it->second);
      else if (k == "sources")
        sources.reset(it->second);
      else if (k == "when")
        when.reset(it->second);
      else if (k == "recipients")
        recipients.reset(it->second);
      else if (k == "enabled")
        enabled.reset(it->second);
      else if (k == "feature")
        feature.reset(it->second);
      else if (k == "description")
        continue;
      else
        return fail(errc::invalid_rule, it->first,
                    "unknown rule key '" + k +
                        "' (expected id, description, types, sources, when, recipients, enabled, feature)");
    }
    if (!id) return fail(errc::invalid_rule, rn, "rule without 'id'");
    if (!scalar(id, "id", r.id)) return false;
    if (!valid_id(r.id)) return fail(errc::invalid_rule, id, "bad rule id '" + r.id + "' (letters, digits, - _ .)");
    for (const rule& other : im.rules)
      if (other.id == r.id)
        return fail(errc::invalid_rule, id,
                    "rule id '" + r.id + "' already used at line " + std::to_string(other.line));
    const std::string where = "rule '" + r.id + "'";

    if (!types) return fail(errc::invalid_rule, rn, where + " has no 'types'");
    std::vector<std::string> tnames;
    if (!string_list(types, "types", tnames)) return false;
    for (std::size_t i = 0; i < tnames.size(); ++i) {
      auto g = groups.find(tnames[i]);
      if (g != groups.end()) {
        r.types.insert(r.types.end(), g->second.begin(), g->second.end());
      } else if (ctx.message_types.count(tnames[i])) {
        r.types.push_back(tnames[i]);
      } else {
        return fail(errc::unknown_message_type, types[i], "unknown message type or type group '" + tnames[i] + "'");
      }
    }
    std::sort(r.types.begin(), r.types.end());
    r.types.erase(std::unique(r.types.begin(), r.types.end()), r.types.end());
    if (r.types.empty()) return fail(errc::never_matches, types, where + " can never match: its type list is empty");

    if (sources && !compile_sources(r, sources, where)) return false;

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

  bool compile_sources(rule& r, const YAML::Node& sources, const std::string& where) {
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
  bool value_set(const YAML::Node& n, std::vector<std::string>& out, std::string& shown) {
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
  static void add_value(std::vector<std::string>& vals, const std::string& v) {
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

  bool compile_predicate(rule& r, const YAML::Node& pn) {
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
    std::sort(p.values.begin(), p.values.end());
    p.values.erase(std::unique(p.values.begin(), p.values.end()), p.values.end());
    r.preds.push_back(std::move(p));
    return true;
  }

  // Refuses conditions that no message can satisfy together. Semantics (see docs/routing.md):
  // eq/in need some value in the set, ne/not_in need no value in it, lt..ge need at least one value
  // and every value numeric and in range, absent needs no value.
  bool check_satisfiable(const rule& r, const std::string& where) {
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
  bool compile_recipient(rule& r, const YAML::Node& tn) {
    recipient_template t;
    if (!scalar(tn, "a recipient", t.text)) return false;
    t.line = line_of(tn);
    const std::string& s = t.text;
    std::size_t open = s.find('{');
    std::size_t close = s.find('}');
    if (open == std::string::npos && close == std::string::npos) {
      t.constant = true;
      t.prefix = s;
      if (s.rfind("gemeente:", 0) == 0) {
        std::string code = s.substr(9);
        if (!ctx.gemeenten->is_current(code))
          return fail(errc::unknown_recipient, tn,
                      "unknown recipient '" + s + "': " + code + " is not a current municipality");
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
    std::string body = s.substr(open + 1, close - open - 1);
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
        } else if (fname == "verlof_gemeente" && arg.empty()) {
          t.source = source_kind::verlof_gemeente;
          if (!use_field(r, tn, k_verlof_code, "verlof_gemeente", im.verlof_code)) return false;
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
    if (t.prefix.rfind("gemeente:", 0) != 0 || t.prefix != "gemeente:" || !t.suffix.empty()) {
      // Non-municipal templates are allowed, but the result is checked against the named recipients
      // at route time. A template that can only produce unknown names is a mistake we can catch.
      if (t.prefix.rfind("gemeente:", 0) == 0)
        return fail(errc::unknown_recipient, tn, "municipal template '" + s + "' must be exactly gemeente:{...}");
      bool possible = std::any_of(ctx.named_recipients.begin(), ctx.named_recipients.end(), [&](const std::string& n) {
        return n.size() >= t.prefix.size() + t.suffix.size() && n.rfind(t.prefix, 0) == 0 &&
               n.compare(n.size() - t.suffix.size(), t.suffix.size(), t.suffix) == 0;
      });
      if (!possible)
        return fail(errc::unknown_recipient, tn, "recipient template '" + s + "' cannot produce any known recipient");
    }
    r.recipients.push_back(std::move(t));
    return true;
  }
};

}  // namespace

boost::system::result<std::shared_ptr<const table>> table::compile(const std::filesystem::path& file,
                                                                   const compile_context& ctx, std::string& error) {
  std::string text;
  if (!read_file(file, text)) {
    error = file.string() + ": cannot read the routes file";
    return errc::io_error;
  }
  return compile_text(text, file.filename().string(), file.parent_path(), ctx, error);
}

boost::system::result<std::shared_ptr<const table>> table::compile_text(std::string_view yaml, std::string_view name,
                                                                        const std::filesystem::path& base_dir,
                                                                        const compile_context& ctx,
                                                                        std::string& error) {
  if (!ctx.gemeenten) {
    error = std::string(name) + ": no municipality registry in the compile context";
    return errc::invalid_rule;
  }
  std::shared_ptr<table> t(new table());
  t->impl_->name = std::string(name);
  t->impl_->gemeenten = ctx.gemeenten;
  t->impl_->named_recipients.insert(ctx.named_recipients.begin(), ctx.named_recipients.end());
  compiler c{ctx, std::string(name), base_dir, error, *t->impl_, t->field_paths_, std::string(yaml), {}, {}};
  // yaml-cpp reports syntax errors by exception; they end here, as one errc with the position.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!c.run(root)) return c.code;
  } catch (const YAML::Exception& e) {
    error = std::string(name) + ":" + std::to_string(e.mark.line >= 0 ? e.mark.line + 1 : 0) + ": " + e.msg;
    return errc::bad_yaml;
  } catch (const std::exception& e) {
    error = std::string(name) + ": " + e.what();
    return errc::invalid_rule;
  }
  t->version_ = sha256_hex12(c.hash_input);
  return std::shared_ptr<const table>(std::move(t));
}

}  // namespace jubes::routing
