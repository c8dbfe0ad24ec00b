// SPDX-License-Identifier: EUPL-1.2
// The default table conf/routes.yaml against the seed's rules (PRODUCT.md, "The message family"):
// for every rule, messages that should and should not reach each recipient.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

using test::conf_dir;
using test::context;
using test::message;
using strings = std::vector<std::string>;

std::shared_ptr<const table> default_table() {
  static std::shared_ptr<const table> t = [] {
    auto r = table::compile(conf_dir() / "routes.yaml", context());
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : nullptr;
  }();
  return t;
}

// The default file with the arson feature switched on: a configuration change only.
std::shared_ptr<const table> arson_table() {
  static std::shared_ptr<const table> t = [] {
    std::string text = jubes::testing::read_file(conf_dir() / "routes.yaml");
    const std::string off = "brandstichting-bij: false";
    auto at = text.find(off);
    EXPECT_NE(at, std::string::npos);
    text.replace(at, off.size(), "brandstichting-bij: true");
    auto r = table::compile_text(text, "routes.yaml", conf_dir(), context());
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : nullptr;
  }();
  return t;
}

decision route(message& m, const table& t) {
  return t.route(m.facts_for(t));
}
decision route(message& m) {
  return route(m, *default_table());
}
decision route(message&& m) {
  return route(m);
}

const strings bij_end{"piBeeindiging", "tbsVoorwaardelijkeBeeindiging", "pijBeeindiging"};
const strings bij_leave{"piRegimefasering", "piVerlof", "tbsVerlof", "pijVerlofmachtiging"};
const strings reintegration{"eersteInschrijving", "wijzigingEinddatum", "overplaatsing", "reintegratieplan",
                            "einddetentie"};

TEST(default_table, compiles_and_names_the_fields_the_codec_must_extract) {
  auto t = default_table();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->version().size(), 12u);
  for (const char* p : {"detentie/delicten/delictcategorie", "detentie/onherroepelijk", "detentie/strafduurDagen",
                        "persoon/brpAdressen/adres/gemeentecode", "persoon/brpAdressen/adres/begindatum",
                        "persoon/brpAdressen/adres/djiInstelling", "verlof/adres/gemeentecode", "persoon/geboortedatum",
                        "gebeurtenisdatum", "detentie/instelling/code"})
    EXPECT_GE(t->field_index(p), 0) << p;
  EXPECT_EQ(t->field_index("persoon/bsn"), -1);
}

// ---- forwarding: only the BIJ notices (PRODUCT.md: "a municipality may forward a BIJ notice") -------

TEST(default_table, only_bij_notices_may_be_forwarded) {
  strings bij = bij_end;
  bij.insert(bij.end(), bij_leave.begin(), bij_leave.end());
  std::sort(bij.begin(), bij.end());
  EXPECT_EQ(default_table()->forwardable_types(), bij);
  for (const auto& type : context().message_types)
    EXPECT_EQ(default_table()->may_forward(type), std::binary_search(bij.begin(), bij.end(), type)) << type;
}

// ---- BIJ, end of detention: last BRP address that is not a DJI institution ----------------------

TEST(default_table, bij_end_reaches_the_municipality_of_the_last_brp_address) {
  for (const auto& type : bij_end) {
    auto d = route(message(type));
    EXPECT_EQ(d.recipients, strings{"gemeente:0518/bij"}) << type;
    EXPECT_EQ(d.matched_rules, strings{"bij-einde"}) << type;
    EXPECT_EQ(d.table_version, default_table()->version());
    EXPECT_TRUE(d.park_reason.empty());
  }
}

TEST(default_table, bij_end_skips_dji_institution_addresses) {
  message m("piBeeindiging");
  m.no_brp().brp("0518", "2012-04-01", false).brp("0855", "2021-08-15", true);  // PI Tilburg after the home
  EXPECT_EQ(route(m).recipients, strings{"gemeente:0518/bij"});
}

TEST(default_table, bij_end_takes_the_latest_address_in_any_order) {
  message m("pijBeeindiging", "jvs");
  m.no_brp().brp("0344", "2019-03-01", false).brp("0363", "2008-01-01", false).brp("0855", "2022-01-01", true);
  EXPECT_EQ(route(m).recipients, strings{"gemeente:0344/bij"});
}

