// SPDX-License-Identifier: EUPL-1.2
// Hostile input: every class is refused with its own clear error, nothing is fetched, the process survives and
// the validator stays usable.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "codecs/validator.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

using test::examples_dir;
using test::jubes_catalog;
using test::read_file;

class hostile_test : public ::testing::Test {
 protected:
  bool parse(const std::string& body) { return v_.parse(body, out_, err_); }
  void expect_fault(const std::string& body, errc code) {
    EXPECT_FALSE(parse(body));
    EXPECT_EQ(err_.code, code) << to_string(err_.code) << ": " << err_.text;
    EXPECT_FALSE(err_.text.empty());
    // Still usable.
    EXPECT_TRUE(v_.parse(example_, out_, err_)) << err_.text;
  }
  validator v_{jubes_catalog(), limits{}, test::test_semantics()};
  parsed out_;
  fault err_;
  std::string example_ = read_file(examples_dir() / "piBeeindiging.xml");
};

TEST_F(hostile_test, doctype_is_refused) {
  expect_fault("<?xml version=\"1.0\"?>\n<!DOCTYPE a>\n<a/>", errc::dtd_forbidden);
  ASSERT_FALSE(parse("<?xml version=\"1.0\"?>\n<!-- c -->\n  <!DOCTYPE a [ <!ELEMENT a ANY> ]>\n<a/>"));
  EXPECT_EQ(err_.code, errc::dtd_forbidden);
  EXPECT_EQ(err_.line, 3u);
  EXPECT_EQ(err_.column, 3u);
}

TEST_F(hostile_test, external_entity_is_refused_and_not_read) {
  expect_fault(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
      "<dti:piBeeindiging xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\">&x;</dti:piBeeindiging>",
      errc::dtd_forbidden);
}

TEST_F(hostile_test, billion_laughs_is_refused) {
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
  doc += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    doc += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) doc += "&lol" + std::to_string(i - 1) + ";";
    doc += "\">\n";
  }
  doc += "]>\n<lolz>&lol9;</lolz>";
  expect_fault(doc, errc::dtd_forbidden);
}

TEST_F(hostile_test, doctype_in_utf16_is_refused) {
  const std::string ascii = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE a><a/>";
  std::string doc = "\xFF\xFE";
  for (const char c : ascii) {
    doc.push_back(c);
    doc.push_back('\0');
  }
  expect_fault(doc, errc::dtd_forbidden);
}

