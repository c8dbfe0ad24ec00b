// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The fuzz targets' validators: the jubes schema catalog and two validators over it, the production
// one (compiled engine first) and the xerces-only oracle, with one semantic check (gemeentecode
// 9999 does not exist). Aborts naming the target when the schemas cannot be loaded.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "codecs/codecs.hpp"

namespace jubes::codecs::fuzz {

/// xerces initialised (a first base of a harness: before its validators load; never torn down, since
/// libFuzzer exits without unwinding).
struct xerces_up {
  xerces_guard guard;
};

struct validators {
  std::shared_ptr<const schema_catalog> catalog;
  std::unique_ptr<validator> v;       // production: compiled engine first
  std::unique_ptr<validator> oracle;  // xerces only
};

/// @param who the target's name, for the abort message
/// @param with_replies also load the reply schemas (Bv03/Fo03)
inline validators load_validators(const char* who, bool with_replies) {
  const std::string dir = std::string(JUBES_SOURCE_DIR) + "/conf/schemas/jubes";
  std::vector<schema_set_config> sets{jubes_schema_set(dir)};
  if (with_replies) sets.push_back(replies_schema_set(dir));
  auto cat = schema_catalog::load(sets);
  if (!cat) {
    std::fprintf(stderr, "%s: %s\n", who, cat.error().message().c_str());
    std::abort();
  }
  validators out;
  out.catalog = *cat;
  semantic_options sem;
  sem.gemeentecode_exists = [](std::string_view c) { return c != "9999"; };
  out.v = std::make_unique<validator>(out.catalog, limits{.max_bytes = 1 << 20}, sem);
  out.oracle = std::make_unique<validator>(out.catalog, limits{.max_bytes = 1 << 20, .compiled = false}, sem);
  return out;
}

}  // namespace jubes::codecs::fuzz
