// SPDX-License-Identifier: EUPL-1.2
// xerces is the oracle: every document goes through a validator with the compiled engine and one forced onto
// xerces; the verdicts, fault codes and positions, and (when valid) the extracted envelope and fields must be the
// same. Seeds: conf/examples, tests/codecs/invalid, and mutations of the examples (drop/duplicate/swap a line,
// odd values, references, CDATA, comments, PIs, other prefixes, the default namespace, xsi attributes, prologs).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "codecs/replies.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

using test::examples_dir;
using test::jubes_catalog;
using test::read_file;

const field_set& fields() {
  static const field_set f{{"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode", "persoon/geboortedatum",
                            "detentie/delicten/delictcategorie", "detentie/strafduurDagen", "detentie/onherroepelijk",
                            "verlof/adres/gemeentecode", "plan/inhoud", "persoon", "detentie/instelling/naam",
                            "persoon/brpAdressen/adres/huisnummer"}};
  return f;
}

struct oracle {
  explicit oracle(const std::shared_ptr<const schema_catalog>& cat = jubes_catalog())
      : fast{cat, limits{}, test::test_semantics()}, slow{cat, limits{.compiled = false}, test::test_semantics()} {}
  validator fast;
  validator slow;
  std::size_t docs = 0, valid = 0, by_compiled = 0;

  // @return the engine that accepted (or xerces when refused)
  engine check(const std::string& body, const std::string& what) {
    parsed a, b;
    fault fa, fb;
    const bool ok_fast = fast.parse(body, fields(), a, fa);
    const bool ok_slow = slow.parse(body, fields(), b, fb);
    ++docs;
    EXPECT_EQ(ok_fast, ok_slow) << what << "\n" << (ok_fast ? fb.text : fa.text) << "\n" << body;
    if (ok_fast && ok_slow) {
      ++valid;
      if (fast.last_engine() == engine::compiled) ++by_compiled;
      const envelope &x = a.env, &y = b.env;
      EXPECT_EQ(x.message_type, y.message_type) << what;
      EXPECT_EQ(x.ns, y.ns) << what;
      EXPECT_EQ(x.schema_set, y.schema_set) << what;
      for (auto m :
           {&envelope::berichtcode, &envelope::zender_organisatie, &envelope::zender_applicatie,
            &envelope::zender_administratie, &envelope::zender_gebruiker, &envelope::ontvanger_organisatie,
            &envelope::ontvanger_applicatie, &envelope::ontvanger_administratie, &envelope::ontvanger_gebruiker,
            &envelope::referentienummer, &envelope::tijdstip_bericht, &envelope::cross_refnummer}) {
        EXPECT_EQ(x.*m, y.*m) << what;
      }
      EXPECT_EQ(a.fields, b.fields) << what << "\n" << body;
    } else if (!ok_fast && !ok_slow) {
      EXPECT_EQ(fa.code, fb.code) << what;
      EXPECT_EQ(fa.line, fb.line) << what;
      EXPECT_EQ(fa.column, fb.column) << what;
      EXPECT_EQ(fa.element_path, fb.element_path) << what;
    }
    return ok_fast ? fast.last_engine() : engine::xerces;
  }
};

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t b = 0;
  while (b < s.size()) {
    auto e = s.find('\n', b);
    if (e == std::string::npos) e = s.size() - 1;
    out.push_back(s.substr(b, e + 1 - b));
    b = e + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l;
  return s;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::vector<std::filesystem::path> examples() {
  std::vector<std::filesystem::path> v;
  for (const auto& e : std::filesystem::directory_iterator(examples_dir())) v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

TEST(differential, the_jubes_set_compiles) {
  EXPECT_EQ(jubes_catalog()->compiled_status("jubes"), "compiled");
  for (const auto& name : jubes_catalog()->set_names()) {
    const std::string status = jubes_catalog()->compiled_status(name);
    EXPECT_FALSE(status.empty()) << name;
    std::printf("schema set %s: %s\n", name.c_str(), status.c_str());
  }
}

TEST(differential, examples_and_invalid_documents) {
  oracle o;
  for (const auto& p : examples()) {
    EXPECT_EQ(o.check(read_file(p), p.filename().string()), engine::compiled) << p;
  }
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() / "tests/codecs/invalid")) {
    if (e.path().extension() == ".xml") o.check(read_file(e.path()), e.path().filename().string());
  }
}

