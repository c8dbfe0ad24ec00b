// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: one loaded schema set: its configuration, its locked grammar pool and the global element declarations
// of that pool (namespace + local name), which tell an accepted-but-undeclared root from a known one.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <xercesc/framework/XMLGrammarPool.hpp>

#include "codecs/catalog.hpp"
#include "compiled/grammar.hpp"

namespace jubes::codecs {

struct schema_set {
  schema_set_config config;
  std::unique_ptr<xercesc::XMLGrammarPool> pool;  // locked after load: read-only, shareable by all threads
  std::unordered_set<std::string> globals;        // ns + '\x1f' + local name
  std::shared_ptr<const compiled::grammar> fast;  // the compiled validator's tables; null: xerces only
  std::string fast_status;                        // "compiled" or why not (logged at load)

  static std::string key(std::string_view ns, std::string_view local) {
    std::string k;
    k.reserve(ns.size() + 1 + local.size());
    k.append(ns).push_back('\x1f');
    k.append(local);
    return k;
  }
  bool accepts(std::string_view ns, std::string_view local) const {
    for (const auto& [rns, rname] : config.roots) {
      if ((rns == "*" || rns == ns) && (rname == "*" || rname == local)) return true;
    }
    return false;
  }
  bool declares(const std::string& k) const { return globals.count(k) != 0; }
};

}  // namespace jubes::codecs