// A listening socket on 127.0.0.1 (port 0) that must never see a connection.
class listener {
 public:
  listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~listener() { ::close(fd_); }
  int port() const { return port_; }
  bool was_contacted() const {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c >= 0) ::close(c);
    return c >= 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(hostile_test, schema_location_hints_are_not_followed) {
  listener l;
  const std::string url = "http://127.0.0.1:" + std::to_string(l.port()) + "/evil.xsd";
  std::string doc = example_;
  const std::string root = "<dti:piBeeindiging xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"";
  doc.replace(doc.find(root), root.size(),
              root + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"" +
                  std::string(jubes_namespace) + " " + url + "\" xsi:noNamespaceSchemaLocation=\"" + url + "\"");
  // Refused (a recipient's parser could follow it; docs/api.md), and never fetched on the way.
  EXPECT_FALSE(parse(doc));
  EXPECT_EQ(err_.code, errc::schema_invalid) << err_.text;
  EXPECT_NE(err_.text.find("xsi:schemaLocation is not accepted"), std::string::npos) << err_.text;
  EXPECT_FALSE(l.was_contacted());

  // A hint to a local schema that would declare the root: still an unknown root (the file is not read).
  const jubes::testing::temp_dir dir("codecs-hint");
  const auto evil_xsd = jubes::testing::write_file(
      dir.path(), "evil.xsd",
      "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:evil\">"
      "<xs:element name=\"evil\" type=\"xs:string\"/></xs:schema>");
  auto adhoc = schema_catalog::load({adhoc_schema_set({test::schema_dir() / "jubes0100.xsd"})});
  ASSERT_TRUE(adhoc) << adhoc.error().message();
  validator v(*adhoc);
  const std::string evil =
      "<e:evil xmlns:e=\"urn:evil\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"urn:evil file://" +
      evil_xsd.string() + " urn:evil " + url + "\">x</e:evil>";
  EXPECT_FALSE(v.parse(evil, out_, err_));
  EXPECT_EQ(err_.code, errc::unknown_root) << err_.text;
  EXPECT_FALSE(l.was_contacted());
}

TEST_F(hostile_test, oversize_document_is_refused_before_parsing) {
  validator small(jubes_catalog(), limits{.max_bytes = 1000});
  EXPECT_FALSE(small.parse(example_, out_, err_));
  EXPECT_EQ(err_.code, errc::too_large);
  EXPECT_NE(err_.text.find("1000"), std::string::npos);
}

// Limits are checked as elements arrive; xerces validates a start tag before it reports it, so these tests use a
// schema whose content is xs:any (processContents="skip") and anyAttribute, where only the limits can object.
class permissive_test : public hostile_test {
 protected:
  void SetUp() override {
    const auto xsd = jubes::testing::write_file(
        dir_.path(), "any.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:any\">"
        "<xs:element name=\"any\"><xs:complexType><xs:sequence>"
        "<xs:any processContents=\"skip\" namespace=\"##any\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>"
        "</xs:sequence><xs:anyAttribute processContents=\"skip\"/></xs:complexType></xs:element></xs:schema>");
    auto cat = schema_catalog::load({adhoc_schema_set({xsd})});
    ASSERT_TRUE(cat) << cat.error().message();
    any_ = std::make_unique<validator>(*cat);
  }
  void TearDown() override { any_.reset(); }
  jubes::testing::temp_dir dir_{"codecs-any"};
  std::unique_ptr<validator> any_;
};

TEST_F(permissive_test, deep_nesting_is_refused_with_its_path) {
  std::string doc = "<any xmlns=\"urn:any\">";
  for (int i = 0; i < 100000; ++i) doc += "<d>";
  ASSERT_TRUE(any_->parse("<any xmlns=\"urn:any\"><d><d/></d></any>", out_, err_)) << err_.text;
  ASSERT_FALSE(any_->parse(doc, out_, err_));
  EXPECT_EQ(err_.code, errc::too_deep) << err_.text;
  EXPECT_EQ(err_.element_path.rfind("/any/d/d/", 0), 0u);
  EXPECT_EQ(std::count(err_.element_path.begin(), err_.element_path.end(), '/'), 65);
  // Also when no schema set accepts the root (the syntax check runs with the same limits).
  expect_fault("<a>" + doc, errc::too_deep);
}

TEST_F(permissive_test, too_many_attributes_are_refused) {
  std::string doc = "<any xmlns=\"urn:any\"><e";
  for (int i = 0; i < 1000; ++i) doc += " a" + std::to_string(i) + "=\"v\"";
  doc += "/></any>";
  ASSERT_FALSE(any_->parse(doc, out_, err_));
  EXPECT_EQ(err_.code, errc::too_many_attributes) << err_.text;
  EXPECT_EQ(err_.element_path, "/any/e");
  ASSERT_TRUE(any_->parse("<any xmlns=\"urn:any\"><e a=\"1\" b=\"2\"/></any>", out_, err_)) << err_.text;
  // Undeclared attributes on a jubes element are a schema error first.
  std::string jubes = example_;
  jubes.replace(jubes.find("<dti:persoon>"), 13, "<dti:persoon a=\"1\">");
  expect_fault(jubes, errc::schema_invalid);
}

TEST_F(hostile_test, huge_text_node_is_refused) {
  validator v(jubes_catalog(), limits{.max_text_bytes = 4096});
  std::string doc = example_;
  const std::string name = "<dti:voornamen>Johannes Petrus</dti:voornamen>";
  doc.replace(doc.find(name), name.size(), "<dti:voornamen>" + std::string(100000, 'x') + "</dti:voornamen>");
  EXPECT_FALSE(v.parse(doc, out_, err_));
  EXPECT_EQ(err_.code, errc::text_too_large) << err_.text;
  EXPECT_EQ(err_.element_path, "/piBeeindiging/persoon/voornamen");
}

TEST_F(hostile_test, not_xml_at_all) {
  expect_fault("", errc::not_well_formed);
  expect_fault("hello", errc::not_well_formed);
  expect_fault(std::string("\x00\x01\x02\xff\xfe\x03", 6), errc::not_well_formed);
  expect_fault("{\"json\": true}", errc::not_well_formed);
  expect_fault(example_.substr(0, example_.size() / 2), errc::not_well_formed);
  expect_fault(example_ + "<trailing/>", errc::not_well_formed);
  expect_fault("<dti:x xmlns:y=\"urn:y\"/>", errc::not_well_formed);  // unbound prefix
  expect_fault("<?xml version=\"1.0\"?>\n\n<a>\xff\xfe</a>", errc::not_well_formed);
  expect_fault("\n<?xml version=\"1.0\"?><a/>", errc::not_well_formed);  // declaration not at the start
}

TEST_F(hostile_test, unknown_roots) {
  expect_fault("<a/>", errc::unknown_root);
  expect_fault("<x:a xmlns:x=\"urn:x\"/>", errc::unknown_root);
  expect_fault("<dti:onbekend xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"/>", errc::unknown_root);
}

TEST_F(hostile_test, encodings_we_do_not_accept) {
  expect_fault(std::string("\x00\x00\x00<\x00\x00\x00"
                           "a",
                           8),
               errc::unsupported_encoding);
  expect_fault("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>", errc::unsupported_encoding);
  expect_fault("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", errc::not_well_formed);
}

}  // namespace
}  // namespace jubes::codecs
