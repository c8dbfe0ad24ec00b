// SPDX-License-Identifier: EUPL-1.2
// Issue 12, invariant 1: "accepted => deliverable, byte-faithfully". Every variant of the valid examples that the
// validator accepts is embedded by the real encoder (encode_outbox_batch) into a batch that xerces reads as
// well-formed XML 1.0 in UTF-8, valid against outbox.xsd, whose entry carries the same infoset as the message's
// root element; every variant it refuses is refused with a cause. Plus the policy decisions, one test each.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <span>

#include "codecs/replies.hpp"
#include "codecs/validator.hpp"
#include "codecs/xml_text.hpp"
#include "delivery_oracle.hpp"
#include "support.hpp"

namespace jubes::codecs::test {
namespace {

constexpr std::string_view batch_header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

std::string batch_of(std::string_view body, std::string_view type) {
  const outbox_entry_view e{1, 7, type, "tulp-gw", 1'764'000'000'000, false, body};
  return encode_outbox_batch("gemeente:0363", 0, std::span(&e, 1));
}

// Empty if the batch around `body` is well-formed UTF-8 XML 1.0, valid, and carries the body's root element;
// otherwise what is wrong.
std::string delivery_problem(validator& v, std::string_view body, std::string_view type) {
  const std::string batch = batch_of(body, type);
  if (batch.substr(0, batch_header.size()) != batch_header) return "batch does not start with the 1.0 header";
  if (!is_xml10_utf8(batch)) return "batch is not UTF-8 of XML 1.0 characters";
  const infoset_result want = root_infoset(body);
  if (!want.ok) return "the oracle cannot read the accepted message: " + want.error;
  const infoset_result got = entry_infoset(batch, 0);
  if (!got.ok) return "batch not well-formed: " + got.error;
  if (got.dump != want.dump) return "infoset differs: " + first_difference(want.dump, got.dump);
  parsed p;
  fault f;
  if (!v.parse(batch, p, f)) return "batch invalid against outbox.xsd: " + f.text;
  return {};
}

TEST(delivery, every_accepted_variant_of_the_examples_is_delivered_with_the_same_infoset) {
  validator v(jubes_catalog(), {}, test_semantics());
  std::size_t accepted = 0, refused = 0;
  std::vector<std::string> failures;
  for (const auto& file : std::filesystem::directory_iterator(examples_dir())) {
    const std::string example = read_file(file.path());
    for (const variant& var : delivery_variants(example)) {
      parsed p;
      fault f;
      const std::string where = file.path().filename().string() + " " + var.name;
      if (!v.parse(var.bytes, p, f)) {
        ++refused;
        if (f.text.empty() || f.code == errc::internal)
          failures.push_back(where + ": refused without a cause (" + std::string(to_string(f.code)) + ")");
        continue;
      }
      ++accepted;
      if (std::string problem = delivery_problem(v, var.bytes, p.env.message_type); !problem.empty())
        failures.push_back(where + ": " + problem);
    }
  }
  // One line per kind of failure (content change / declaration / encoding: what went wrong), then examples.
  std::map<std::string, std::size_t> kinds;
  for (const std::string& f : failures) {
    const std::size_t sp = f.find(' '), colon = f.find(": ", sp), enc = f.rfind('/', colon);
    const std::size_t cut = f.find_first_of(":(", colon + 2);
    ++kinds[f.substr(sp + 1, enc - sp - 1) + ": " + f.substr(colon + 2, cut - colon - 2)];
  }
  for (const auto& [kind, n] : kinds) ADD_FAILURE() << n << " x " << kind;
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) ADD_FAILURE() << failures[i];
  EXPECT_EQ(failures.size(), 0u) << "of " << accepted << " accepted and " << refused << " refused variants";
  RecordProperty("accepted", static_cast<int>(accepted));
  RecordProperty("refused", static_cast<int>(refused));
  EXPECT_GT(accepted, 1000u);
  EXPECT_GT(refused, 100u);
}

// The policy, one decision per test (docs/api.md, "Delivery: what the batch carries").
class delivery_policy : public ::testing::Test {
 protected:
  validator v{jubes_catalog(), {}, test_semantics()};
  std::string example = read_file(examples_dir() / "piBeeindiging.xml");
  parsed p;
  fault f;
  std::string core() const { return example.substr(example.find("?>") + 2); }
};

TEST_F(delivery_policy, xml_1_1_is_refused_at_ingest_with_415_naming_the_version) {
  ASSERT_FALSE(v.parse("<?xml version=\"1.1\" encoding=\"UTF-8\"?>" + core(), p, f));
  EXPECT_EQ(f.code, errc::unsupported_encoding);
  EXPECT_NE(f.text.find("XML 1.1"), std::string::npos) << f.text;
}

TEST_F(delivery_policy, xsi_schema_location_hints_are_refused_at_ingest) {
  for (const char* attr : {"xsi:schemaLocation=\"http://www.justid.nl/jubes/detentie/0100 http://example.org/x.xsd\"",
                           "xsi:noNamespaceSchemaLocation=\"http://example.org/x.xsd\""}) {
    std::string body = example;
    body.insert(body.find('>', body.find("<dti:piBeeindiging")),
                std::string(" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ") + attr);
    ASSERT_FALSE(v.parse(body, p, f)) << attr;
    EXPECT_EQ(f.code, errc::schema_invalid);
    EXPECT_NE(f.text.find("chemaLocation is not accepted"), std::string::npos) << f.text;
  }
}

TEST_F(delivery_policy, comments_and_pis_around_the_root_are_not_delivered_those_inside_are) {
  std::string body = "<?xml version=\"1.0\"?><?xml-stylesheet type=\"text/xsl\" href=\"http://example.org/x.xsl\"?>" +
                     core() + "<!-- after --><?after x?>";
  body.insert(body.find("<dti:voornamen>") + 15, "<?inside y?><!-- inside -->");
  ASSERT_TRUE(v.parse(body, p, f)) << f.text;
  const std::string batch = batch_of(body, p.env.message_type);
  EXPECT_EQ(batch.find("xml-stylesheet"), std::string::npos);
  EXPECT_EQ(batch.find("<!-- after -->"), std::string::npos);
  EXPECT_EQ(batch.find("<?after x?>"), std::string::npos);
  EXPECT_NE(batch.find("<?inside y?><!-- inside -->"), std::string::npos);
  EXPECT_EQ(delivery_problem(v, body, p.env.message_type), "");
}

TEST_F(delivery_policy, a_declaration_longer_than_the_prescan_window_still_decides_the_encoding) {
  const std::string body = "<?xml version=\"1.0\"" + std::string(600, ' ') + "encoding=\"ISO-8859-1\"?>" + core();
  std::string latin1 = body;
  latin1.insert(latin1.find("<dti:voornamen>") + 15, "\xE9");  // é in ISO-8859-1
  ASSERT_TRUE(v.parse(latin1, p, f)) << f.text;
  EXPECT_EQ(delivery_problem(v, latin1, p.env.message_type), "");
  EXPECT_NE(batch_of(latin1, p.env.message_type).find("<dti:voornamen>\xC3\xA9"), std::string::npos);
}

TEST_F(delivery_policy, anything_after_the_root_but_whitespace_comments_and_pis_is_refused) {
  for (const std::string& tail : {std::string("garbage"), std::string("<x/>"), std::string(1, '\0'),
                                  std::string("\0<bogus>", 8), std::string("<!-- c -->\0", 11)}) {
    ASSERT_FALSE(v.parse(example + tail, p, f)) << tail;
    EXPECT_EQ(f.code, errc::not_well_formed) << tail;
    EXPECT_FALSE(f.text.empty());
  }
  EXPECT_TRUE(v.parse(example + " \n<!-- c --><?p x?>\r\n", p, f)) << f.text;
}

TEST(delivery_embedding, a_root_without_a_default_namespace_does_not_inherit_the_batch_one) {
  // Unprefixed elements in no namespace stay in no namespace inside <outbox xmlns="...outbox...">.
  auto r = embeddable_body("<?xml version=\"1.0\"?><p:a xmlns:p=\"urn:p\"><b/></p:a>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<p:a xmlns=\"\" xmlns:p=\"urn:p\"><b/></p:a>");
  r = embeddable_body("<a\n>x</a>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"\"\n>x</a>");
  r = embeddable_body("<a xmlns='urn:a' b='>'/>");  // has its own default namespace: unchanged
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns='urn:a' b='>'/>");
}

TEST(delivery_embedding, only_the_root_element_is_embedded) {
  auto r = embeddable_body(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><?pi x?>\n<a xmlns=\"u\"><![CDATA[</a>]]>"
      "<!-- </a> --><?p </a>?><b c=\"/>\"/></a>\n<!-- d -->\n<?e?> \n");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"u\"><![CDATA[</a>]]><!-- </a> --><?p </a>?><b c=\"/>\"/></a>");
}

}  // namespace
}  // namespace jubes::codecs::test
