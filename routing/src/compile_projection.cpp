// SPDX-License-Identifier: EUPL-1.2
// The routes-file compiler, need-to-know projections (issue 13): `projections:` declares, per mailbox kind
// and message type, the fields a recipient may see; every path is checked against the schema of every type
// it is declared for, and once projections are declared every (mailbox kind, type) a rule can deliver must
// have exactly one. See compiler.hpp and docs/routing.md, "Projections".
#include <algorithm>

#include "common/recipient.hpp"
#include "compiler.hpp"

namespace jubes::routing::detail {

namespace {

constexpr std::string_view k_selector = "[brp_gemeente]";
constexpr std::string_view k_selectable = "persoon/brpAdressen/adres";

std::string key(std::string_view box, std::string_view type) {
  std::string k(box);
  k.push_back('\0');
  k.append(type);
  return k;
}

}  // namespace

bool compiler::compile_projections(const YAML::Node& n) {
  if (!n.IsSequence()) return fail(errc::invalid_rule, n, "'projections' must be a list of projections");
  for (const YAML::Node& pn : n)
    if (!compile_projection(pn)) return false;
  return true;
}

bool compiler::compile_projection(const YAML::Node& pn) {
  if (!pn.IsMap()) return fail(errc::invalid_rule, pn, "a projection must be a mapping with id, boxes, types, fields");
  projection_spec p;
  p.line = line_of(pn);
  YAML::Node id = undef(), boxes = undef(), types = undef(), fields = undef(), schema = undef();
  if (!bind_keys(pn, "projection",
                 {{"id", &id},
                  {"description", nullptr},  // free text, ignored
                  {"schema", &schema},       // the projection's XSD (conf/schemas/projecties/), for the reader
                  {"boxes", &boxes},
                  {"types", &types},
                  {"fields", &fields}}))
    return false;
  if (!new_id(pn, id, "projection", im.projections, p.id)) return false;
  const std::string where = "projection '" + p.id + "'";
  if (!boxes) return fail(errc::invalid_rule, pn, where + " has no 'boxes'");
  if (!types) return fail(errc::invalid_rule, pn, where + " has no 'types'");
  if (!fields) return fail(errc::invalid_rule, pn, where + " has no 'fields'");

  if (schema) {
    std::string file;
    if (!scalar(schema, "schema", file)) return false;
    // Not required to exist here: an installed or copied routes file lies elsewhere than the schemas. The tests
    // validate every default projection against its XSD (tests/codecs/projection_test.cpp, tests/e2e).
    p.schema = base_dir / file;
  }
  if (!projection_boxes(p, boxes, where)) return false;
  if (!resolve_types(types, p.types)) return false;
  if (p.types.empty()) return fail(errc::invalid_rule, types, where + ": 'types' is empty");

  if (!projection_fields(p, fields, where)) return false;

  const auto index = static_cast<std::uint32_t>(im.projections.size());
  for (const auto& b : p.boxes)
    for (const auto& t : p.types) {
      auto [it, fresh] = im.projection_by_key.emplace(key(b, t), index);
      if (!fresh)
        return fail(errc::invalid_rule, pn,
                    where + ": (" + b + ", " + t + ") is already projected by '" + im.projections[it->second].id +
                        "' at line " + std::to_string(im.projections[it->second].line));
    }
  im.projections.push_back(std::move(p));
  return true;
}

bool compiler::projection_boxes(projection_spec& p, const YAML::Node& boxes, const std::string& where) {
  if (!string_list(boxes, "boxes", p.boxes)) return false;
  if (p.boxes.empty()) return fail(errc::invalid_rule, boxes, where + ": 'boxes' is empty");
  for (std::size_t i = 0; i < p.boxes.size(); ++i) {
    const std::string& b = p.boxes[i];
    constexpr std::string_view muni = "gemeente/";
    if (b.starts_with(muni)) {
      const std::string box = b.substr(muni.size());
      if (!recipient::is_box_name(box) || (!ctx.municipal_boxes.empty() && !ctx.municipal_boxes.count(box)))
        return fail(errc::unknown_recipient, boxes[i], where + ": unknown municipal mailbox '" + b + "'");
    } else if (b != "gemeente" && !ctx.named_recipients.count(b)) {
      return fail(errc::unknown_recipient, boxes[i],
                  where + ": unknown mailbox '" + b + "' (gemeente/BOX or a named recipient)");
    }
  }
  std::sort(p.boxes.begin(), p.boxes.end());
  p.boxes.erase(std::unique(p.boxes.begin(), p.boxes.end()), p.boxes.end());
  return true;
}

bool compiler::projection_fields(projection_spec& p, const YAML::Node& fields, const std::string& where) {
  if (!string_list(fields, "fields", p.fields)) return false;
  for (std::size_t i = 0; i < p.fields.size(); ++i) {
    std::string_view path = p.fields[i];
    if (path.ends_with(k_selector)) {
      path.remove_suffix(k_selector.size());
      if (path != k_selectable)
        return fail(errc::unknown_field, fields[i],
                    where + ": the selector " + std::string(k_selector) + " applies only to " +
                        std::string(k_selectable) + ", not to '" + std::string(path) + "'");
    }
    if (!valid_path(path))
      return fail(errc::unknown_field, fields[i],
                  where + ": malformed field path '" + p.fields[i] + "' (local names joined by '/')");
    if (path == "stuurgegevens" || path.starts_with("stuurgegevens/"))
      return fail(errc::invalid_rule, fields[i], where + ": stuurgegevens are always delivered; do not list them");
    // A projection for several types may name a field only some of them have (`plan` of the re-integration
    // notices); a field none of them can have is a mistake.
    if (ctx.schema_can_supply && std::none_of(p.types.begin(), p.types.end(),
                                              [&](const std::string& t) { return ctx.schema_can_supply(t, path); }))
      return fail(errc::unknown_field, fields[i],
                  where + ": field '" + std::string(path) + "' cannot be supplied by the schema of any of its types");
  }
  return true;
}

std::vector<std::string> compiler::box_kinds(const recipient_template& t) const {
  std::vector<std::string> out;
  if (t.constant) {
    if (auto who = recipient::parse(t.prefix)) out.push_back(who->kind());
  } else if (t.municipal) {
    out.push_back(t.suffix.empty() ? std::string("gemeente") : "gemeente" + t.suffix);
  } else {
    for (const auto& n : ctx.named_recipients)
      if (n.size() >= t.prefix.size() + t.suffix.size() && n.starts_with(t.prefix) && n.ends_with(t.suffix))
        out.push_back(n);
  }
  return out;
}

bool compiler::check_projection_coverage() {
  if (im.projections.empty()) return true;
  for (const rule& r : im.rules)
    for (const recipient_template& t : r.recipients)
      for (const std::string& kind : box_kinds(t))
        for (const std::string& type : r.types)
          if (!im.projection_by_key.count(key(kind, type)))
            return fail(errc::invalid_rule, t.line,
                        "rule '" + r.id + "' delivers " + type + " to mailbox " + kind +
                            " but no projection declares what that mailbox may see of it");
  return true;
}

}  // namespace jubes::routing::detail

namespace jubes::routing {

const std::vector<projection_spec>& table::projections() const noexcept {
  return impl_->projections;
}

const projection_spec* table::projection_for(std::string_view box_kind, std::string_view message_type) const noexcept {
  std::string k(box_kind);
  k.push_back('\0');
  k.append(message_type);
  auto it = impl_->projection_by_key.find(k);
  return it == impl_->projection_by_key.end() ? nullptr : &impl_->projections[it->second];
}

}  // namespace jubes::routing
