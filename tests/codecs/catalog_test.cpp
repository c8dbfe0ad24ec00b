#include "codecs/catalog.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "codecs/validator.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

class temp_dir {
 public:
  temp_dir()
      : path_(std::filesystem::temp_directory_path() /
              ("jubes-codecs-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

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
  EXPECT_EQ(cat->set_names(), (std::vector<std::string>{"jubes", "jubes-replies"}));
}

TEST(catalog, missing_entry_point_is_named) {
  std::string error;
  auto cat = schema_catalog::load({adhoc_schema_set({"/nonexistent/x.xsd"})}, error);
  ASSERT_FALSE(cat);
  EXPECT_EQ(cat.error(), make_error_code(errc::schema_load_failed));
  EXPECT_NE(error.find("/nonexistent/x.xsd"), std::string::npos) << error;
  EXPECT_NE(error.find("adhoc"), std::string::npos) << error;
}

TEST(catalog, broken_schema_is_refused_with_file_line_and_column) {
  temp_dir dir;
  const auto xsd = dir.write("broken.xsd",
                             "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\">\n"
                             "  <xs:element name=\"a\" type=\"xs:nosuchtype\"/>\n</xs:schema>\n");
  std::string error;
  auto cat = schema_catalog::load({adhoc_schema_set({xsd})}, error);
  ASSERT_FALSE(cat);
  EXPECT_NE(error.find("broken.xsd:2:"), std::string::npos) << error;

  const auto bad_xml = dir.write("badxml.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<oops>");
  ASSERT_FALSE(schema_catalog::load({adhoc_schema_set({bad_xml})}, error));
  EXPECT_NE(error.find("badxml.xsd"), std::string::npos) << error;
}

TEST(catalog, schema_imports_from_the_network_are_refused) {
  temp_dir dir;
  const auto xsd = dir.write("net.xsd",
                             "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\">\n"
                             "  <xs:import namespace=\"urn:other\" schemaLocation=\"http://127.0.0.1:9/other.xsd\"/>\n"
                             "  <xs:element name=\"a\" type=\"xs:string\"/>\n</xs:schema>\n");
  std::string error;
  ASSERT_FALSE(schema_catalog::load({adhoc_schema_set({xsd})}, error));
  EXPECT_NE(error.find("http://127.0.0.1:9/other.xsd"), std::string::npos) << error;
}

TEST(catalog, empty_or_rootless_configuration_is_refused) {
  std::string error;
  EXPECT_FALSE(schema_catalog::load({}, error));
  schema_set_config c = jubes_schema_set(test::schema_dir());
  c.roots.clear();
  EXPECT_FALSE(schema_catalog::load({c}, error));
  EXPECT_NE(error.find("root"), std::string::npos);
}

TEST(catalog, adhoc_set_validates_against_given_entry_points) {
  std::string error;
  auto cat = schema_catalog::load({adhoc_schema_set({test::schema_dir() / "jubes0100.xsd"})}, error);
  ASSERT_TRUE(cat) << error;
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
  temp_dir dir;
  auto schema = [](const char* type) {
    return std::string(
               "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:same\" "
               "elementFormDefault=\"qualified\">\n<xs:element name=\"") +
           "a\" type=\"" + type + "\"/>\n<xs:element name=\"b\" type=\"" + type + "\"/>\n</xs:schema>\n";
  };
  schema_set_config one = adhoc_schema_set({dir.write("one.xsd", schema("xs:integer"))});
  one.name = "one";
  one.roots = {{"urn:same", "a"}};
  schema_set_config two = adhoc_schema_set({dir.write("two.xsd", schema("xs:boolean"))});
  two.name = "two";
  two.roots = {{"urn:same", "b"}};
  std::string error;
  auto cat = schema_catalog::load({one, two}, error);
  ASSERT_TRUE(cat) << error;
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