TEST(differential, line_mutations) {
  oracle o;
  for (const auto& p : examples()) {
    const auto lines = lines_of(read_file(p));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto drop = lines;
      drop.erase(drop.begin() + static_cast<std::ptrdiff_t>(i));
      o.check(join(drop), p.filename().string() + " drop line " + std::to_string(i + 1));
      auto dup = lines;
      dup.insert(dup.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
      o.check(join(dup), p.filename().string() + " duplicate line " + std::to_string(i + 1));
      if (i + 1 < lines.size()) {
        auto swap = lines;
        std::swap(swap[i], swap[i + 1]);
        o.check(join(swap), p.filename().string() + " swap line " + std::to_string(i + 1));
      }
    }
  }
  std::printf("line mutations: %zu documents, %zu valid, %zu of them accepted by the compiled engine\n", o.docs,
              o.valid, o.by_compiled);
}

TEST(differential, value_mutations) {
  static const std::vector<std::string> values = {"",
                                                  " ",
                                                  "  x  ",
                                                  "0",
                                                  "00",
                                                  "-1",
                                                  "+5",
                                                  "-0",
                                                  "007",
                                                  "99999",
                                                  "100000",
                                                  "1e3",
                                                  "2026-02-29",
                                                  "2024-02-29",
                                                  "1900-02-29",
                                                  "2000-02-29",
                                                  "2026-13-01",
                                                  "2026-04-31",
                                                  "0000-01-01",
                                                  "10000-01-01",
                                                  "-2020-01-01",
                                                  "2020-01-01Z",
                                                  "2020-01-01+14:00",
                                                  "2020-01-01+13:59",
                                                  "2020-01-01-05:00",
                                                  "2020-01-01+15:00",
                                                  " 2020-01-01 ",
                                                  "2020-1-01",
                                                  "true",
                                                  "false",
                                                  "1",
                                                  "TRUE",
                                                  " true ",
                                                  "abc",
                                                  "a  b",
                                                  "a\tb",
                                                  "a\nb",
                                                  "a\r\nb",
                                                  "&amp;",
                                                  "&lt;x",
                                                  "&#65;",
                                                  "&#x41;",
                                                  "&#9;x",
                                                  "&#0;",
                                                  "&#xD800;",
                                                  "&bogus;",
                                                  "&",
                                                  "<![CDATA[PI]]>",
                                                  "<!--c-->PI",
                                                  "PI<!--c-->",
                                                  "<?pi x?>PI",
                                                  "]]>",
                                                  "a]]b",
                                                  "\xC3\xBC",
                                                  "\xC3",
                                                  "\xED\xA0\x80",
                                                  "\xEF\xBF\xBF",
                                                  "\xF0\x9F\x98\x80",
                                                  "\x01",
                                                  "PI",
                                                  "JJI",
                                                  "TBS",
                                                  "zeden",
                                                  "Lk01",
                                                  "Bv03",
                                                  "123456782",
                                                  "111222333",
                                                  "12345678",
                                                  "1234567890",
                                                  "0518",
                                                  "9999",
                                                  "051",
                                                  "1234AB",
                                                  "0234AB",
                                                  "1234ab",
                                                  "AAAA",
                                                  "AAA=",
                                                  "AA==",
                                                  "AB==",
                                                  "A===",
                                                  "AAAA AAAA",
                                                  "AAAA\nAAAA",
                                                  "AAAA\n",
                                                  "\nAAAA\n",
                                                  "AA==\n",
                                                  "AA= =",
                                                  "AA=\n=",
                                                  "A\nA\nA\nA",
                                                  "AAA=A",
                                                  "  AAAA  ",
                                                  "AAAA\r\nAAAA",
                                                  "AAAA\tAAAA",
                                                  "AAAA&#10;AAAA",
                                                  "text/plain",
                                                  "Text/plain",
                                                  "a/b",
                                                  std::string(201, 'x'),
                                                  std::string(41, 'r'),
                                                  "20261129",
                                                  "2026112",
                                                  "202611291115000001",
                                                  "ab",
                                                  "abc"};
  oracle o;
  for (const char* name : {"piVerlof.xml", "reintegratieplan.xml", "overplaatsing.xml", "pijBeeindiging.xml"}) {
    const std::string doc = read_file(examples_dir() / name);
    for (std::size_t p = doc.find('>'); p != std::string::npos; p = doc.find('>', p + 1)) {
      const auto e = doc.find('<', p);
      if (e == std::string::npos || e == p + 1 || doc[p + 1] == '\n' || doc[p - 1] == '?') continue;
      for (const auto& v : values) {
        std::string m = doc;
        m.replace(p + 1, e - p - 1, v);
        o.check(m, std::string(name) + " value at " + std::to_string(p) + " = " + v);
      }
    }
  }
  std::printf("value mutations: %zu documents, %zu valid, %zu of them accepted by the compiled engine\n", o.docs,
              o.valid, o.by_compiled);
}

