#include "codecs/replies.hpp"

#include <gtest/gtest.h>

#include "codecs/validator.hpp"
#include "support.hpp"

namespace jubes::codecs {
namespace {

class replies_test : public ::testing::Test {
 protected:
  void expect_valid(const std::string& xml) {
    ASSERT_TRUE(v_.parse(xml, out_, err_)) << to_string(err_.code) << " " << err_.line << ":" << err_.column << " "
                                           << err_.element_path << ": " << err_.text << "\n"
                                           << xml;
    EXPECT_EQ(out_.env.schema_set, "jubes-replies");
  }
  systeem gateway_{"JUSTID", "JUBES", "", ""};
  validator v_{test::jubes_catalog()};
  parsed out_;
  fault err_;
};

TEST_F(replies_test, bv03_is_valid_and_carries_the_receipt) {
  receipt_info r;
  r.message_id = "01JDX5M0000000000000000001";
  r.tijdstip_bericht = "20261129103015123";
  r.zender = gateway_;
  r.ontvanger = {"DJI", "TULP-GW", "", ""};
  r.cross_ref = "TULP-2026-0000184213";
  const std::string xml = encode_bv03(r);
  expect_valid(xml);
  EXPECT_EQ(out_.env.message_type, "Bv03Bericht");
  EXPECT_EQ(out_.env.berichtcode, "Bv03");
  EXPECT_EQ(out_.env.referentienummer, r.message_id);
  EXPECT_EQ(out_.env.cross_refnummer, r.cross_ref);
  EXPECT_EQ(out_.env.tijdstip_bericht, r.tijdstip_bericht);
  EXPECT_EQ(out_.env.zender_applicatie, "JUBES");
  EXPECT_EQ(out_.env.ontvanger_organisatie, "DJI");
  EXPECT_EQ(out_.env.ontvanger_applicatie, "TULP-GW");
}

TEST_F(replies_test, fo03_carries_code_text_and_location) {
  fault_reply_info f;
  f.code = "StUF055";
  f.omschrijving = "BSN fails the eleven-test (elfproef)";
  f.line = 20;
  f.column = 14;
  f.element_path = "/piBeeindiging/persoon/bsn";
  f.tijdstip_bericht = "20261129103015123";
  f.zender = gateway_;
  f.ontvanger = {"DJI", "TULP-GW", "", ""};
  f.cross_ref = "TULP-2026-0000184213";
  f.referentienummer = "F-1";
  const field_set fields({"body/code", "body/plek", "body/omschrijving", "body/locatie/regel", "body/locatie/kolom",
                          "body/locatie/element"});
  const std::string xml = encode_fo03(f);
  ASSERT_TRUE(v_.parse(xml, fields, out_, err_)) << err_.text << "\n" << xml;
  EXPECT_EQ(out_.env.berichtcode, "Fo03");
  EXPECT_EQ(out_.env.cross_refnummer, "TULP-2026-0000184213");
  EXPECT_EQ(out_.fields[0], std::vector<std::string>{"StUF055"});
  EXPECT_EQ(out_.fields[1], std::vector<std::string>{"client"});
  EXPECT_EQ(out_.fields[2], std::vector<std::string>{f.omschrijving});
  EXPECT_EQ(out_.fields[3], std::vector<std::string>{"20"});
  EXPECT_EQ(out_.fields[4], std::vector<std::string>{"14"});
  EXPECT_EQ(out_.fields[5], std::vector<std::string>{"/piBeeindiging/persoon/bsn"});
}

TEST_F(replies_test, fo03_for_unparseable_input_is_still_valid) {
  fault_reply_info f;  // nothing known about the sender
  f.code = "StUF001";
  f.omschrijving = std::string(500, 'x') + "<&>\x01\xff";
  f.details = std::string(5000, 'd');
  f.zender = gateway_;
  f.tijdstip_bericht = "not a time";
  expect_valid(encode_fo03(f));
  f.code = "bogus";
  f.plek = "elsewhere";
  f.omschrijving.clear();
  expect_valid(encode_fo03(f));
}

TEST_F(replies_test, stuf016_for_a_reused_referentienummer) {
  envelope env;
  env.zender_organisatie = "DJI";
  env.zender_applicatie = "MITS";
  env.referentienummer = "MITS-000098812";
  const fault_reply_info f = stuf016(env, gateway_, "20261129103015123");
  EXPECT_EQ(f.code, "StUF016");
  EXPECT_EQ(f.omschrijving, "Combinatie zender en referentienummer niet uniek");
  const std::string xml = encode_fo03(f);
  expect_valid(xml);
  EXPECT_NE(xml.find("<dti:code>StUF016</dti:code>"), std::string::npos);
  EXPECT_EQ(out_.env.ontvanger_applicatie, "MITS");
  EXPECT_EQ(out_.env.cross_refnummer, "MITS-000098812");
}

TEST(replies, stuf_codes_and_timestamps) {
  EXPECT_STREQ(stuf_code_for(errc::not_well_formed), "StUF001");
  EXPECT_STREQ(stuf_code_for(errc::schema_invalid), "StUF055");
  EXPECT_STREQ(stuf_code_for(errc::internal), "StUF058");
  EXPECT_EQ(stuf_timestamp(0), "19700101000000000");
  EXPECT_EQ(stuf_timestamp(1795689015123), "20261126103015123");
}

}  // namespace
}  // namespace jubes::codecs
