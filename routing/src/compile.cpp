// SPDX-License-Identifier: EUPL-1.2
// The routes-file compiler, top level: version, features, lists, type groups, forwarding; the
// helpers shared with compile_rule.cpp; and table::compile itself. See compiler.hpp.
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "compiler.hpp"

namespace jubes::routing {
namespace {

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
}  // namespace

namespace detail {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
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

int compiler::line_of(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

bool compiler::fail(errc e, int line, const std::string& msg, const std::string& file) {
  error = (file.empty() ? name : file) + ":" + std::to_string(line) + ": " + msg;
  code = e;
  return false;
}

int compiler::field_index(std::string_view path) {
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (paths[i] == path) return static_cast<int>(i);
  paths.emplace_back(path);
  return static_cast<int>(paths.size() - 1);
}

bool compiler::use_field(rule& r, const YAML::Node& where, std::string_view path, std::string_view needed_by,
                         int& index) {
  if (!valid_path(path))
    return fail(errc::unknown_field, where,
                "malformed field path '" + std::string(path) + "' (local names joined by '/')");
  if (ctx.schema_can_supply) {
    for (const std::string& t : r.types) {
      if (!ctx.schema_can_supply(t, path)) {
        std::string msg = "field '" + std::string(path) + "'";
        if (!needed_by.empty()) msg += " (needed by " + std::string(needed_by) + ")";
        return fail(errc::unknown_field, where, msg + " cannot be supplied by the schema of message type '" + t + "'");
      }
    }
  }
  index = field_index(path);
  if (std::find(r.fields_used.begin(), r.fields_used.end(), index) == r.fields_used.end())
    r.fields_used.push_back(index);
  return true;
}

bool compiler::scalar(const YAML::Node& n, std::string_view what, std::string& out) {
  if (!n.IsScalar()) return fail(errc::invalid_rule, n, std::string(what) + " must be a scalar");
  out = n.Scalar();
  return true;
}

bool compiler::boolean(const YAML::Node& n, std::string_view what, bool& out) {
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

bool compiler::string_list(const YAML::Node& n, std::string_view what, std::vector<std::string>& out) {
  if (!n.IsSequence()) return fail(errc::invalid_rule, n, std::string(what) + " must be a list");
  for (const YAML::Node& e : n) {
    std::string s;
    if (!scalar(e, what, s)) return false;
    out.push_back(s);
  }
  return true;
}

// ---- top level -------------------------------------------------------------------------------

bool compiler::bind_keys(const YAML::Node& n, std::string_view what, std::initializer_list<key_slot> slots) {
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
    const key_slot* hit = nullptr;
    for (const key_slot& s : slots) hit = hit ? hit : (s.key == k ? &s : nullptr);
    if (hit == nullptr) {
      std::string expected;
      for (const key_slot& s : slots) expected += (expected.empty() ? "" : ", ") + std::string(s.key);
      return fail(errc::invalid_rule, it->first,
                  "unknown " + std::string(what) + " key '" + k + "' (expected " + expected + ")");
    }
    // reset() rebinds the slot; operator= would write through into the node it refers to.
    if (hit->node != nullptr) hit->node->reset(it->second);
  }
  return true;
}

bool compiler::run(const YAML::Node& root) {
  if (!root.IsMap()) return fail(errc::invalid_rule, root, "the routes file must be a mapping with 'rules'");
  YAML::Node version = undef(), feats = undef(), lists = undef(), tgroups = undef(), fwd = undef(), rules = undef(),
             projs = undef(), unrouted = undef(), deadlines = undef(), splits = undef();
  if (!bind_keys(root, "top-level",
                 {{"version", &version},
                  {"features", &feats},
                  {"lists", &lists},
                  {"splits", &splits},
                  {"type_groups", &tgroups},
                  {"forwarding", &fwd},
                  {"projections", &projs},
                  {"unrouted", &unrouted},
                  {"rules", &rules},
                  {"deadlines", &deadlines}}))
    return false;
  if (!version) return fail(errc::invalid_rule, root, "missing 'version: 1'");
  if (!version.IsScalar() || version.Scalar() != "1")
    return fail(errc::invalid_rule, version, "unsupported routes file version (expected 1)");
  if (feats && !compile_features(feats)) return false;
  if (lists && !compile_lists(lists)) return false;
  if (splits && !compile_splits(splits)) return false;
  if (tgroups && !compile_groups(tgroups)) return false;
  if (fwd && !compile_forwarding(fwd)) return false;
  if (projs && !compile_projections(projs)) return false;
  if (unrouted && !compile_unrouted(unrouted)) return false;
  if (!rules || !rules.IsSequence()) return fail(errc::invalid_rule, rules ? rules : root, "'rules' must be a list");
  for (const YAML::Node& rn : rules)
    if (!compile_rule(rn)) return false;
  if (deadlines && !compile_deadlines(deadlines)) return false;
  return check_projection_coverage();
}

bool compiler::compile_features(const YAML::Node& n) {
  if (!n.IsMap()) return fail(errc::invalid_rule, n, "'features' must map feature names to true/false");
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string fname;
    bool on = false;
    if (!scalar(it->first, "feature name", fname) || !boolean(it->second, "feature '" + fname + "'", on)) return false;
    if (!valid_id(fname)) return fail(errc::invalid_rule, it->first, "bad feature name '" + fname + "'");
    features[fname] = on;
  }
  return true;
}

bool compiler::compile_lists(const YAML::Node& n) {
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
      YAML::Node file = undef(), kind_node = undef();
      if (!bind_keys(v, "list", {{"values", &values}, {"file", &file}, {"kind", &kind_node}})) return false;
      if (kind_node) {
        if (!scalar(kind_node, "kind", kind)) return false;
        if (kind != "gemeentecodes" && kind != "strings")
          return fail(errc::invalid_rule, kind_node, "list kind must be 'strings' or 'gemeentecodes'");
      }
      if (static_cast<bool>(values) == static_cast<bool>(file))
        return fail(errc::invalid_rule, v, "list '" + lname + "' needs exactly one of 'values' or 'file'");
      if (file && !compile_list_file(file, lname, values, file_label)) return false;
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
        return fail(errc::unknown_recipient, line_of(e), "'" + s + "' is not a current municipality" + why, file_label);
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

// A list's `file:`, relative to the routes file; its text is part of the table version.
bool compiler::compile_list_file(const YAML::Node& file, const std::string& lname, YAML::Node& values,
                                 std::string& file_label) {
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
  return true;
}

bool compiler::compile_groups(const YAML::Node& n) {
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

bool compiler::resolve_types(const YAML::Node& n, std::vector<std::string>& out) {
  std::vector<std::string> names;
  if (!string_list(n, "types", names)) return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto g = groups.find(names[i]);
    if (g != groups.end()) {
      out.insert(out.end(), g->second.begin(), g->second.end());
    } else if (ctx.message_types.count(names[i])) {
      out.push_back(names[i]);
    } else {
      return fail(errc::unknown_message_type, n[i], "unknown message type or type group '" + names[i] + "'");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

// forwarding: {types: [...]}: the message types a municipality may forward to another one.
bool compiler::compile_forwarding(const YAML::Node& n) {
  if (!n.IsMap()) return fail(errc::invalid_rule, n, "'forwarding' must be a mapping with 'types'");
  YAML::Node types = undef(), participants = undef();
  if (!bind_keys(n, "forwarding", {{"types", &types}, {"participants", &participants}})) return false;
  if (!types) return fail(errc::invalid_rule, n, "'forwarding' has no 'types'");
  if (participants) {
    // The municipalities a notice may be forwarded to (issue 13: only BIJ participants), a list by name.
    std::string lname;
    if (!scalar(participants, "participants", lname)) return false;
    auto l = im.lists.find(lname);
    if (l == im.lists.end()) return fail(errc::invalid_rule, participants, "unknown list '" + lname + "'");
    im.forward_participants = &l->second;
    im.forward_participants_name = lname;
  }
  return resolve_types(types, im.forwardable);
}

// unrouted: [{types: [...], reason: TEXT}]: the types whose "no rule matched" needs no operator.
bool compiler::compile_unrouted(const YAML::Node& n) {
  if (!n.IsSequence()) return fail(errc::invalid_rule, n, "'unrouted' must be a list of {types, reason}");
  for (const YAML::Node& e : n) {
    if (!e.IsMap()) return fail(errc::invalid_rule, e, "an 'unrouted' entry must be a mapping with types and reason");
    YAML::Node types = undef(), reason = undef();
    if (!bind_keys(e, "unrouted", {{"types", &types}, {"reason", &reason}})) return false;
    if (!types || !reason) return fail(errc::invalid_rule, e, "an 'unrouted' entry needs 'types' and 'reason'");
    std::string why;
    if (!scalar(reason, "reason", why)) return false;
    if (why.empty()) return fail(errc::invalid_rule, reason, "'reason' must not be empty");
    std::vector<std::string> ts;
    if (!resolve_types(types, ts)) return false;
    for (const auto& t : ts)
      if (!im.unrouted.emplace(t, why).second)
        return fail(errc::invalid_rule, types, "message type '" + t + "' is listed under 'unrouted' twice");
  }
  return true;
}

}  // namespace detail

result<std::shared_ptr<const table>> table::compile(const std::filesystem::path& file, const compile_context& ctx) {
  std::string text;
  if (!read_file(file, text)) return fail(errc::io_error, file.string() + ": cannot read the routes file");
  return compile_text(text, file.filename().string(), file.parent_path(), ctx);
}

result<std::shared_ptr<const table>> table::compile_text(std::string_view yaml, std::string_view name,
                                                         const std::filesystem::path& base_dir,
                                                         const compile_context& ctx) {
  if (!ctx.gemeenten)
    return fail(errc::invalid_rule, std::string(name) + ": no municipality registry in the compile context");
  std::shared_ptr<table> t(new table());
  t->impl_->name = std::string(name);
  t->impl_->gemeenten = ctx.gemeenten;
  t->impl_->named_recipients.insert(ctx.named_recipients.begin(), ctx.named_recipients.end());
  detail::compiler c{ctx, std::string(name), base_dir, *t->impl_, t->field_paths_, std::string(yaml), {},
                     {},  errc::ok,          {}};
  // yaml-cpp reports syntax errors by exception; they end here, as one errc with the position.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!c.run(root)) return fail(c.code, std::move(c.error));
  } catch (const YAML::Exception& e) {
    return fail(errc::bad_yaml,
                std::string(name) + ":" + std::to_string(e.mark.line >= 0 ? e.mark.line + 1 : 0) + ": " + e.msg);
  } catch (const std::exception& e) {
    return fail(errc::invalid_rule, std::string(name) + ": " + e.what());
  }
  t->version_ = sha256_hex12(c.hash_input);
  return std::shared_ptr<const table>(std::move(t));
}

}  // namespace jubes::routing
