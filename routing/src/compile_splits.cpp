// SPDX-License-Identifier: EUPL-1.2
// The routes-file compiler, split municipalities: `splits: {file: FILE}` names a YAML file listing
// municipalities that were divided over several successors (the RvIG table has one "Nieuwe code"
// per row and cannot say so), with the place names and postcode ranges that go to each successor.
// See docs/routing.md, "Split municipalities".
#include <algorithm>
#include <fstream>
#include <sstream>

#include "compiler.hpp"

namespace jubes::routing::detail {

std::string fold_place(std::string_view s) {
  std::string out(trim(s));
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

bool four_digits(std::string_view s, int& out) {
  if (s.size() != 4 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  out = std::stoi(std::string(s));
  return true;
}

std::string describe(const gemeente_registry& g, std::string_view code) {
  const auto n = g.name(code);
  return std::string(code) + (n.empty() ? std::string() : " (" + std::string(n) + ")");
}

}  // namespace

bool compiler::compile_splits(const YAML::Node& n) {
  if (!n.IsMap()) return fail(errc::invalid_rule, n, "'splits' must be a mapping with 'file'");
  YAML::Node file = undef();
  if (!bind_keys(n, "splits", {{"file", &file}})) return false;
  if (!file) return fail(errc::invalid_rule, n, "'splits' has no 'file'");
  std::string fname;
  if (!scalar(file, "file", fname)) return false;
  const std::filesystem::path p = base_dir / fname;
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || in.bad()) return fail(errc::io_error, file, "cannot read the splits file '" + p.string() + "'");
  const std::string text = ss.str();
  hash_input.append(1, '\0').append(fname).append(1, '\0').append(text);
  const std::string label = std::filesystem::path(fname).filename().string();
  im.splits_file = label;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(errc::bad_yaml, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg, label);
  }
  if (root.IsNull()) return true;  // an empty file: no splits
  if (!root.IsSequence())
    return fail(errc::invalid_rule, line_of(root), "the splits file must be a YAML sequence of {code, successors}",
                label);
  for (const YAML::Node& e : root)
    if (!compile_split(e, label)) return false;
  return true;
}

bool compiler::compile_split(const YAML::Node& e, const std::string& label) {
  // Errors name the splits file: bind_keys() and scalar() name the routes file, so check here first.
  auto bad = [&](const YAML::Node& at, errc ec, const std::string& why) { return fail(ec, line_of(at), why, label); };
  if (!e.IsMap()) return bad(e, errc::invalid_rule, "a split must be a mapping with 'code' and 'successors'");
  YAML::Node code = undef(), successors = undef();
  for (auto it = e.begin(); it != e.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
    if (k == "code")
      code.reset(it->second);
    else if (k == "successors")
      successors.reset(it->second);
    else if (k != "name" && k != "description")
      return bad(it->first, errc::invalid_rule,
                 "unknown split key '" + k + "' (expected code, name, description, successors)");
  }
  if (!code || !code.IsScalar()) return bad(e, errc::invalid_rule, "a split needs 'code' (four digits)");
  split sp;
  sp.code = code.Scalar();
  sp.line = line_of(code);
  const gemeente_registry& g = *ctx.gemeenten;
  if (!g.exists(sp.code))
    return bad(code, errc::unknown_recipient, "gemeentecode '" + sp.code + "' is not in the municipality table");
  if (g.is_current(sp.code))
    return bad(code, errc::unknown_recipient,
               describe(g, sp.code) + " is a current municipality: only an ended one can have been split");
  if (im.splits.count(sp.code)) return bad(code, errc::invalid_rule, "gemeentecode " + sp.code + " is split twice");
  if (!successors || !successors.IsSequence() || successors.size() < 2)
    return bad(successors ? successors : e, errc::invalid_rule,
               "split " + sp.code + " needs 'successors': a list of at least two {code, woonplaatsen, postcodes}");
  for (const YAML::Node& s : successors)
    if (!compile_successor(s, label, sp)) return false;
  // A place or a postcode belongs to one successor only.
  for (std::size_t i = 0; i < sp.successors.size(); ++i)
    for (std::size_t j = i + 1; j < sp.successors.size(); ++j) {
      const auto& a = sp.successors[i];
      const auto& b = sp.successors[j];
      if (a.code == b.code)
        return bad(successors[j], errc::invalid_rule,
                   "successor " + b.code + " of split " + sp.code + " appears twice");
      for (const auto& place : b.places)
        if (std::binary_search(a.places.begin(), a.places.end(), place))
          return bad(successors[j], errc::invalid_rule,
                     "woonplaats '" + place + "' of split " + sp.code + " goes to both " + a.code + " and " + b.code);
      for (const auto& [lo, hi] : b.postcodes)
        for (const auto& [alo, ahi] : a.postcodes)
          if (lo <= ahi && alo <= hi)
            return bad(successors[j], errc::invalid_rule,
                       "postcodes of split " + sp.code + " overlap between " + a.code + " and " + b.code);
    }
  const std::string key = sp.code;
  im.splits.emplace(key, std::move(sp));
  return true;
}

