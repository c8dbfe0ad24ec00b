// SPDX-License-Identifier: EUPL-1.2
#include "codecs/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "codecs/validator.hpp"
#include "support.hpp"
#include "testing/testing.hpp"

namespace jubes::codecs {
namespace {

using jubes::testing::temp_dir;
using jubes::testing::write_file;

TEST(catalog, can_supply_follows_the_schema_of_each_message_type) {
  const auto& cat = test::jubes_catalog();
  EXPECT_TRUE(cat->can_supply("piBeeindiging", "persoon/bsn"));
  EXPECT_TRUE(cat->can_supply("piBeeindiging", "persoon/brpAdressen/adres/gemeentecode"));
  EXPECT_TRUE(cat->can_supply("piBeeindiging", "detentie/delicten/delictcategorie"));
  EXPECT_TRUE(cat->can_supply("piBeeindiging", "stuurgegevens/zender/applicatie"));
  EXPECT_TRUE(cat->can_supply("piBeeindiging", "persoon"));
  EXPECT_FALSE(cat->can_supply("piBeeindiging", "verlof/adres/gemeentecode"));  // not a leave notice
  EXPECT_TRUE(cat->can_supply("piVerlof", "verlof/adres/gemeentecode"));        // extension of the base notice
  EXPECT_TRUE(cat->can_supply("pijVerlofmachtiging", "verlof/begindatum"));
  EXPECT_TRUE(cat->can_supply("reintegratieplan", "plan/inhoud"));
  EXPECT_FALSE(cat->can_supply("einddetentie", "plan/inhoud"));
  EXPECT_TRUE(cat->can_supply("overplaatsing", "overplaatsing/naarInstelling/type"));
  EXPECT_FALSE(cat->can_supply("piBeeindiging", "persoon/bsn/extra"));
  EXPECT_FALSE(cat->can_supply("piBeeindiging", "persoon/naam"));
  EXPECT_FALSE(cat->can_supply("geenBericht", "persoon/bsn"));
  EXPECT_TRUE(cat->can_supply("Fo03Bericht", "body/locatie/regel"));
  for (const auto& t : jubes_message_types()) {
    EXPECT_TRUE(cat->knows_message_type(t)) << t;
    EXPECT_TRUE(cat->can_supply(t, "persoon/brpAdressen/adres/djiInstelling")) << t;
  }
  EXPECT_FALSE(cat->knows_message_type("geenBericht"));
  EXPECT_EQ(cat->set_names(), (std::vector<std::string>{"jubes", "jubes-replies", "jubes-outbox"}));
}

TEST(catalog, the_jubes_schemas_declare_exactly_the_listed_message_types) {
  std::vector<std::string> listed(jubes_message_type_names.begin(), jubes_message_type_names.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(test::jubes_catalog()->message_types("jubes"), listed);
  // Every global element of the family's schemas, accepted or not: a type added to the XSD only fails here.
  auto all = schema_catalog::load({adhoc_schema_set({test::schema_dir() / "jubes0100.xsd"})});
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ((*all)->message_types("adhoc"), listed);
  EXPECT_EQ(jubes_message_types().size(), jubes_message_type_names.size());
  EXPECT_EQ(test::jubes_catalog()->message_types("jubes-replies"),
            (std::vector<std::string>{"Bv03Bericht", "Fo03Bericht"}));
  EXPECT_EQ(test::jubes_catalog()->message_types("jubes-outbox"),
            (std::vector<std::string>{"ack", "forward", "outbox"}));
  EXPECT_TRUE(test::jubes_catalog()->message_types("no-such-set").empty());
}

TEST(catalog, missing_entry_point_is_named) {
  auto cat = schema_catalog::load({adhoc_schema_set({"/nonexistent/x.xsd"})});
  ASSERT_FALSE(cat);
  EXPECT_EQ(cat.error(), errc::schema_load_failed);
  const std::string& error = cat.error().detail;
  EXPECT_NE(error.find("/nonexistent/x.xsd"), std::string::npos) << error;
  EXPECT_NE(error.find("adhoc"), std::string::npos) << error;
}

TEST(catalog, broken_schema_is_refused_with_file_line_and_column) {
  const temp_dir dir("codecs");
  const auto xsd = write_file(dir.path(), "broken.xsd",
                              "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\">\n"
                              "  <xs:element name=\"a\" type=\"xs:nosuchtype\"/>\n</xs:schema>\n");
  auto cat = schema_catalog::load({adhoc_schema_set({xsd})});
  ASSERT_FALSE(cat);
  EXPECT_NE(cat.error().detail.find("broken.xsd:2:"), std::string::npos) << cat.error().detail;

  const auto bad_xml =
      write_file(dir.path(), "badxml.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<oops>");
  auto bad = schema_catalog::load({adhoc_schema_set({bad_xml})});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("badxml.xsd"), std::string::npos) << bad.error().detail;
}

TEST(catalog, schema_imports_from_the_network_are_refused) {
  const temp_dir dir("codecs");
  const auto xsd = write_file(dir.path(), "net.xsd",
                              "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\">\n"
                              "  <xs:import namespace=\"urn:other\" schemaLocation=\"http://127.0.0.1:9/other.xsd\"/>\n"
                              "  <xs:element name=\"a\" type=\"xs:string\"/>\n</xs:schema>\n");
  auto cat = schema_catalog::load({adhoc_schema_set({xsd})});
  ASSERT_FALSE(cat);
  EXPECT_NE(cat.error().detail.find("http://127.0.0.1:9/other.xsd"), std::string::npos) << cat.error().detail;
}

TEST(catalog, empty_or_rootless_configuration_is_refused) {
  EXPECT_FALSE(schema_catalog::load({}));
  schema_set_config c = jubes_schema_set(test::schema_dir());
  c.roots.clear();
  auto cat = schema_catalog::load({c});
  ASSERT_FALSE(cat);
  EXPECT_NE(cat.error().detail.find("root"), std::string::npos);
}

TEST(catalog, adhoc_set_validates_against_given_entry_points) {
  auto cat = schema_catalog::load({adhoc_schema_set({test::schema_dir() / "jubes0100.xsd"})});
  ASSERT_TRUE(cat) << cat.error().message();
  validator v(*cat);
  parsed out;
  fault err;
  ASSERT_TRUE(v.parse(test::read_file(test::examples_dir() / "melding18b.xml"), out, err)) << err.text;
  EXPECT_EQ(out.env.schema_set, "adhoc");
  EXPECT_EQ(out.env.message_type, "melding18b");
  EXPECT_FALSE(v.parse("<dti:Bv03Bericht xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"/>", out, err));
  EXPECT_EQ(err.code, errc::unknown_root);  // replies.xsd is not among the entry points
}

TEST(catalog, two_sets_may_define_the_same_namespace_differently) {
  const temp_dir dir("codecs");
  auto schema = [](const char* type) {
    return std::string(
               "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:same\" "
               "elementFormDefault=\"qualified\">\n<xs:element name=\"") +
           "a\" type=\"" + type + "\"/>\n<xs:element name=\"b\" type=\"" + type + "\"/>\n</xs:schema>\n";
  };
  schema_set_config one = adhoc_schema_set({write_file(dir.path(), "one.xsd", schema("xs:integer"))});
  one.name = "one";
  one.roots = {{"urn:same", "a"}};
  schema_set_config two = adhoc_schema_set({write_file(dir.path(), "two.xsd", schema("xs:boolean"))});
  two.name = "two";
  two.roots = {{"urn:same", "b"}};
  auto cat = schema_catalog::load({one, two});
  ASSERT_TRUE(cat) << cat.error().message();
  validator v(*cat);
  parsed out;
  fault err;
  EXPECT_TRUE(v.parse("<a xmlns=\"urn:same\">42</a>", out, err)) << err.text;
  EXPECT_EQ(out.env.schema_set, "one");
  EXPECT_FALSE(v.parse("<a xmlns=\"urn:same\">true</a>", out, err));
  EXPECT_EQ(err.code, errc::schema_invalid);
  EXPECT_TRUE(v.parse("<b xmlns=\"urn:same\">true</b>", out, err)) << err.text;
  EXPECT_EQ(out.env.schema_set, "two");
  EXPECT_FALSE(v.parse("<b xmlns=\"urn:same\">42</b>", out, err));
  EXPECT_EQ(err.code, errc::schema_invalid);
}

}  // namespace
}  // namespace jubes::codecs