TEST(default_table, bij_end_with_only_dji_addresses_is_parked) {
  message m("piBeeindiging");
  m.no_brp().brp("0855", "2021-08-15", true);
  auto d = route(m);
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_EQ(d.matched_rules, strings{"bij-einde"});
  EXPECT_NE(d.park_reason.find("no BRP address outside a DJI institution"), std::string::npos) << d.park_reason;
}

TEST(default_table, bij_resolves_merged_municipality_codes) {
  message m("tbsVoorwaardelijkeBeeindiging", "mits");
  m.no_brp().brp("1034", "1915-01-01", false);  // Buiksloot, part of Amsterdam since 1921
  EXPECT_EQ(route(m).recipients, strings{"gemeente:0363/bij"});
  message m2("piBeeindiging");
  m2.no_brp().brp("0689", "2015-01-01", false);  // Giessenlanden -> Molenlanden (2019)
  EXPECT_EQ(route(m2).recipients, strings{"gemeente:1978/bij"});
}

TEST(default_table, bij_skips_non_participating_municipalities) {
  message m("piBeeindiging");
  m.no_brp().brp("0096", "2015-01-01", false);  // Vlieland: not in the illustrative BIJ list
  auto d = route(m);
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(d.park_reason.find("0096 is not in list bij-deelnemers"), std::string::npos) << d.park_reason;
  message leave("piVerlof");
  leave.set("verlof/adres/gemeentecode", {"0096"});
  EXPECT_TRUE(route(leave).recipients.empty());
}

TEST(default_table, bij_requires_a_bij_offence) {
  for (const auto& type : bij_end) {
    auto d = route(message(type).set("detentie/delicten/delictcategorie", {"overig"}));
    EXPECT_TRUE(d.recipients.empty()) << type;
    EXPECT_TRUE(d.matched_rules.empty());
    EXPECT_NE(d.park_reason.find("no rule matched"), std::string::npos) << d.park_reason;
    EXPECT_NE(d.park_reason.find("delictcategorie"), std::string::npos) << d.park_reason;
  }
  EXPECT_EQ(route(message("piBeeindiging").set("detentie/delicten/delictcategorie", {"ernstig-geweld"})).recipients,
            strings{"gemeente:0518/bij"});
  EXPECT_EQ(route(message("piBeeindiging").set("detentie/delicten/delictcategorie", {"overig", "zeden"})).recipients,
            strings{"gemeente:0518/bij"});
  EXPECT_TRUE(route(message("piBeeindiging").erase("detentie/delicten/delictcategorie")).recipients.empty());
}

TEST(default_table, bij_requires_a_final_sentence) {
  EXPECT_TRUE(route(message("piBeeindiging").set("detentie/onherroepelijk", {"false"})).recipients.empty());
  EXPECT_TRUE(route(message("piVerlof").set("detentie/onherroepelijk", {"0"})).recipients.empty());
  EXPECT_EQ(route(message("piBeeindiging").set("detentie/onherroepelijk", {"1"})).recipients,
            strings{"gemeente:0518/bij"});
}

// ---- BIJ, leave kinds: the leave address entered ------------------------------------------------

TEST(default_table, bij_leave_reaches_the_municipality_of_the_leave_address) {
  for (const auto& type : bij_leave) {
    auto d = route(message(type));  // BRP address 0518, leave address 0599
    EXPECT_EQ(d.recipients, strings{"gemeente:0599/bij"}) << type;
    EXPECT_EQ(d.matched_rules, strings{"bij-verlof"}) << type;
  }
}

TEST(default_table, bij_leave_resolves_a_merged_leave_address_and_parks_without_one) {
  EXPECT_EQ(route(message("tbsVerlof", "mits").set("verlof/adres/gemeentecode", {"0142"})).recipients,
            strings{"gemeente:1735/bij"});  // Ambt Delden -> Hof van Twente
  auto d = route(message("piRegimefasering").erase("verlof/adres/gemeentecode"));
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(d.park_reason.find("no verlof/adres/gemeentecode"), std::string::npos) << d.park_reason;
}

TEST(default_table, bij_leave_does_not_fall_back_to_the_brp_address) {
  // A leave address without a current municipality (code 0000) is not replaced by the BRP address.
  auto d = route(message("pijVerlofmachtiging", "jvs").set("verlof/adres/gemeentecode", {"0000"}));
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(d.park_reason.find("0000 has no current municipality"), std::string::npos) << d.park_reason;
}

// ---- BIJ, arson extension: off by default, on by configuration -----------------------------------

