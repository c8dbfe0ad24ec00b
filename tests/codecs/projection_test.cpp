// SPDX-License-Identifier: EUPL-1.2
// Need-to-know projections (codecs/projection.hpp): the projector's mechanics on small documents, and every
// example message projected for each purpose that receives its type, validated against the projection's XSD
// (conf/schemas/projecties/) by xerces, with the dropped fields absent.
#include "codecs/projection.hpp"

#include <gtest/gtest.h>

#include <map>

#include "codecs/errc.hpp"
#include "codecs/replies.hpp"
#include "codecs/xml_text.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

projection make(std::vector<std::string> paths) {
  auto p = projection::make(paths);
  if (!p) throw std::runtime_error(p.error().message());
  return *p;
}

std::string project(std::string_view element, const projection& p) {
  std::string out;
  auto r = append_projected(out, element, p);
  if (!r) return "ERROR";
  return out;
}

TEST(projection, keeps_root_stuurgegevens_listed_subtrees_and_their_ancestors) {
  const auto p = make({"a/b", "c"});
  EXPECT_EQ(
      project("<r xmlns=\"urn:x\"><stuurgegevens><x>1</x></stuurgegevens>\n  <a>\n <b><i>2</i><!--c--></b> <z>3</z></a>"
              "<c>4</c><d><b>5</b></d></r>",
              p),
      "<r xmlns=\"urn:x\"><stuurgegevens><x>1</x></stuurgegevens><a><b><i>2</i><!--c--></b></a><c>4</c></r>");
}

TEST(projection, matches_local_names_and_keeps_prefixes_and_declarations_as_sent) {
  const auto p = make({"persoon/bsn"});
  EXPECT_EQ(project("<d:t xmlns:d=\"urn:d\"><d:persoon xmlns:e=\"urn:e\"><d:bsn e:x='a>b'>1</d:bsn>"
                    "<d:naam>n</d:naam></d:persoon><d:detentie/></d:t>",
                    p),
            "<d:t xmlns:d=\"urn:d\"><d:persoon xmlns:e=\"urn:e\"><d:bsn e:x='a>b'>1</d:bsn></d:persoon></d:t>");
}

TEST(projection, an_empty_path_list_keeps_only_stuurgegevens) {
  const auto p = make({});
  EXPECT_EQ(project("<t><stuurgegevens/><persoon><bsn>1</bsn></persoon></t>", p), "<t><stuurgegevens/></t>");
  EXPECT_EQ(p.paths(), std::vector<std::string>{"stuurgegevens"});
}

TEST(projection, brp_gemeente_selector_keeps_the_latest_non_dji_address_only) {
  const auto p = make({"persoon/brpAdressen/adres[brp_gemeente]"});
  const std::string doc =
      "<t><persoon><brpAdressen>"
      "<adres><gemeentecode>0001</gemeentecode><begindatum>2010-01-01</begindatum><djiInstelling>false</"
      "djiInstelling></adres>"
      "<adres><gemeentecode>0002</gemeentecode><begindatum>2020-01-01</begindatum><djiInstelling>true</djiInstelling></"
      "adres>"
      "<adres><gemeentecode>0003</gemeentecode><begindatum> 2015-01-01 "
      "</begindatum><djiInstelling>0</djiInstelling></adres>"
      "<adres><gemeentecode>0004</gemeentecode><begindatum>2012-01-01</begindatum><djiInstelling>false</"
      "djiInstelling></adres>"
      "</brpAdressen></persoon></t>";
  EXPECT_EQ(project(doc, p),
            "<t><persoon><brpAdressen><adres><gemeentecode>0003</gemeentecode><begindatum> 2015-01-01 </begindatum>"
            "<djiInstelling>0</djiInstelling></adres></brpAdressen></persoon></t>");
}