// The replies set compiles too: our own Bv03/Fo03 (with odd strings) get the same verdict from both engines.
TEST(differential, replies) {
  oracle o;
  receipt_info r{"01JDX5M0000000000000000001",
                 "20261129103015123",
                 {"JUSTID", "JUBES", "", ""},
                 {"DJI", "TULP-GW", "", ""},
                 "TULP-2026-0000184213"};
  EXPECT_EQ(o.check(encode_bv03(r), "bv03"), engine::compiled);
  for (const std::string& text : std::vector<std::string>{"plain", "<&>\"' escaped", "tab\tand\nnewline", "caf\xC3\xA9",
                                                          "\x01"
                                                          "control",
                                                          std::string(300, 'x')}) {
    fault_reply_info f;
    f.code = "StUF055";
    f.omschrijving = text;
    f.details = text;
    f.line = 3;
    f.column = 7;
    f.element_path = "/a/b";
    f.zender = {"JUSTID", "JUBES", "", ""};
    f.tijdstip_bericht = "20261129103015123";
    o.check(encode_fo03(f), "fo03 " + text);
  }
  EXPECT_EQ(o.valid, o.docs);
}

// A catalog of one test-only schema (tests/codecs/schemas) whose root is {ns}root; null (and a failure) unless it
// loads and compiles.
std::shared_ptr<const schema_catalog> test_set(const std::string& file, const std::string& ns) {
  auto cat = schema_catalog::load(
      {schema_set_config{"test", {test::source_dir() / "tests/codecs/schemas" / file}, true, {{ns, "root"}}}});
  if (!cat) {
    ADD_FAILURE() << cat.error().message();
    return nullptr;
  }
  EXPECT_EQ((*cat)->compiled_status("test"), "compiled");
  return *cat;
}

// Choice particles (none in the jubes schemas): every child sequence of up to four elements over the schema's
// names, valid values, against a test schema with a repeated choice and an optional choice.
TEST(differential, choice_particles) {
  const std::string ns = "urn:jubes:test:choice";
  const auto cat = test_set("choice.xsd", ns);
  ASSERT_TRUE(cat);
  oracle o(cat);
  const std::vector<std::pair<std::string, std::string>> kids = {
      {"x", "s"}, {"a", "7"}, {"b", "true"}, {"e", "2020-01-01"}, {"c", "c"}, {"d", "<t:x>1</t:x><t:x>2</t:x>"}};
  std::vector<std::size_t> pick;
  for (std::size_t n = 0; n <= 4; ++n) {
    pick.assign(n, 0);
    for (;;) {
      std::string doc = "<t:root xmlns:t=\"" + ns + "\">";
      for (const std::size_t k : pick)
        doc += "<t:" + kids[k].first + ">" + kids[k].second + "</t:" + kids[k].first + ">";
      doc += "</t:root>";
      o.check(doc, doc);
      std::size_t i = 0;
      while (i < n && ++pick[i] == kids.size()) pick[i++] = 0;
      if (i == n) break;
    }
  }
  std::printf("choice: %zu documents, %zu valid, %zu of them accepted by the compiled engine\n", o.docs, o.valid,
              o.by_compiled);
  EXPECT_GT(o.valid, 10U);
  EXPECT_EQ(o.by_compiled, o.valid);
}