message arson(const std::string& type, const std::string& days) {
  message m(type);
  m.set("detentie/delicten/delictcategorie", {"brandstichting"}).set("detentie/strafduurDagen", {days});
  return m;
}

TEST(default_table, arson_is_not_bij_while_the_feature_is_off) {
  auto m = arson("piBeeindiging", "730");
  auto d = route(m);
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(m.type.size(), 0u);
  std::string text = default_table()->explain(m.facts_for(*default_table()));
  EXPECT_NE(text.find("bij-einde-brandstichting"), std::string::npos) << text;
  EXPECT_NE(text.find("disabled (feature 'brandstichting-bij' is off)"), std::string::npos) << text;
}

TEST(default_table, arson_of_a_year_or_more_is_bij_when_switched_on) {
  auto t = arson_table();
  ASSERT_TRUE(t);
  EXPECT_NE(t->version(), default_table()->version());
  for (const auto& type : bij_end) {
    auto m = arson(type, "365");
    auto d = route(m, *t);
    EXPECT_EQ(d.recipients, strings{"gemeente:0518/bij"}) << type;
    EXPECT_EQ(d.matched_rules, strings{"bij-einde-brandstichting"});
  }
  for (const auto& type : bij_leave) {
    auto m = arson(type, "400");
    EXPECT_EQ(route(m, *t).recipients, strings{"gemeente:0599/bij"}) << type;
  }
  auto short_sentence = arson("piBeeindiging", "364");
  EXPECT_TRUE(route(short_sentence, *t).recipients.empty());
  auto not_final = arson("piVerlof", "800");
  not_final.set("detentie/onherroepelijk", {"false"});
  EXPECT_TRUE(route(not_final, *t).recipients.empty());
  auto non_participant = arson("piBeeindiging", "800");
  non_participant.no_brp().brp("0088", "2010-01-01", false);  // Schiermonnikoog
  EXPECT_TRUE(route(non_participant, *t).recipients.empty());
  // Switching arson on changes nothing for the other offences.
  auto other = message("piBeeindiging");
  other.set("detentie/delicten/delictcategorie", {"overig"});
  EXPECT_TRUE(route(other, *t).recipients.empty());
}

// ---- Risk notice 18b ----------------------------------------------------------------------------

TEST(default_table, melding_18b_reaches_the_municipality_for_any_offence) {
  for (const char* src : {"tulp-gw", "selectie"}) {
    message m("melding18b", src);
    m.set("detentie/delicten/delictcategorie", {"overig"}).set("detentie/onherroepelijk", {"false"});
    m.no_brp().brp("0855", "2021-01-01", true).brp("0096", "2015-01-01", false);  // Vlieland: no BIJ needed
    auto d = route(m);
    EXPECT_EQ(d.recipients, strings{"gemeente:0096/bij"}) << src;
    EXPECT_EQ(d.matched_rules, strings{"melding-18b"});
  }
}

TEST(default_table, melding_18b_only_from_the_prison_service) {
  for (const char* src : {"jvs", "mits", "someone-else"}) {
    auto d = route(message("melding18b", src));
    EXPECT_TRUE(d.recipients.empty()) << src;
    EXPECT_NE(d.park_reason.find("source '" + std::string(src) + "' not in [selectie, tulp-gw]"), std::string::npos)
        << d.park_reason;
  }
}

TEST(default_table, melding_18b_resolves_merged_codes) {
  message m("melding18b");
  m.no_brp().brp("1189", "1900-01-01", false);  // Stad-Almelo -> Almelo
  EXPECT_EQ(route(m).recipients, strings{"gemeente:0141/bij"});
}

// ---- Re-integration 18a -------------------------------------------------------------------------

TEST(default_table, reintegration_reaches_the_municipality_only_for_adults) {
  for (const auto& type : reintegration) {
    for (const char* src : {"tulp-gw", "selectie", "jvs", "mits"}) {
      message m(type, src);
      m.set("detentie/delicten/delictcategorie", {"overig"});
      auto d = route(m);
      EXPECT_EQ(d.recipients, (strings{"3ro", "gemeente:0518/reintegratie"})) << type << " " << src;
      EXPECT_EQ(d.matched_rules, (strings{"reintegratie-gemeente", "reintegratie-reclassering"}));
    }
  }
}

