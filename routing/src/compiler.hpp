// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The routes-file compiler, private to the library: YAML in, an immutable table::impl out, or one
// error with file:line. compile.cpp holds the top level (version, features, lists, type groups,
// forwarding) and the shared helpers; compile_rule.cpp holds rules, conditions and recipient
// templates. The language is documented in docs/routing.md; keep the two in step.
//
// Lifecycle: one compiler per compile call, on the caller's thread; it writes into the table it
// builds and is dropped before the table is published.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "table_impl.hpp"

namespace jubes::routing::detail {

// Field paths that the built-in functions read (names from docs/MESSAGES.md).
inline constexpr std::string_view k_brp_code = "persoon/brpAdressen/adres/gemeentecode";
inline constexpr std::string_view k_brp_date = "persoon/brpAdressen/adres/begindatum";
inline constexpr std::string_view k_brp_dji = "persoon/brpAdressen/adres/djiInstelling";
inline constexpr std::string_view k_verlof_code = "verlof/adres/gemeentecode";
inline constexpr std::string_view k_birth_date = "persoon/geboortedatum";
inline constexpr std::string_view k_event_date = "gebeurtenisdatum";
// The address fields a split municipality is resolved with (`splits:`).
inline constexpr std::string_view k_brp_postcode = "persoon/brpAdressen/adres/postcode";
inline constexpr std::string_view k_brp_place = "persoon/brpAdressen/adres/woonplaats";
inline constexpr std::string_view k_verlof_postcode = "verlof/adres/postcode";
inline constexpr std::string_view k_verlof_place = "verlof/adres/woonplaats";

/// A place name as compared: ASCII letters lower case, surrounding blanks trimmed.
std::string fold_place(std::string_view s);

std::string trim(std::string_view s);
/// Local names joined by '/', each starting with a letter or '_'.
bool valid_path(std::string_view p);
/// Letters, digits, '-', '_', '.'; not empty.
bool valid_id(std::string_view s);
/// "365", "365d", "52w", "1y" -> days (a year counts 365 days, as sentence lengths are in days).
bool parse_number_or_duration(std::string_view s, std::int64_t& out, bool& was_duration);
/// An undefined node (a default Node is a defined null).
YAML::Node undef();

struct compiler {
  const compile_context& ctx;
  std::string name;
  std::filesystem::path base_dir;
  table::impl& im;
  std::vector<std::string>& paths;
  std::string hash_input;
  std::map<std::string, bool, std::less<>> features;
  std::map<std::string, std::vector<std::string>, std::less<>> groups;
  errc code = errc::ok;
  std::string error;  ///< "name:line: cause" once a fail() happened

  static int line_of(const YAML::Node& n);
  bool fail(errc e, int line, const std::string& msg, const std::string& file = {});
  bool fail(errc e, const YAML::Node& n, const std::string& msg) { return fail(e, line_of(n), msg); }

  int field_index(std::string_view path);
  // A field used by `r`: checked for syntax and, if the context can tell, against each type's schema.
  bool use_field(rule& r, const YAML::Node& where, std::string_view path, std::string_view needed_by, int& index);
  bool scalar(const YAML::Node& n, std::string_view what, std::string& out);
  bool boolean(const YAML::Node& n, std::string_view what, bool& out);
  bool string_list(const YAML::Node& n, std::string_view what, std::vector<std::string>& out);
  // Where bind_keys() puts the value of `key` (nullptr: the key is allowed and ignored).
  struct key_slot {
    std::string_view key;
    YAML::Node* node;
  };
  // Binds each key of mapping `n` to its slot; any other key is refused as
  // "unknown <what> key 'k' (expected <the slots' keys>)", so a misspelt key never passes silently.
  bool bind_keys(const YAML::Node& n, std::string_view what, std::initializer_list<key_slot> slots);
  // Expands a list of message types and type groups into sorted, unique message types.
  bool resolve_types(const YAML::Node& n, std::vector<std::string>& out);
  // Reads the required `id` of the `what` mapping `owner` into `out`: well formed, and not the id of another of
  // `existing` (items with .id and .line), which is named with its line if it is.
  template <class Items>
  bool new_id(const YAML::Node& owner, const YAML::Node& id, std::string_view what, const Items& existing,
              std::string& out) {
    const std::string w(what);
    if (!id) return fail(errc::invalid_rule, owner, w + " without 'id'");
    if (!scalar(id, "id", out)) return false;
    if (!valid_id(out)) return fail(errc::invalid_rule, id, "bad " + w + " id '" + out + "' (letters, digits, - _ .)");
    for (const auto& other : existing)
      if (other.id == out)
        return fail(errc::invalid_rule, id, w + " id '" + out + "' already used at line " + std::to_string(other.line));
    return true;
  }

