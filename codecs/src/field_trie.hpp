// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the compiled form of a field_set. A trie of local names rooted at the document's root element; each
// node may carry body-field indices and/or one envelope slot (the stuurgegevens paths every parse extracts).
// Children are few (a handful per node), so a linear scan over UTF-16 names beats hashing here.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codecs/validator.hpp"

namespace jubes::codecs {

enum class env_slot : int {
  none = -1,
  berichtcode,
  zender_organisatie,
  zender_applicatie,
  zender_administratie,
  zender_gebruiker,
  ontvanger_organisatie,
  ontvanger_applicatie,
  ontvanger_administratie,
  ontvanger_gebruiker,
  referentienummer,
  tijdstip_bericht,
  cross_refnummer,
};

/// The envelope field a slot fills (nullptr for none): the one mapping for both validators.
inline std::string* env_field(envelope& e, env_slot s) {
  switch (s) {
    case env_slot::berichtcode:
      return &e.berichtcode;
    case env_slot::zender_organisatie:
      return &e.zender_organisatie;
    case env_slot::zender_applicatie:
      return &e.zender_applicatie;
    case env_slot::zender_administratie:
      return &e.zender_administratie;
    case env_slot::zender_gebruiker:
      return &e.zender_gebruiker;
    case env_slot::ontvanger_organisatie:
      return &e.ontvanger_organisatie;
    case env_slot::ontvanger_applicatie:
      return &e.ontvanger_applicatie;
    case env_slot::ontvanger_administratie:
      return &e.ontvanger_administratie;
    case env_slot::ontvanger_gebruiker:
      return &e.ontvanger_gebruiker;
    case env_slot::referentienummer:
      return &e.referentienummer;
    case env_slot::tijdstip_bericht:
      return &e.tijdstip_bericht;
    case env_slot::cross_refnummer:
      return &e.cross_refnummer;
    case env_slot::none:
      break;
  }
  return nullptr;
}

struct field_set::trie {
  struct node {
    std::vector<std::pair<std::u16string, int>> children;
    std::vector<std::pair<std::string, int>> children8;  // the same names in UTF-8, for the compiled scanner
    std::vector<int> fields;
    env_slot slot = env_slot::none;
  };
  std::vector<node> nodes;  // nodes[0] is the root element

  /// @return the child of `n` named `name` (NUL-terminated), or -1.
  int child(int n, const char16_t* name) const {
    for (const auto& [cname, idx] : nodes[static_cast<std::size_t>(n)].children) {
      if (cname[0] != name[0]) continue;  // names are never empty; most siblings differ in the first character
      std::size_t i = 1;
      while (i < cname.size() && name[i] == cname[i]) ++i;
      if (i == cname.size() && name[i] == 0) return idx;
    }
    return -1;
  }
  /// @return the child of `n` named `name` (UTF-8), or -1.
  int child8(int n, std::string_view name) const {
    for (const auto& [cname, idx] : nodes[static_cast<std::size_t>(n)].children8) {
      if (cname == name) return idx;
    }
    return -1;
  }
  int add(int n, const std::u16string& name);
};

}  // namespace jubes::codecs