// Built-in types the jubes schemas do not use (token with length and enumeration, dateTime, decimal): odd values in
// every position of a test-only schema.
TEST(differential, other_builtin_types) {
  const std::string ns = "urn:jubes:test:types";
  const auto cat = test_set("types.xsd", ns);
  ASSERT_TRUE(cat);
  oracle o(cat);
  const std::vector<std::string> good = {"ab", "a b", "2020-01-01T10:00:00", "1.5"};
  const std::vector<std::string> values = {"",
                                           " ",
                                           "a",
                                           "a  b",
                                           " a b ",
                                           "a\tb",
                                           "a\nb",
                                           "abcde",
                                           "abcdef",
                                           "a b c",
                                           "c",
                                           " c ",
                                           "C",
                                           "a&#32;b",
                                           "2020-01-01T10:00:00",
                                           "2020-01-01T10:00:00Z",
                                           "2020-01-01T10:00:00.123",
                                           "2020-01-01T10:00:00.",
                                           "2020-01-01T24:00:00",
                                           "2020-01-01T23:59:60",
                                           "2020-01-01T10:00",
                                           "2020-01-01 10:00:00",
                                           "2020-02-30T10:00:00",
                                           "2020-01-01T10:00:00+14:00",
                                           "2020-01-01T10:00:00-05:00",
                                           "2020-01-01T10:00:00+5:00",
                                           "0",
                                           "-0",
                                           "+1.50",
                                           "1.",
                                           ".5",
                                           "1e2",
                                           "1.2.3",
                                           "-",
                                           "12345678901234567890.123456789",
                                           " 7 ",
                                           "1,5"};
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (const auto& v : values) {
      auto vals = good;
      vals[pos] = v;
      const std::string doc = "<root xmlns=\"" + ns + "\"><t>" + vals[0] + "</t><k>" + vals[1] + "</k><dt>" + vals[2] +
                              "</dt><dec>" + vals[3] + "</dec></root>";
      o.check(doc, doc);
    }
  }
  std::printf("other types: %zu documents, %zu valid, %zu of them accepted by the compiled engine\n", o.docs, o.valid,
              o.by_compiled);
  EXPECT_GT(o.by_compiled, 20U);
}

// The plan's document wrapped at 76 characters, as mail and most encoders do: the compiled path must take it.
TEST(differential, wrapped_base64_plan) {
  oracle o;
  std::string doc = read_file(examples_dir() / "reintegratieplan.xml");
  const auto b = doc.find("<dti:inhoud>") + 12;
  const auto e = doc.find("</dti:inhoud>");
  std::string content;
  for (std::size_t i = 0; i < 76 * 200; ++i) {
    content.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7919) % 64]);
    if (i % 76 == 75) content.push_back('\n');
  }
  doc.replace(b, e - b, "\n" + content + "AAAA\n");
  EXPECT_EQ(o.check(doc, "wrapped plan"), engine::compiled);
}