  // ---- top level (compile.cpp)
  bool run(const YAML::Node& root);
  bool compile_features(const YAML::Node& n);
  bool compile_lists(const YAML::Node& n);
  bool compile_list_file(const YAML::Node& file, const std::string& lname, YAML::Node& values, std::string& file_label);
  bool compile_groups(const YAML::Node& n);
  bool compile_forwarding(const YAML::Node& n);

  // ---- split municipalities (compile_splits.cpp)
  bool compile_splits(const YAML::Node& n);
  bool compile_split(const YAML::Node& e, const std::string& file_label);
  bool compile_successor(const YAML::Node& e, const std::string& file_label, split& sp);

  // ---- deadlines (compile_deadlines.cpp)
  bool compile_deadlines(const YAML::Node& n);
  bool compile_deadline_rule(const YAML::Node& rn, std::int64_t default_lead_ms);
  // The date fields of a deadline rule: `before` one or more dates, or `working_days` after one.
  bool deadline_before(deadline_rule& d, rule& probe, const YAML::Node& before, const std::string& where);
  bool deadline_working_days(deadline_rule& d, rule& probe, const YAML::Node& days, const YAML::Node& after,
                             const std::string& where);
  bool deadline_field(deadline_rule& d, rule& probe, const YAML::Node& node, const std::string& path);
  bool lead_time(const YAML::Node& n, std::int64_t& ms);
  bool compile_unrouted(const YAML::Node& n);

  // ---- projections (compile_projection.cpp)
  bool compile_projections(const YAML::Node& n);
  bool compile_projection(const YAML::Node& pn);
  bool projection_boxes(projection_spec& p, const YAML::Node& boxes, const std::string& where);
  bool projection_fields(projection_spec& p, const YAML::Node& fields, const std::string& where);
  // With projections declared: every (mailbox kind, type) a rule can deliver has one.
  bool check_projection_coverage();
  // The mailbox kinds a recipient template can deliver to (recipient::kind()).
  std::vector<std::string> box_kinds(const recipient_template& t) const;

  // ---- rules (compile_rule.cpp)
  bool compile_rule(const YAML::Node& rn);
  bool compile_switches(rule& r, const YAML::Node& enabled, const YAML::Node& feature);
  bool compile_sources(rule& r, const YAML::Node& sources, const std::string& where);
  bool value_set(const YAML::Node& n, std::vector<std::string>& out, std::string& shown);
  static void add_value(std::vector<std::string>& vals, const std::string& v);
  bool compile_predicate(rule& r, const YAML::Node& pn);
  bool compile_field_predicate(rule& r, predicate& p, const std::string& path, const std::string& op,
                               const YAML::Node& op_node);
  bool check_satisfiable(const rule& r, const std::string& where);
  bool compile_recipient(rule& r, const YAML::Node& tn);
  bool check_box(const YAML::Node& tn, const std::string& s, std::string_view box);
  bool compile_pipeline(rule& r, recipient_template& t, const YAML::Node& tn);
};

}  // namespace jubes::routing::detail
