// SPDX-License-Identifier: EUPL-1.2
// The real StUF 03.01 corpus (../shared/stuf, see its README): valid instances validate against the upstream
// entry points (multiple imports of one namespace handled), invalid ones are refused with the right kind of
// error, and the stuurgegevens are extracted as they are written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "codecs/catalog.hpp"
#include "codecs/validator.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

constexpr const char* stuf_ns = "http://www.egem.nl/StUF/StUF0301";
constexpr const char* zkn_ns = "http://www.egem.nl/StUF/sector/zkn/0310";
constexpr const char* zds_ns = "http://www.stufstandaarden.nl/koppelvlak/zds0120";

class stuf_corpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto s = test::stuf_dir() / "schemas";
    schema_set_config mutatie{"stuf-zkn0310-mutatie",
                              {s / "zds-1.2/zkn0310/mutatie/zkn0310_msg_mutatie.xsd"},
                              true,
                              {{zkn_ns, "zakLk01"}, {zkn_ns, "edcLk01"}}};
    schema_set_config vraag{"stuf-zkn0310-vraagAntwoord",
                            {s / "zds-1.2/zkn0310/vraagAntwoord/zkn0310_msg_vraagAntwoord.xsd"},
                            true,
                            {{zkn_ns, "zakLv01"}, {zkn_ns, "zakLa01"}, {zkn_ns, "edcLv01"}, {zkn_ns, "edcLa01"}}};
    schema_set_config zds{
        "stuf-zds0120", {s / "zds-1.2/zds0120/berichten/zds0120_msg_zs-dms.xsd"}, true, {{zds_ns, "*"}}};
    schema_set_config stuf{"stuf0301", {s / "onderlaag-patch33/0301/stuf0301.xsd"}, true, {{stuf_ns, "*"}}};
    auto cat = schema_catalog::load({jubes_schema_set(test::schema_dir()), mutatie, vraag, zds, stuf});
    ASSERT_TRUE(cat) << cat.error().message();
    catalog_ = *cat;
  }
  static void TearDownTestSuite() { catalog_.reset(); }
  // No skip when ../shared/stuf is missing: test::stuf_dir() fails the test (a green run without the corpus
  // would prove nothing), and the catalog above then does not load.
  void SetUp() override { ASSERT_TRUE(catalog_) << "the StUF corpus catalog did not load"; }
  static std::vector<std::filesystem::path> files(const char* sub) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(test::stuf_dir() / "instances" / sub)) {
      if (e.path().extension() == ".xml") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Position just after the first start tag <name> or <prefix:name> at or after `from`, or npos.
  static std::size_t after_start_tag(const std::string& doc, const std::string& name, std::size_t from) {
    for (std::size_t p = doc.find(name + ">", from); p != std::string::npos; p = doc.find(name + ">", p + 1)) {
      if (p == 0) continue;
      if (doc[p - 1] == '<') return p + name.size() + 1;
      if (doc[p - 1] == ':') {
        std::size_t b = p - 1;
        while (b > 0 && std::isalnum(static_cast<unsigned char>(doc[b - 1]))) --b;
        if (b > 0 && doc[b - 1] == '<') return p + name.size() + 1;
      }
    }
    return std::string::npos;
  }
  // An independent, naive reading of the first <prefix:name>value< (after the start tag of `after`, if given).
  static std::string naive(const std::string& doc, const std::string& name, const std::string& after = "") {
    std::size_t from = 0;
    if (!after.empty()) {
      from = after_start_tag(doc, after, 0);
      if (from == std::string::npos) return "";
    }
    const std::size_t v = after_start_tag(doc, name, from);
    if (v == std::string::npos) return "";
    return doc.substr(v, doc.find('<', v) - v);
  }
  static inline std::shared_ptr<const schema_catalog> catalog_;
};

// The real StUF sets use what the compiled validator does not support (attributes, choices, xs:any, ...), so
// they keep xerces; the jubes set compiles.
TEST_F(stuf_corpus, stuf_sets_fall_back_to_xerces) {
  EXPECT_EQ(catalog_->compiled_status("jubes"), "compiled");
  for (const char* name : {"stuf-zkn0310-mutatie", "stuf-zkn0310-vraagAntwoord", "stuf-zds0120", "stuf0301"}) {
    const std::string status = catalog_->compiled_status(name);
    EXPECT_NE(status, "compiled") << name;
    EXPECT_FALSE(status.empty()) << name;
    std::printf("schema set %s uses xerces: %s\n", name, status.c_str());
  }
}

TEST_F(stuf_corpus, valid_instances_validate_and_give_their_stuurgegevens) {
  validator v(catalog_);
  parsed out;
  fault err;
  const auto valid = files("valid");
  ASSERT_GE(valid.size(), 16u);
  for (const auto& f : valid) {
    SCOPED_TRACE(f.filename().string());
    const std::string doc = test::read_file(f);
    ASSERT_TRUE(v.parse(doc, out, err)) << to_string(err.code) << " " << err.line << ":" << err.column << " "
                                        << err.element_path << ": " << err.text;
    EXPECT_NE(out.env.schema_set, "jubes");
    EXPECT_EQ(out.env.berichtcode, naive(doc, "berichtcode"));
    EXPECT_EQ(out.env.referentienummer, naive(doc, "referentienummer"));
    EXPECT_EQ(out.env.tijdstip_bericht, naive(doc, "tijdstipBericht"));
    EXPECT_EQ(out.env.zender_applicatie, naive(doc, "applicatie", "zender"));
    EXPECT_EQ(out.env.zender_organisatie, naive(doc, "organisatie", "zender"));
    EXPECT_EQ(out.env.ontvanger_applicatie, naive(doc, "applicatie", "ontvanger"));
    EXPECT_FALSE(out.env.berichtcode.empty());
    EXPECT_FALSE(out.env.zender_applicatie.empty());
  }
}