TEST(default_table, reintegration_of_a_minor_also_reaches_rvdk) {
  for (const auto& type : reintegration) {
    message m(type, "jvs");
    m.set("persoon/geboortedatum", {"2010-05-01"});
    auto d = route(m);
    EXPECT_EQ(d.recipients, (strings{"3ro", "gemeente:0518/reintegratie", "rvdk"})) << type;
    EXPECT_EQ(d.matched_rules, (strings{"reintegratie-gemeente", "reintegratie-reclassering", "reintegratie-rvdk"}));
  }
}

TEST(default_table, minor_is_judged_on_the_event_date) {
  // Event 2026-12-12: born 2008-12-12 is 18 that day; born 2008-12-13 is still 17.
  EXPECT_EQ(route(message("einddetentie").set("persoon/geboortedatum", {"2008-12-12"})).recipients,
            (strings{"3ro", "gemeente:0518/reintegratie"}));
  EXPECT_EQ(route(message("einddetentie").set("persoon/geboortedatum", {"2008-12-13"})).recipients,
            (strings{"3ro", "gemeente:0518/reintegratie", "rvdk"}));
  // The same person, a year later, is of age.
  EXPECT_EQ(
      route(
          message("einddetentie").set("persoon/geboortedatum", {"2008-12-13"}).set("gebeurtenisdatum", {"2027-12-13"}))
          .recipients,
      (strings{"3ro", "gemeente:0518/reintegratie"}));
  // A time zone on the date does not matter.
  EXPECT_EQ(route(message("einddetentie").set("persoon/geboortedatum", {"2010-01-01+01:00"})).recipients,
            (strings{"3ro", "gemeente:0518/reintegratie", "rvdk"}));
}

TEST(default_table, a_leap_day_birthday_is_reached_on_1_march) {
  auto on = [](const char* event) {
    return route(message("einddetentie").set("persoon/geboortedatum", {"2008-02-29"}).set("gebeurtenisdatum", {event}))
        .recipients;
  };
  EXPECT_EQ(on("2026-02-28"), (strings{"3ro", "gemeente:0518/reintegratie", "rvdk"}));
  EXPECT_EQ(on("2026-03-01"), (strings{"3ro", "gemeente:0518/reintegratie"}));
}

TEST(default_table, unknown_age_does_not_reach_rvdk) {
  auto d = route(message("eersteInschrijving").set("persoon/geboortedatum", {"not-a-date"}));
  EXPECT_EQ(d.recipients, (strings{"3ro", "gemeente:0518/reintegratie"}));
}

TEST(default_table, minor_without_home_address_still_reaches_rvdk) {
  message m("eersteInschrijving", "jvs");
  m.set("persoon/geboortedatum", {"2011-02-03"}).no_brp().brp("0268", "2025-01-01", true);
  auto d = route(m);
  EXPECT_EQ(d.recipients, (strings{"3ro", "rvdk"}));
}

TEST(default_table, reintegration_without_any_address_reaches_probation_and_is_a_partial_delivery) {
  message m("overplaatsing");
  m.no_brp();
  auto d = route(m);
  EXPECT_EQ(d.recipients, strings{"3ro"});
  EXPECT_TRUE(d.partial());
  EXPECT_TRUE(d.park_reason.empty());
  EXPECT_NE(d.partial_reason.find("reintegratie-gemeente: gemeente:{brp_gemeente | current}/reintegratie produced no "
                                  "recipient: no BRP address outside a DJI institution"),
            std::string::npos)
      << d.partial_reason;
  const std::string text = default_table()->explain(m.facts_for(*default_table()));
  EXPECT_NE(text.find("partial delivery, also parked for the missing recipient: reintegratie-gemeente"),
            std::string::npos)
      << text;
}

TEST(default_table, a_bij_notice_that_is_not_bij_worthy_is_counted_not_parked) {
  for (const auto& type : bij_end) {
    auto d = route(message(type).set("detentie/delicten/delictcategorie", {"overig"}));
    EXPECT_TRUE(d.recipients.empty()) << type;
    EXPECT_EQ(d.unrouted_reason, "niet BIJ-waardig") << type;
    EXPECT_NE(d.park_reason.find("no rule matched"), std::string::npos) << d.park_reason;
  }
  auto leave = route(message("piVerlof").set("detentie/onherroepelijk", {"false"}));
  EXPECT_EQ(leave.unrouted_reason, "niet BIJ-waardig");
  // BIJ-worthy but no municipality to tell (only DJI addresses): parked for an operator, not counted away.
  message m("piBeeindiging");
  m.no_brp().brp("0268", "2025-01-01", true);
  auto d = route(m);
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_TRUE(d.unrouted_reason.empty()) << d.unrouted_reason;
  // Other kinds are never unrouted: an 18a notice with no rule would be parked.
  EXPECT_TRUE(route(message("somethingElse")).unrouted_reason.empty());
  const std::string text = default_table()->explain(
      message("piBeeindiging").set("detentie/delicten/delictcategorie", {"overig"}).facts_for(*default_table()));
  EXPECT_NE(text.find("recipients: none, not parked: niet BIJ-waardig"), std::string::npos) << text;
}

