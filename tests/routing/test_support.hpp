// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Shared fixtures for the routing tests: a compile context that mirrors docs/MESSAGES.md (types,
// parties, field paths) and a message builder that fills routing::facts without any XML.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "routing/gemeente_registry.hpp"
#include "routing/table.hpp"
#include "testing/testing.hpp"

namespace jubes::routing::test {

inline std::filesystem::path conf_dir() {
  return jubes::testing::source_dir() / "conf";
}

inline std::shared_ptr<const gemeente_registry> registry() {
  static std::shared_ptr<const gemeente_registry> reg = [] {
    auto r = gemeente_registry::load(conf_dir() / "gemeenten.csv");
    return r ? *r : nullptr;
  }();
  return reg;
}

inline const std::set<std::string>& leave_types() {
  static const std::set<std::string> s{"piRegimefasering", "piVerlof", "tbsVerlof", "pijVerlofmachtiging"};
  return s;
}

/// A context as the gateway would build it from its configuration and the codec catalog.
inline compile_context context() {
  compile_context c;
  c.gemeenten = registry();
  c.named_recipients = {"rvdk", "3ro", "idv", "hvh-almelo"};
  const std::set<std::string> prison{"tulp-gw", "selectie"};
  const std::set<std::string> all{"tulp-gw", "selectie", "jvs", "mits"};
  const std::map<std::string, std::set<std::string>> types{
      {"piBeeindiging", prison},
      {"piRegimefasering", prison},
      {"piVerlof", prison},
      {"tbsVoorwaardelijkeBeeindiging", {"mits"}},
      {"tbsVerlof", {"mits"}},
      {"pijBeeindiging", {"jvs"}},
      {"pijVerlofmachtiging", {"jvs"}},
      {"melding18b", prison},
      {"eersteInschrijving", all},
      {"wijzigingEinddatum", all},
      {"overplaatsing", all},
      {"reintegratieplan", all},
      {"einddetentie", all},
      {"idvDetentieverloop", all},
  };
  for (const auto& [t, s] : types) c.message_types.insert(t);
  c.allowed_sources = types;
  c.schema_can_supply = [](std::string_view type, std::string_view path) {
    static const std::set<std::string, std::less<>> common{
        "gebeurtenisdatum",
        "persoon/bsn",
        "persoon/geboortedatum",
        "persoon/brpAdressen/adres/gemeentecode",
        "persoon/brpAdressen/adres/begindatum",
        "persoon/brpAdressen/adres/djiInstelling",
        "persoon/brpAdressen/adres/postcode",
        "persoon/brpAdressen/adres/woonplaats",
        "detentie/instelling/code",
        "detentie/instelling/type",
        "detentie/titel",
        "detentie/begindatum",
        "detentie/geplandEinddatum",
        "detentie/feitelijkeEinddatum",
        "detentie/delicten/delictcategorie",
        "detentie/strafduurDagen",
        "detentie/onherroepelijk",
        // parents and the fields only projections name
        "persoon/voornamen",
        "persoon/voorvoegsel",
        "persoon/geslachtsnaam",
        "persoon/brpAdressen/adres",
        "detentie/instelling",
        "detentie/delicten",
    };
    if (common.count(path)) return true;
    if (path == "overplaatsing") return type == "overplaatsing";
    if (path == "plan") return type == "reintegratieplan";
    if (path == "verlof" || path.rfind("verlof/", 0) == 0) return leave_types().count(std::string(type)) > 0;
    return false;
  };
  return c;
}

/// A message's extracted fields by path. Defaults: an adult with a final sentence for a sexual
/// offence in PI Vught, living in 's-Gravenhage (0518).
struct message {
  std::string type;
  std::string source = "tulp-gw";
  std::map<std::string, std::vector<std::string>> values{
      {"gebeurtenisdatum", {"2026-12-12"}},
      {"persoon/geboortedatum", {"1979-01-23"}},
      {"persoon/brpAdressen/adres/gemeentecode", {"0518"}},
      {"persoon/brpAdressen/adres/begindatum", {"2012-04-01"}},
      {"persoon/brpAdressen/adres/djiInstelling", {"false"}},
      {"detentie/instelling/code", {"PI-VUG-02"}},
      {"detentie/delicten/delictcategorie", {"zeden"}},
      {"detentie/strafduurDagen", {"2191"}},
      {"detentie/onherroepelijk", {"true"}},
  };
  std::vector<std::vector<std::string>> fields;

  explicit message(std::string t, std::string src = "tulp-gw") : type(std::move(t)), source(std::move(src)) {
    if (leave_types().count(type)) values["verlof/adres/gemeentecode"] = {"0599"};
  }
  message& set(const std::string& path, std::vector<std::string> v) {
    values[path] = std::move(v);
    return *this;
  }
  message& erase(const std::string& path) {
    values.erase(path);
    return *this;
  }
  message& no_brp() {
    for (auto* k : {"gemeentecode", "begindatum", "djiInstelling"})
      values["persoon/brpAdressen/adres/" + std::string(k)] = {};
    return *this;
  }
  message& brp(const std::string& code, const std::string& date, bool dji) {
    values["persoon/brpAdressen/adres/gemeentecode"].push_back(code);
    values["persoon/brpAdressen/adres/begindatum"].push_back(date);
    values["persoon/brpAdressen/adres/djiInstelling"].push_back(dji ? "true" : "false");
    return *this;
  }
  /// @return facts laid out in the table's field order, as the codec would deliver them.
  facts facts_for(const table& t) {
    fields.assign(t.field_paths().size(), {});
    for (std::size_t i = 0; i < t.field_paths().size(); ++i) {
      auto it = values.find(t.field_paths()[i]);
      if (it != values.end()) fields[i] = it->second;
    }
    return facts{type, source, &fields};
  }
};

}  // namespace jubes::routing::test