TEST(differential, markup_variants) {
  oracle o;
  const std::string doc = read_file(examples_dir() / "piVerlof.xml");
  const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  const std::string ns = "xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"";
  const std::string uri = "http://www.justid.nl/jubes/detentie/0100";
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"prefix x", replace_all(replace_all(doc, "dti:", "x:"), "xmlns:dti=", "xmlns:x=")},
      {"default namespace", replace_all(replace_all(doc, "dti:", ""), "xmlns:dti=", "xmlns=")},
      {"prefix rebound inside", replace_all(doc, "<dti:persoon>", "<dti:persoon xmlns:dti=\"" + uri + "\">")},
      {"prefix bound elsewhere", replace_all(doc, "<dti:persoon>", "<dti:persoon xmlns:dti=\"urn:other\">")},
      {"second prefix", replace_all(doc, "<dti:persoon>", "<q:persoon xmlns:q=\"" + uri + "\">")},
      {"second prefix closed", replace_all(replace_all(doc, "<dti:persoon>", "<q:persoon xmlns:q=\"" + uri + "\">"),
                                           "</dti:persoon>", "</q:persoon>")},
      {"xsi declared", replace_all(doc, ns, ns + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"")},
      {"xsi:schemaLocation",
       replace_all(
           doc, ns,
           ns + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"" + uri + " x.xsd\"")},
      {"other attribute", replace_all(doc, "<dti:persoon>", "<dti:persoon id=\"1\">")},
      {"duplicate xmlns", replace_all(doc, ns, ns + " " + ns)},
      {"single quotes", replace_all(doc, "\"http://www.justid.nl/jubes/detentie/0100\"", "'" + uri + "'")},
      {"spaces in tags", replace_all(replace_all(doc, "</dti:bsn>", "</dti:bsn  >"), ns, " " + ns + "  ")},
      {"decl lower-case encoding", replace_all(doc, "encoding=\"UTF-8\"", "encoding=\"utf-8\"")},
      {"decl latin1", replace_all(doc, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"")},
      {"decl standalone", replace_all(doc, "encoding=\"UTF-8\"", "encoding=\"UTF-8\" standalone=\"yes\"")},
      {"decl version 1.1", replace_all(doc, "version=\"1.0\"", "version=\"1.1\"")},
      {"no decl", replace_all(doc, decl, "")},
      {"BOM", "\xEF\xBB\xBF" + doc},
      {"CRLF", replace_all(doc, "\n", "\r\n")},
      {"tabs", replace_all(doc, "  ", "\t")},
      {"comment after root", doc + "<!-- end -->\n"},
      {"PI after root", doc + "<?done yes?>"},
      {"PI xml-stylesheet", replace_all(doc, decl, decl + "<?xml-stylesheet href=\"a\"?>")},
      {"trailing text", doc + "x"},
      {"second root", doc + "<dti:piVerlof/>"},
      {"comment with --", replace_all(doc, "<!--", "<!-- -- ")},
      {"empty element", replace_all(doc, "<dti:voorvoegsel>", "<dti:voorvoegsel/>")},
      {"empty voorvoegsel", replace_all(doc, "<dti:geslachtsnaam>", "<dti:voorvoegsel/><dti:geslachtsnaam>")},
      {"empty brpAdressen", replace_all(doc, "<dti:brpAdressen>", "<dti:brpAdressen/><dti:x>")},
      {"mismatched end", replace_all(doc, "</dti:bsn>", "</dti:bsm>")},
      {"end with other prefix", replace_all(doc, "</dti:bsn>", "</x:bsn>")},
      {"comment in element content", replace_all(doc, "<dti:bsn>", "<!-- c --><?p?>\n<dti:bsn>")},
      {"text in element content", replace_all(doc, "<dti:bsn>", "x<dti:bsn>")},
      {"ref in element content", replace_all(doc, "<dti:bsn>", "&#32;<dti:bsn>")},
      {"CDATA in element content", replace_all(doc, "<dti:bsn>", "<![CDATA[ ]]><dti:bsn>")},
      {"DOCTYPE", replace_all(doc, decl, decl + "<!DOCTYPE x>")},
      {"no root end", doc.substr(0, doc.rfind("</dti:piVerlof>"))},
      {"truncated", doc.substr(0, doc.size() / 2)},
  };
  for (const auto& [what, body] : variants) o.check(body, what);
  // The variants that are plainly valid must take the fast path.
  for (const char* what :
       {"prefix x", "default namespace", "prefix rebound inside", "second prefix closed", "xsi declared",
        "single quotes", "spaces in tags", "no decl", "BOM", "tabs", "comment after root", "comment in element content",
        "decl standalone", "PI xml-stylesheet"}) {
    for (const auto& [w, body] : variants) {
      if (w == what) {
        EXPECT_EQ(o.check(body, w), engine::compiled) << w;
      }
    }
  }
}

}  // namespace
}  // namespace jubes::codecs