TEST(default_table, a_complete_delivery_is_not_partial) {
  for (const auto& type : reintegration) EXPECT_FALSE(route(message(type)).partial()) << type;
  EXPECT_FALSE(route(message("piBeeindiging")).partial());
  // A parked message is parked, not partial.
  auto parked = route(message("piBeeindiging").set("detentie/delicten/delictcategorie", {"overig"}));
  EXPECT_TRUE(parked.parked());
  EXPECT_FALSE(parked.partial());
}

TEST(default_table, almelo_institution_notices_reach_the_casemanager_pilot) {
  for (const auto& type : reintegration) {
    auto d = route(message(type).set("detentie/instelling/code", {"PI-ALM-01"}));
    EXPECT_EQ(d.recipients, (strings{"3ro", "gemeente:0518/reintegratie", "hvh-almelo"})) << type;
  }
  // Other institutions, and other kinds from Almelo, do not.
  EXPECT_EQ(route(message("einddetentie").set("detentie/instelling/code", {"PI-ZWO-01"})).recipients,
            (strings{"3ro", "gemeente:0518/reintegratie"}));
  EXPECT_EQ(route(message("piBeeindiging").set("detentie/instelling/code", {"PI-ALM-01"})).recipients,
            strings{"gemeente:0518/bij"});
  EXPECT_EQ(route(message("idvDetentieverloop").set("detentie/instelling/code", {"PI-ALM-01"})).recipients,
            strings{"idv"});
}

// ---- IDV and the rest ---------------------------------------------------------------------------

TEST(default_table, idv_notices_reach_idv_only) {
  for (const char* src : {"tulp-gw", "jvs", "mits", "selectie"}) {
    message m("idvDetentieverloop", src);
    m.set("persoon/geboortedatum", {"2012-01-01"});  // a minor: still only idv
    auto d = route(m);
    EXPECT_EQ(d.recipients, strings{"idv"}) << src;
    EXPECT_EQ(d.matched_rules, strings{"idv"});
  }
}

TEST(default_table, unknown_type_is_parked_not_dropped) {
  auto d = route(message("somethingElse"));
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(d.park_reason.find("no enabled rule routes message type 'somethingElse'"), std::string::npos)
      << d.park_reason;
  EXPECT_EQ(d.table_version, default_table()->version());
}

TEST(default_table, missing_fields_vector_parks_instead_of_crashing) {
  facts f{"piBeeindiging", "tulp-gw", nullptr};
  auto d = default_table()->route(f);
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_FALSE(d.park_reason.empty());
  std::vector<std::vector<std::string>> short_fields(1, strings{"zeden"});
  facts g{"piBeeindiging", "tulp-gw", &short_fields};
  EXPECT_TRUE(default_table()->route(g).recipients.empty());
}

TEST(default_table, routing_is_deterministic) {
  message m("einddetentie");
  m.set("persoon/geboortedatum", {"2010-01-01"}).set("detentie/instelling/code", {"PI-ALM-01"});
  auto a = route(m);
  auto b = route(m);
  EXPECT_EQ(a.recipients, b.recipients);
  EXPECT_EQ(a.matched_rules, b.matched_rules);
  EXPECT_EQ(a.table_version, b.table_version);
}

TEST(default_table, explain_shows_fields_rules_and_recipients) {
  message m("einddetentie");
  m.set("persoon/geboortedatum", {"2010-01-01"});
  std::string text = default_table()->explain(m.facts_for(*default_table()));
  for (const char* want :
       {"version ", "message type 'einddetentie' from 'tulp-gw'", "persoon/geboortedatum = [2010-01-01]",
        "rule reintegratie-gemeente (routes.yaml:", ": match", "rule reintegratie-hvh-almelo",
        "no match, 'detentie/instelling/code in almelo-instellingen' fails: values [PI-VUG-02]",
        "brp_gemeente -> [0518] | current -> [0518]", "recipients: [3ro, gemeente:0518/reintegratie, rvdk]"})
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\n" << text;
}

