// SPDX-License-Identifier: EUPL-1.2
#include "codecs/validator.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support.hpp"

namespace jubes::codecs {
namespace {

using test::examples_dir;
using test::jubes_catalog;
using test::read_file;

const std::map<std::string, std::string>& sender_app() {
  static const std::map<std::string, std::string> m = {{"piBeeindiging", "TULP-GW"},
                                                       {"piRegimefasering", "SELECTIE"},
                                                       {"piVerlof", "TULP-GW"},
                                                       {"tbsVoorwaardelijkeBeeindiging", "MITS"},
                                                       {"tbsVerlof", "MITS"},
                                                       {"pijBeeindiging", "JVS"},
                                                       {"pijVerlofmachtiging", "JVS"},
                                                       {"melding18b", "TULP-GW"},
                                                       {"eersteInschrijving", "SELECTIE"},
                                                       {"wijzigingEinddatum", "TULP-GW"},
                                                       {"overplaatsing", "JVS"},
                                                       {"reintegratieplan", "TULP-GW"},
                                                       {"einddetentie", "MITS"},
                                                       {"idvDetentieverloop", "SELECTIE"}};
  return m;
}

class validator_test : public ::testing::Test {
 protected:
  validator v_{jubes_catalog(), limits{}, test::test_semantics()};
  parsed out_;
  fault err_;
};

TEST_F(validator_test, every_message_type_has_a_valid_example_with_its_envelope) {
  ASSERT_EQ(jubes_message_types().size(), 14u);
  for (const auto& type : jubes_message_types()) {
    SCOPED_TRACE(type);
    const std::string body = read_file(examples_dir() / (type + ".xml"));
    ASSERT_TRUE(v_.parse(body, out_, err_)) << to_string(err_.code) << " " << err_.line << ":" << err_.column << " "
                                            << err_.element_path << ": " << err_.text;
    EXPECT_EQ(out_.env.message_type, type);
    EXPECT_EQ(out_.env.ns, jubes_namespace);
    EXPECT_EQ(out_.env.schema_set, "jubes");
    EXPECT_EQ(out_.env.berichtcode, "Lk01");
    EXPECT_EQ(out_.env.zender_organisatie, "DJI");
    EXPECT_EQ(out_.env.zender_applicatie, sender_app().at(type));
    EXPECT_EQ(out_.env.ontvanger_organisatie, "JUSTID");
    EXPECT_EQ(out_.env.ontvanger_applicatie, "JUBES");
    EXPECT_FALSE(out_.env.referentienummer.empty());
    EXPECT_EQ(out_.env.tijdstip_bericht.size(), 17u);
    EXPECT_TRUE(out_.env.cross_refnummer.empty());
  }
}

TEST_F(validator_test, extracts_configured_fields_in_document_order) {
  const field_set fields({"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode",
                          "persoon/brpAdressen/adres/djiInstelling", "detentie/delicten/delictcategorie",
                          "detentie/onherroepelijk", "verlof/adres/gemeentecode", "persoon/onbekend"});
  ASSERT_TRUE(v_.parse(read_file(examples_dir() / "pijBeeindiging.xml"), fields, out_, err_)) << err_.text;
  ASSERT_EQ(out_.fields.size(), 7u);
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{"279436610"});
  EXPECT_EQ(out_.fields[1], (std::vector<std::string>{"0005", "0393", "0268"}));
  EXPECT_EQ(out_.fields[2], (std::vector<std::string>{"false", "false", "true"}));
  EXPECT_EQ(out_.fields[3], std::vector<std::string>{"ernstig-geweld"});
  EXPECT_EQ(out_.fields[4], std::vector<std::string>{"true"});
  EXPECT_TRUE(out_.fields[5].empty());
  EXPECT_TRUE(out_.fields[6].empty());
  EXPECT_EQ(fields.index_of("verlof/adres/gemeentecode"), 5);
  EXPECT_EQ(fields.index_of("nope"), -1);