TEST(projection, brp_gemeente_selector_later_record_wins_a_tie_and_all_dji_keeps_none) {
  const auto p = make({"persoon/brpAdressen/adres[brp_gemeente]"});
  EXPECT_EQ(project("<t><persoon><brpAdressen>"
                    "<adres><g>1</g><begindatum>2015-01-01</begindatum><djiInstelling>false</djiInstelling></adres>"
                    "<adres><g>2</g><begindatum>2015-01-01</begindatum><djiInstelling>false</djiInstelling></adres>"
                    "</brpAdressen></persoon></t>",
                    p),
            "<t><persoon><brpAdressen><adres><g>2</g><begindatum>2015-01-01</begindatum>"
            "<djiInstelling>false</djiInstelling></adres></brpAdressen></persoon></t>");
  EXPECT_EQ(project("<t><persoon><brpAdressen>"
                    "<adres><g>1</g><begindatum>2015-01-01</begindatum><djiInstelling>true</djiInstelling></adres>"
                    "<adres/></brpAdressen></persoon></t>",
                    p),
            "<t><persoon><brpAdressen></brpAdressen></persoon></t>");
}

TEST(projection, refuses_malformed_paths) {
  for (const std::string bad : {"", "/a", "a//b", "a/", "a b", "a[brp_gemeente]/b", "a[x]", "a<b"}) {
    std::vector<std::string> paths{bad};
    auto p = projection::make(paths);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, errc::schema_load_failed);
    EXPECT_NE(p.error().detail.find("malformed"), std::string::npos) << p.error().detail;
  }
  EXPECT_TRUE(projection::valid_path("persoon/brpAdressen/adres[brp_gemeente]"));
}

TEST(projection, malformed_input_appends_nothing) {
  const auto p = make({"a"});
  for (const std::string bad : {"", "text", "<t><a>", "<t></t><u/>", "<t><!DOCTYPE x></t>", "<t a='1></t>", "<t>x"}) {
    std::string out = "keep";
    EXPECT_FALSE(append_projected(out, bad, p)) << bad;
    EXPECT_EQ(out, "keep");
  }
}

TEST(projection, the_outbox_entry_carries_the_projection_when_given_one) {
  const auto p = make({"gebeurtenisdatum"});
  const std::string body =
      "<?xml version=\"1.0\"?><t xmlns=\"urn:x\"><stuurgegevens/><gebeurtenisdatum>2026-01-01</gebeurtenisdatum>"
      "<persoon><bsn>1</bsn></persoon></t>";
  std::string out;
  outbox_entry_view e{1, 7, "t", "tulp-gw", 0, false, body, 0, delivery_link::none, 0, &p};
  append_outbox_entry(out, e);
  EXPECT_NE(out.find("<gebeurtenisdatum>2026-01-01</gebeurtenisdatum></t></entry>"), std::string::npos) << out;
  EXPECT_EQ(out.find("bsn"), std::string::npos) << out;
  e.view = nullptr;
  out.clear();
  append_outbox_entry(out, e);
  EXPECT_NE(out.find("<bsn>1</bsn>"), std::string::npos) << out;
}

// ---- the default projections (conf/routes.yaml, docs/MESSAGES.md "Projections") against their XSDs ----------

struct default_projection {
  std::string xsd;  // conf/schemas/projecties/NAME.xsd
  std::vector<std::string> types;
  std::vector<std::string> fields;
  std::vector<std::string> absent;  // element local names that must not occur in the projection
};

const std::vector<std::string> identiteit = {"persoon/bsn", "persoon/voornamen", "persoon/voorvoegsel",
                                             "persoon/geslachtsnaam", "persoon/geboortedatum"};