bool compiler::compile_successor(const YAML::Node& e, const std::string& label, split& sp) {
  auto bad = [&](const YAML::Node& at, errc ec, const std::string& why) { return fail(ec, line_of(at), why, label); };
  if (!e.IsMap()) return bad(e, errc::invalid_rule, "a successor must be a mapping with 'code'");
  YAML::Node code = undef(), places = undef(), postcodes = undef();
  for (auto it = e.begin(); it != e.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
    if (k == "code")
      code.reset(it->second);
    else if (k == "woonplaatsen")
      places.reset(it->second);
    else if (k == "postcodes")
      postcodes.reset(it->second);
    else if (k != "name")
      return bad(it->first, errc::invalid_rule,
                 "unknown successor key '" + k + "' (expected code, name, woonplaatsen, postcodes)");
  }
  if (!code || !code.IsScalar()) return bad(e, errc::invalid_rule, "a successor needs 'code' (four digits)");
  split_successor s;
  s.code = code.Scalar();
  const gemeente_registry& g = *ctx.gemeenten;
  if (!g.is_current(s.code))
    return bad(code, errc::unknown_recipient,
               "successor '" + s.code + "' of split " + sp.code + " is not a current municipality" +
                   (g.exists(s.code) ? " (dissolved; today " + std::string(g.current(s.code).value_or("none")) + ")"
                                     : std::string()));
  if (places) {
    if (!places.IsSequence()) return bad(places, errc::invalid_rule, "'woonplaatsen' must be a list of place names");
    for (const YAML::Node& p : places) {
      if (!p.IsScalar() || fold_place(p.Scalar()).empty())
        return bad(p, errc::invalid_rule, "a woonplaats must be a non-empty name");
      std::string f = fold_place(p.Scalar());
      if (std::find(s.places.begin(), s.places.end(), f) != s.places.end())
        return bad(p, errc::invalid_rule, "woonplaats '" + p.Scalar() + "' appears twice");
      s.places.push_back(std::move(f));
    }
    std::sort(s.places.begin(), s.places.end());
  }
  if (postcodes) {
    if (!postcodes.IsSequence())
      return bad(postcodes, errc::invalid_rule, "'postcodes' must be a list of NNNN or NNNN-NNNN");
    for (const YAML::Node& p : postcodes) {
      const std::string v = p.IsScalar() ? trim(p.Scalar()) : std::string();
      const auto dash = v.find('-');
      int lo = 0, hi = 0;
      const bool ok = dash == std::string::npos
                          ? four_digits(v, lo) && four_digits(v, hi)
                          : four_digits(trim(v.substr(0, dash)), lo) && four_digits(trim(v.substr(dash + 1)), hi);
      if (!ok || lo < 1000 || lo > hi)
        return bad(p, errc::invalid_rule,
                   "postcode range '" + v + "' must be NNNN or NNNN-NNNN (four digits of a Dutch postcode, low first)");
      s.postcodes.emplace_back(lo, hi);
    }
  }
  sp.successors.push_back(std::move(s));
  return true;
}

}  // namespace jubes::routing::detail
