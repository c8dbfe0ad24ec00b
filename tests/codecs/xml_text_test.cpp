// SPDX-License-Identifier: EUPL-1.2
#include "codecs/xml_text.hpp"

#include <gtest/gtest.h>

#include "codecs/errc.hpp"

namespace jubes::codecs {
namespace {

TEST(xml_text, escapes_markup_and_replaces_what_xml_cannot_carry) {
  EXPECT_EQ(escaped("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(escaped("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(escaped(std::string("x\x01y\x00z", 5)), "x?y?z");
  EXPECT_EQ(escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(escaped("bad \xFF \xC3 \xED\xA0\x80"), "bad ? ? ???");  // invalid byte, truncated, surrogate
  std::string out = "<a>";
  append_escaped(out, "1 < 2");
  EXPECT_EQ(out, "<a>1 &lt; 2");
}

TEST(xml_text, strip_prolog) {
  EXPECT_EQ(strip_prolog_utf8("<?xml version=\"1.0\"?>\n<a/>"), "\n<a/>");
  EXPECT_EQ(strip_prolog_utf8("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>"), "<a/>");
  EXPECT_EQ(strip_prolog_utf8("<a/>"), "<a/>");
  EXPECT_EQ(strip_prolog_utf8("<?xml-stylesheet href=\"x\"?><a/>"), "<?xml-stylesheet href=\"x\"?><a/>");
}

TEST(xml_text, embeddable_body_transcodes_to_utf8_without_prolog) {
  auto r = embeddable_body("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xC3\xA9</a>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"\">\xC3\xA9</a>");

  r = embeddable_body("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"\">\xC3\xA9</a>");

  const std::string ascii = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>";
  std::string le = "\xFF\xFE", be = "\xFE\xFF";
  for (const char c : ascii) {
    le += c;
    le += '\0';
    be += '\0';
    be += c;
  }
  le += "\xE9";
  le += '\0';
  be += '\0';
  be += "\xE9";
  for (const char c : std::string("</a>")) {
    le += c;
    le += '\0';
    be += '\0';
    be += c;
  }
  r = embeddable_body(le);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"\">\xC3\xA9</a>");
  r = embeddable_body(be);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<a xmlns=\"\">\xC3\xA9</a>");

  EXPECT_EQ(embeddable_body("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>").error(),
            make_error_code(errc::unsupported_encoding));
  EXPECT_EQ(embeddable_body("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><a>\xE9</a>").error(),
            make_error_code(errc::not_well_formed));
}

TEST(errc, category_names_and_messages) {
  const boost::system::error_code ec = errc::schema_invalid;
  EXPECT_STREQ(ec.category().name(), "jubes.codecs");
  EXPECT_EQ(ec.message(), "XML is not valid against its schema");
  EXPECT_STREQ(to_string(errc::unknown_root), "unknown_root");
}

}  // namespace
}  // namespace jubes::codecs