const std::vector<std::string> reintegratie = {"eersteInschrijving", "wijzigingEinddatum", "overplaatsing",
                                               "reintegratieplan", "einddetentie"};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<default_projection> defaults() {
  const std::vector<std::string> datums = {"detentie/instelling", "detentie/titel", "detentie/begindatum",
                                           "detentie/geplandEinddatum", "detentie/feitelijkeEinddatum"};
  const std::vector<std::string> bij =
      plus(plus({"gebeurtenisdatum", "detentie/delicten", "detentie/onherroepelijk"}, identiteit), datums);
  return {
      {"bij-einde",
       {"piBeeindiging", "tbsVoorwaardelijkeBeeindiging", "pijBeeindiging", "melding18b"},
       plus(bij, {"persoon/brpAdressen/adres[brp_gemeente]"}),
       {"strafduurDagen", "verlof", "plan"}},
      {"bij-verlof",
       {"piRegimefasering", "piVerlof", "tbsVerlof", "pijVerlofmachtiging"},
       plus(bij, {"verlof"}),
       {"brpAdressen", "strafduurDagen"}},
      {"reintegratie",
       reintegratie,
       plus(plus({"gebeurtenisdatum", "persoon/brpAdressen/adres[brp_gemeente]", "overplaatsing", "plan"}, identiteit),
            datums),
       {"delicten", "delictcategorie", "strafduurDagen", "onherroepelijk"}},
      {"reclassering",
       reintegratie,
       plus(plus({"gebeurtenisdatum", "detentie/strafduurDagen", "detentie/onherroepelijk", "overplaatsing", "plan"},
                 identiteit),
            datums),
       {"brpAdressen", "delicten"}},
      {"idv",
       {"idvDetentieverloop"},
       {"gebeurtenisdatum", "persoon/voornamen", "persoon/voorvoegsel", "persoon/geslachtsnaam",
        "persoon/geboortedatum", "detentie/titel", "detentie/begindatum", "detentie/geplandEinddatum",
        "detentie/feitelijkeEinddatum"},
       {"bsn", "brpAdressen", "instelling", "delicten", "strafduurDagen"}},
  };
}

TEST(projection, every_example_projected_for_each_default_purpose_validates_against_its_xsd) {
  const auto dir = jubes::testing::source_dir() / "conf" / "schemas" / "projecties";
  int checked = 0;
  for (const auto& d : defaults()) {
    auto cat = schema_catalog::load({adhoc_schema_set({dir / (d.xsd + ".xsd")})});
    ASSERT_TRUE(cat) << cat.error().message();
    validator v(*cat);
    const auto p = make(d.fields);
    for (const auto& type : d.types) {
      SCOPED_TRACE(d.xsd + " " + type);
      const std::string body = test::read_file(test::examples_dir() / (type + ".xml"));
      auto element = embeddable_body(body);
      ASSERT_TRUE(element);
      std::string out;
      ASSERT_TRUE(append_projected(out, *element, p));
      parsed res;
      fault err;
      ASSERT_TRUE(v.parse(out, res, err)) << err.text << " at " << err.element_path << "\n" << out;
      for (const auto& name : d.absent) {
        EXPECT_EQ(out.find(":" + name + ">"), std::string::npos) << name << "\n" << out;
        EXPECT_EQ(out.find("<" + name + ">"), std::string::npos) << name << "\n" << out;
      }
      EXPECT_LT(out.size(), element->size());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 + 4 + 5 + 5 + 1);
}

TEST(projection, the_bij_box_gets_the_deciding_address_not_the_history) {
  // piBeeindiging's example has a BRP history; the projection keeps exactly one non-DJI address.
  const std::string body = test::read_file(test::examples_dir() / "piBeeindiging.xml");
  auto element = embeddable_body(body);
  ASSERT_TRUE(element);
  const auto all = defaults();
  std::string out;
  ASSERT_TRUE(append_projected(out, *element, make(all[0].fields)));
  std::size_t n = 0;
  for (auto at = out.find(":adres>"); at != std::string::npos; at = out.find(":adres>", at + 1)) ++n;
  EXPECT_EQ(n, 2u) << out;  // one start and one end tag
  EXPECT_EQ(out.find("<dti:djiInstelling>true"), std::string::npos) << out;
}

}  // namespace
}  // namespace jubes::codecs
