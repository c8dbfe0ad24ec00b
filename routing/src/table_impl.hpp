// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private representation of a compiled table. Everything here is resolved at compile time: field
// paths are indexes into facts::fields, value sets are sorted vectors, recipient templates are
// split into prefix, pipeline and suffix. Nothing is mutated after table::compile returns.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/table.hpp"

namespace jubes::routing::detail {

enum class pred_kind { eq, ne, in, not_in, present, absent, cmp, minor };
enum class cmp_op { lt, le, gt, ge, eq, ne };

struct predicate {
  pred_kind kind = pred_kind::present;
  int field = -1;                   // index into field_paths, -1 for function predicates
  std::vector<std::string> values;  // sorted, unique: the accepted values of eq/ne/in/not_in
  cmp_op op = cmp_op::eq;
  std::int64_t number = 0;  // right-hand side of cmp (durations converted to days)
  bool expect = true;       // minor: true / minor: false
  int line = 0;
  std::string text;  // as an operator reads it, e.g. "detentie/onherroepelijk eq true"
};

enum class source_kind { field, brp_gemeente, verlof_gemeente };
enum class step_kind { current, in_list };

struct step {
  step_kind kind = step_kind::current;
  const std::vector<std::string>* list = nullptr;  // in_list: sorted members, owned by table impl
  std::string list_name;
};

struct recipient_template {
  std::string text;  // as written in the file
  bool constant = true;
  bool municipal = false;  // exactly "gemeente:{...}": the values are gemeentecodes
  std::string prefix;      // constant: the whole recipient
  std::string suffix;
  source_kind source = source_kind::field;
  int field = -1;  // source_kind::field
  std::vector<step> steps;
  int line = 0;
};

struct rule {
  std::string id;
  int line = 0;
  std::vector<std::string> types;
  std::vector<std::string> sources;  // sorted; empty: any source
  std::vector<predicate> preds;
  std::vector<recipient_template> recipients;
  std::vector<int> fields_used;  // sorted indexes, for explain
  bool enabled = true;
  std::string disabled_by;  // why a disabled rule is off, for explain
};

// A deadline rule of the routes file's `deadlines:` section (docs/routing.md, "Deadlines").
enum class deadline_kind { before, working_days };

struct deadline_rule {
  std::string id;
  int line = 0;
  std::vector<std::string> types;  // sorted, unique
  deadline_kind kind = deadline_kind::before;
  // before: the candidate date fields, the first one present and valid decides;
  // working_days: the one date field the days are counted from.
  std::vector<int> fields;
  int days = 0;              // working_days: how many working days after the date
  std::int64_t lead_ms = 0;  // the entry is at risk from deadline - lead_ms on
  std::string text;          // as an operator reads it, e.g. "before verlof/begindatum"
};

// A municipality divided over several successors (the routes file's `splits:`, docs/routing.md,
// "Split municipalities"): which successor an address belongs to, by place name or postcode range.
struct split_successor {
  std::string code;                            // a current gemeentecode
  std::vector<std::string> places;             // woonplaatsen, folded (lower case, trimmed), sorted
  std::vector<std::pair<int, int>> postcodes;  // inclusive ranges of the four digits of a postcode
};

struct split {
  std::string code;  // the ended gemeentecode
  int line = 0;      // in the splits file
  std::vector<split_successor> successors;
};

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace jubes::routing::detail

namespace jubes::routing {

struct table::impl {
  std::string name;  // file name for explain, e.g. "routes.yaml"
  std::vector<detail::rule> rules;
  // Per message type: indexes of enabled rules, in file order; and of disabled ones (for explain).
  std::unordered_map<std::string, std::vector<std::uint32_t>, detail::string_hash, std::equal_to<>> by_type;
  std::unordered_map<std::string, std::vector<std::uint32_t>, detail::string_hash, std::equal_to<>> disabled_by_type;
  std::map<std::string, std::vector<std::string>, std::less<>> lists;  // node-based: step::list stays valid
  std::shared_ptr<const gemeente_registry> gemeenten;
  std::set<std::string, std::less<>> named_recipients;
  std::vector<std::string> forwardable;  // sorted: the message types a municipality may forward
  std::vector<detail::deadline_rule> deadlines;
  std::unordered_map<std::string, std::uint32_t, detail::string_hash, std::equal_to<>> deadline_by_type;
  std::vector<int> holidays;  // sorted YYYYMMDD: days that are not working days besides Saturday and Sunday
  const std::vector<std::string>* forward_participants = nullptr;  // forwarding.participants; null: any
  std::string forward_participants_name;
  std::vector<projection_spec> projections;
  // `unrouted:`: message type -> the reason why no match needs no operator
  std::map<std::string, std::string, std::less<>> unrouted;
  // "box_kind\0type" -> index into projections
  std::unordered_map<std::string, std::uint32_t, detail::string_hash, std::equal_to<>> projection_by_key;
  // Indexes of the fields that the built-in functions read; -1 if no rule uses the function.
  int brp_code = -1, brp_date = -1, brp_dji = -1, verlof_code = -1, birth_date = -1, event_date = -1;
  // `splits:`: ended gemeentecode -> its successors; the address fields that decide (-1: not read).
  std::map<std::string, detail::split, std::less<>> splits;
  std::string splits_file;  // the file's name, for explain and park reasons
  int brp_postcode = -1, brp_place = -1, verlof_postcode = -1, verlof_place = -1;
};

}  // namespace jubes::routing