TEST(default_table, explain_of_a_parked_message_gives_the_reason) {
  message m("piVerlof");
  m.set("verlof/adres/gemeentecode", {"0184"});  // Urk does not take part in BIJ
  std::string text = default_table()->explain(m.facts_for(*default_table()));
  EXPECT_NE(text.find("recipients: none, the message is parked"), std::string::npos) << text;
  EXPECT_NE(text.find("park reason: bij-verlof:"), std::string::npos) << text;
}

// ---- need-to-know: mailboxes and projections (issue 13) ----------------------------------------------

TEST(default_table, probation_receives_every_reintegration_notice_and_nothing_else) {
  for (const auto& type : reintegration) EXPECT_EQ(route(message(type)).recipients.front(), "3ro") << type;
  for (const auto& type : bij_end) EXPECT_EQ(route(message(type)).recipients, strings{"gemeente:0518/bij"}) << type;
  EXPECT_EQ(route(message("idvDetentieverloop")).recipients, strings{"idv"});
}

TEST(default_table, bij_and_reintegration_of_one_municipality_land_in_different_boxes) {
  EXPECT_EQ(route(message("piBeeindiging")).recipients, strings{"gemeente:0518/bij"});
  EXPECT_EQ(route(message("melding18b")).recipients, strings{"gemeente:0518/bij"});
  EXPECT_EQ(route(message("einddetentie")).recipients, (strings{"3ro", "gemeente:0518/reintegratie"}));
}

TEST(default_table, every_delivery_of_the_default_table_has_a_projection) {
  const auto& t = *default_table();
  ASSERT_EQ(t.projections().size(), 5u);
  const std::map<std::string, strings> want{
      {"gemeente/bij",
       {"piBeeindiging", "tbsVoorwaardelijkeBeeindiging", "pijBeeindiging", "melding18b", "piRegimefasering",
        "piVerlof", "tbsVerlof", "pijVerlofmachtiging"}},
      {"gemeente/reintegratie", reintegration},
      {"rvdk", reintegration},
      {"hvh-almelo", reintegration},
      {"3ro", reintegration},
      {"idv", {"idvDetentieverloop"}}};
  for (const auto& [box, types] : want)
    for (const auto& type : types) EXPECT_NE(t.projection_for(box, type), nullptr) << box << " " << type;
  EXPECT_EQ(t.projection_for("gemeente/bij", "einddetentie"), nullptr);
  EXPECT_EQ(t.projection_for("gemeente/reintegratie", "piBeeindiging"), nullptr);
  EXPECT_EQ(t.projection_for("3ro", "idvDetentieverloop"), nullptr);
  EXPECT_EQ(t.projection_for("gemeente/bij", "piBeeindiging")->id, "bij-einde");
  EXPECT_EQ(t.projection_for("gemeente/bij", "piVerlof")->id, "bij-verlof");
  EXPECT_EQ(t.projection_for("3ro", "reintegratieplan")->id, "reclassering");
  for (const auto& p : t.projections()) {  // each names its XSD in conf/schemas/projecties/
    EXPECT_EQ(p.schema, conf_dir() / "schemas" / "projecties" / (p.id + ".xsd")) << p.id;
    EXPECT_TRUE(std::filesystem::is_regular_file(p.schema)) << p.schema;
  }
  // BSN is not for the victim desk; offences not for re-integration.
  const auto& idv = t.projection_for("idv", "idvDetentieverloop")->fields;
  EXPECT_EQ(std::find(idv.begin(), idv.end(), "persoon/bsn"), idv.end());
  const auto& re = t.projection_for("gemeente/reintegratie", "einddetentie")->fields;
  EXPECT_EQ(std::find(re.begin(), re.end(), "detentie/delicten"), re.end());
}

TEST(default_table, explain_shows_box_and_projection_of_each_recipient) {
  message m("einddetentie");
  m.set("persoon/geboortedatum", {"2010-01-01"});
  std::string text = default_table()->explain(m.facts_for(*default_table()));
  for (const char* want :
       {"  gemeente:0518/reintegratie: box gemeente/reintegratie, projection reintegratie (routes.yaml:",
        "  3ro: box 3ro, projection reclassering (routes.yaml:", "  rvdk: box rvdk, projection reintegratie"})
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\n" << text;
}

}  // namespace
}  // namespace jubes::routing