TEST_F(stuf_corpus, known_values_are_extracted) {
  validator v(catalog_);
  parsed out;
  fault err;
  ASSERT_TRUE(v.parse(test::read_file(test::stuf_dir() / "instances/valid/swf02_Bv03Bericht.xml"), out, err))
      << err.text;
  EXPECT_EQ(out.env.schema_set, "stuf0301");
  EXPECT_EQ(out.env.message_type, "Bv03Bericht");
  EXPECT_EQ(out.env.berichtcode, "Bv03");
  EXPECT_EQ(out.env.zender_organisatie, "1900");
  EXPECT_EQ(out.env.zender_applicatie, "CDR");
  EXPECT_EQ(out.env.ontvanger_gebruiker, "Gebruiker");
  EXPECT_EQ(out.env.referentienummer, "3004d773-c498-4690-8d55-806a42aca2f7");
  EXPECT_EQ(out.env.cross_refnummer, "c572cdfc-2972-4288-b62a-b02ecd309266");
  ASSERT_TRUE(v.parse(test::read_file(test::stuf_dir() / "instances/valid/haarlem_creeerZaak_ZakLk01.xml"), out, err))
      << err.text;
  EXPECT_EQ(out.env.schema_set, "stuf-zds0120");
  EXPECT_EQ(out.env.zender_administratie, "MOR");
  EXPECT_EQ(out.env.zender_gebruiker, "system");
  EXPECT_EQ(out.env.referentienummer, "e443d87f-69ee-4fd4-b1d9-dd797ffff628");
}

TEST_F(stuf_corpus, invalid_instances_are_refused_with_the_right_kind) {
  const std::map<std::string, errc> expected = {
      {"swf01_genereerZaakIdentificatie_Di02_zkn-namespace.xml", errc::unknown_root},
      {"swf01_genereerZaakIdentificatie_Du02_zkn-namespace.xml", errc::unknown_root},
      {"swf10_Fo02Bericht_from-soap-fault.xml", errc::schema_invalid},
      {"swf12_zakLa01_schema-violation.xml", errc::schema_invalid},
      {"swf12_zakLv01_schema-violation.xml", errc::schema_invalid},
      {"swf13_not-well-formed_soap-envelope.xml", errc::not_well_formed},
  };
  validator v(catalog_);
  parsed out;
  fault err;
  const auto invalid = files("invalid");
  ASSERT_EQ(invalid.size(), expected.size());
  for (const auto& f : invalid) {
    SCOPED_TRACE(f.filename().string());
    ASSERT_EQ(expected.count(f.filename().string()), 1u);
    EXPECT_FALSE(v.parse(test::read_file(f), out, err));
    EXPECT_EQ(err.code, expected.at(f.filename().string())) << to_string(err.code) << ": " << err.text;
    if (err.code != errc::unknown_root) {
      EXPECT_GT(err.line, 0u);
    }
  }
  // swf10: StUF:omschrijving of 780 characters (max 200)
  ASSERT_FALSE(
      v.parse(test::read_file(test::stuf_dir() / "instances/invalid/swf10_Fo02Bericht_from-soap-fault.xml"), out, err));
  EXPECT_EQ(err.element_path, "/Fo02Bericht/body/omschrijving") << err.text;
}

TEST_F(stuf_corpus, can_supply_walks_the_stuf_schemas_too) {
  EXPECT_TRUE(catalog_->can_supply("zakLk01", "stuurgegevens/zender/applicatie"));
  EXPECT_TRUE(catalog_->can_supply("zakLk01", "stuurgegevens/referentienummer"));
  EXPECT_TRUE(catalog_->can_supply("Bv03Bericht", "stuurgegevens/crossRefnummer"));
  EXPECT_FALSE(catalog_->can_supply("zakLk01", "stuurgegevens/bestaatNiet"));
  EXPECT_TRUE(catalog_->knows_message_type("zakLv01"));
  EXPECT_TRUE(catalog_->knows_message_type("genereerZaakIdentificatie_Di02"));  // in the zds0120 namespace
  EXPECT_FALSE(catalog_->knows_message_type("geenBericht"));
}

TEST_F(stuf_corpus, jubes_and_stuf_sets_live_side_by_side) {
  validator v(catalog_, limits{}, test::test_semantics());
  parsed out;
  fault err;
  ASSERT_TRUE(v.parse(test::read_file(test::examples_dir() / "tbsVerlof.xml"), out, err)) << err.text;
  EXPECT_EQ(out.env.schema_set, "jubes");
  ASSERT_TRUE(v.parse(test::read_file(test::stuf_dir() / "instances/valid/swf07_zakLv01_geefLijstZaakdocumenten.xml"),
                      out, err))
      << err.text;
  EXPECT_EQ(out.env.schema_set, "stuf-zkn0310-vraagAntwoord");
  EXPECT_EQ(out.env.message_type, "zakLv01");
}

}  // namespace
}  // namespace jubes::codecs