  // The same validator, another document: no values leak from the previous parse.
  ASSERT_TRUE(v_.parse(read_file(examples_dir() / "piVerlof.xml"), fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{"232262536"});
  EXPECT_EQ(out_.fields[3], (std::vector<std::string>{"zeden", "ernstig-geweld"}));
  EXPECT_EQ(out_.fields[5], std::vector<std::string>{"0518"});
}

TEST_F(validator_test, leading_slash_and_empty_segments_in_paths_are_ignored) {
  const field_set fields({"/persoon//bsn/"});
  ASSERT_TRUE(v_.parse(read_file(examples_dir() / "piBeeindiging.xml"), fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{"123456782"});
}

struct invalid_case {
  std::string file, errc_name, path;
  std::uint64_t line = 0;
};

std::vector<invalid_case> invalid_cases() {
  std::vector<invalid_case> cases;
  std::ifstream in(test::source_dir() / "tests" / "codecs" / "invalid" / "expected.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    invalid_case c;
    std::string l;
    std::getline(s, c.file, '\t');
    std::getline(s, c.errc_name, '\t');
    std::getline(s, c.path, '\t');
    std::getline(s, l, '\t');
    c.line = l == "-" ? 0 : std::stoull(l);
    cases.push_back(c);
  }
  return cases;
}

TEST_F(validator_test, every_invalid_example_gives_its_error_and_element) {
  const auto cases = invalid_cases();
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string body = read_file(test::source_dir() / "tests" / "codecs" / "invalid" / c.file);
    ASSERT_FALSE(v_.parse(body, out_, err_));
    EXPECT_EQ(to_string(err_.code), c.errc_name) << err_.text;
    EXPECT_EQ(err_.element_path, c.path) << err_.text;
    if (c.line != 0) {
      EXPECT_EQ(err_.line, c.line) << err_.text;
    }
    EXPECT_FALSE(err_.text.empty());
    // The validator stays usable after any fault.
    ASSERT_TRUE(v_.parse(read_file(examples_dir() / "piBeeindiging.xml"), out_, err_)) << err_.text;
  }
}

TEST_F(validator_test, semantic_fault_texts_name_the_cause) {
  const auto dir = test::source_dir() / "tests" / "codecs" / "invalid";
  ASSERT_FALSE(v_.parse(read_file(dir / "bsn-elfproef.xml"), out_, err_));
  EXPECT_NE(err_.text.find("eleven-test"), std::string::npos);
  ASSERT_FALSE(v_.parse(read_file(dir / "gemeentecode-onbekend.xml"), out_, err_));
  EXPECT_NE(err_.text.find("gemeentecode 9876 does not exist"), std::string::npos) << err_.text;
  ASSERT_FALSE(v_.parse(read_file(dir / "einddatum-voor-begindatum.xml"), out_, err_));
  EXPECT_NE(err_.text.find("feitelijkeEinddatum 2023-03-13 is before begindatum 2023-03-14"), std::string::npos)
      << err_.text;
}

TEST_F(validator_test, gemeentecode_check_is_skipped_without_a_lookup) {
  validator plain(jubes_catalog());
  const auto dir = test::source_dir() / "tests" / "codecs" / "invalid";
  EXPECT_TRUE(plain.parse(read_file(dir / "gemeentecode-onbekend.xml"), out_, err_)) << err_.text;
}

TEST_F(validator_test, replies_set_is_chosen_by_root_and_notices_are_not_replies) {
  const std::string bv03 =
      "<dti:Bv03Bericht xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"><dti:stuurgegevens>"
      "<dti:berichtcode>Lk01</dti:berichtcode></dti:stuurgegevens></dti:Bv03Bericht>";
  ASSERT_FALSE(v_.parse(bv03, out_, err_));
  EXPECT_EQ(err_.code, errc::schema_invalid);  // chosen set: jubes-replies; Lk01 is not a Bv03 berichtcode
  EXPECT_EQ(err_.element_path, "/Bv03Bericht/stuurgegevens/berichtcode");
}

// Encodings XML allows: the same notice as UTF-8 with BOM, UTF-16LE/BE with BOM and ISO-8859-1 declared.
std::string with_name(std::string body, const std::string& utf8_name) {
  const std::string old = "<dti:voornamen>Johannes Petrus</dti:voornamen>";
  body.replace(body.find(old), old.size(), "<dti:voornamen>" + utf8_name + "</dti:voornamen>");
  return body;
}

std::u16string utf8_to_u16(const std::string& s) {
  std::u16string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
    } else {  // two-byte sequences suffice for these tests
      out.push_back(static_cast<char16_t>(((c & 0x1F) << 6) | (s[i + 1] & 0x3F)));
      i += 2;
    }
  }
  return out;
}

std::string to_utf16(const std::string& utf8, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (const char16_t u : utf8_to_u16(utf8)) {
    const char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    out.push_back(little_endian ? lo : hi);
    out.push_back(little_endian ? hi : lo);
  }
  return out;
}

TEST_F(validator_test, accepts_the_encodings_xml_allows) {
  const field_set fields({"persoon/voornamen"});
  const std::string name = "Lo\xC3\xAFs Fran\xC3\xA7ois";  // "Loïs François"
  const std::string utf8 = with_name(read_file(examples_dir() / "piBeeindiging.xml"), name);

  ASSERT_TRUE(v_.parse(utf8, fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});

  ASSERT_TRUE(v_.parse("\xEF\xBB\xBF" + utf8, fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});

  std::string decl16 = utf8;
  decl16.replace(decl16.find("UTF-8"), 5, "UTF-16");
  ASSERT_TRUE(v_.parse(to_utf16(decl16, true), fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});
  EXPECT_EQ(out_.env.zender_applicatie, "TULP-GW");
  ASSERT_TRUE(v_.parse(to_utf16(decl16, false), fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});

  // UTF-16LE without a BOM (detected from "<\0").
  const std::string no_bom = to_utf16(decl16, true).substr(2);
  ASSERT_TRUE(v_.parse(no_bom, fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});

  std::string latin1;
  for (const char16_t u : utf8_to_u16(utf8)) latin1.push_back(static_cast<char>(u));
  latin1.replace(latin1.find("UTF-8"), 5, "ISO-8859-1");
  ASSERT_TRUE(v_.parse(latin1, fields, out_, err_)) << err_.text;
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{name});
}

TEST_F(validator_test, one_catalog_serves_many_threads_each_with_its_own_validator) {
  std::vector<std::string> bodies;
  for (const auto& type : jubes_message_types()) bodies.push_back(read_file(examples_dir() / (type + ".xml")));
  const std::string bad = read_file(test::source_dir() / "tests" / "codecs" / "invalid" / "bsn-elfproef.xml");
  const field_set fields({"persoon/bsn"});
  std::vector<int> ok(4, 0), refused(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      validator v(jubes_catalog(), limits{}, test::test_semantics());
      parsed out;
      fault err;
      for (int round = 0; round < 5; ++round) {
        for (const auto& b : bodies) ok[t] += v.parse(b, fields, out, err) && out.fields[0].size() == 1 ? 1 : 0;
        refused[t] += !v.parse(bad, fields, out, err) && err.code == errc::semantic_invalid ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(ok[t], 5 * 14);
    EXPECT_EQ(refused[t], 5);
  }
}

}  // namespace
}  // namespace jubes::codecs
