// SPDX-License-Identifier: EUPL-1.2
#include "codecs/replies.hpp"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "codecs/validator.hpp"
#include "codecs/xml_text.hpp"
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
  // The gateway's one fault mapping (gateway/src/error_map.cpp) fills these for a reused referentienummer.
  fault_reply_info f;
  f.code = "StUF016";
  f.plek = "client";
  f.omschrijving = "Combinatie zender en referentienummer niet uniek";
  f.tijdstip_bericht = "20261129103015123";
  f.zender = gateway_;
  f.ontvanger = zender_of(env);
  f.cross_ref = env.referentienummer;
  const std::string xml = encode_fo03(f);
  expect_valid(xml);
  EXPECT_NE(xml.find("<dti:code>StUF016</dti:code>"), std::string::npos);
  EXPECT_EQ(out_.env.ontvanger_applicatie, "MITS");
  EXPECT_EQ(out_.env.cross_refnummer, "MITS-000098812");
}

TEST(replies, stuf_timestamps) {
  EXPECT_EQ(stuf_timestamp(0), "19700101000000000");
  EXPECT_EQ(stuf_timestamp(1795689015123), "20261126103015123");
  EXPECT_EQ(stuf_timestamp(951868799999), "20000229235959999");  // the last millisecond of a leap day
  EXPECT_EQ(iso_timestamp(1795689015123), "2026-11-26T10:30:15.123Z");
  EXPECT_EQ(iso_timestamp(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(iso_timestamp(-1), "1969-12-31T23:59:59.999Z");
}

// ---- delivery documents: outbox batch, ack, forward (conf/schemas/jubes/outbox.xsd) ----------------------------

class delivery_test : public ::testing::Test {
 protected:
  // Validates against outbox.xsd (embedded jubes messages against their own schema, lax) with xerces.
  void expect_valid(const std::string& xml, std::string_view root) {
    ASSERT_TRUE(v_.parse(xml, out_, err_)) << to_string(err_.code) << " " << err_.line << ":" << err_.column << " "
                                           << err_.element_path << ": " << err_.text << "\n"
                                           << xml;
    EXPECT_EQ(out_.env.schema_set, "jubes-outbox");
    EXPECT_EQ(out_.env.message_type, root);
  }
  static outbox_entry_view entry(std::uint64_t seq, std::string_view type, std::string_view body) {
    outbox_entry_view e;
    e.seq = seq;
    e.message_id = 1000 + seq;
    e.message_type = type;
    e.source_party = "tulp-gw";
    e.accepted_at_ms = 1795689015123;
    e.body = body;
    return e;
  }
  validator v_{test::jubes_catalog()};
  parsed out_;
  fault err_;
};

TEST_F(delivery_test, an_empty_batch_has_no_last) {
  const std::string xml = encode_outbox_batch("gemeente:0363", 17, {});
  expect_valid(xml, "outbox");
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<outbox xmlns=\"http://www.justid.nl/jubes/outbox/0100\" "
            "recipient=\"gemeente:0363\" after=\"17\" count=\"0\">\n</outbox>\n");
}

TEST_F(delivery_test, one_entry_embeds_the_message_without_its_declaration) {
  const std::string body = test::read_file(test::examples_dir() / "piBeeindiging.xml");
  const outbox_entry_view e = entry(18, "piBeeindiging", body);
  const std::string xml = encode_outbox_batch("gemeente:0363", 17, std::span(&e, 1));
  expect_valid(xml, "outbox");
  const std::string head =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<outbox xmlns=\"http://www.justid.nl/jubes/outbox/0100\" "
      "recipient=\"gemeente:0363\" after=\"17\" count=\"1\" last=\"18\">\n"
      "<entry seq=\"18\" id=\"1018\" type=\"piBeeindiging\" source=\"tulp-gw\" time=\"2026-11-26T10:30:15.123Z\">";
  EXPECT_EQ(xml.substr(0, head.size()), head);
  const std::string tail = "</entry>\n</outbox>\n";
  EXPECT_EQ(xml.substr(xml.size() - tail.size()), tail);
  EXPECT_EQ(xml.substr(head.size(), xml.size() - head.size() - tail.size()), *embeddable_body(body));
  EXPECT_EQ(xml.find("<?xml", 1), std::string::npos);
}

TEST_F(delivery_test, many_entries_purged_ones_and_every_message_type) {
  std::vector<std::string> bodies;
  for (const auto& type : jubes_message_types())
    bodies.push_back(test::read_file(test::examples_dir() / (type + ".xml")));
  std::vector<outbox_entry_view> es;
  for (std::size_t i = 0; i < bodies.size(); ++i) es.push_back(entry(i + 1, jubes_message_types()[i], bodies[i]));
  es[3].purged = true;  // retention took the body: written empty, whatever the view holds
  es.push_back(entry(15, "piVerlof", ""));
  es.back().purged = true;
  const std::string xml = encode_outbox_batch("gemeente:0363", 0, es);
  expect_valid(xml, "outbox");
  EXPECT_NE(xml.find("count=\"15\" last=\"15\">"), std::string::npos);
  EXPECT_NE(xml.find("<entry seq=\"4\" id=\"1004\" type=\"tbsVoorwaardelijkeBeeindiging\" source=\"tulp-gw\" "
                     "time=\"2026-11-26T10:30:15.123Z\" purged=\"true\"/>\n"),
            std::string::npos);
  EXPECT_NE(xml.find("type=\"piVerlof\" source=\"tulp-gw\" time=\"2026-11-26T10:30:15.123Z\" purged=\"true\"/>"),
            std::string::npos);
}

TEST_F(delivery_test, an_entry_with_a_deadline_carries_it_and_stays_valid) {
  const std::string body = test::read_file(test::examples_dir() / "piVerlof.xml");
  std::vector<outbox_entry_view> es{entry(1, "piVerlof", body), entry(2, "piVerlof", "")};
  es[0].deadline_ms = 1797721200000;  // 2026-12-19T23:00:00Z
  es[1].deadline_ms = 1797721200000;
  es[1].purged = true;
  const std::string xml = encode_outbox_batch("gemeente:0599", 0, es);
  expect_valid(xml, "outbox");
  EXPECT_NE(xml.find("time=\"2026-11-26T10:30:15.123Z\" deadline=\"2026-12-19T23:00:00.000Z\"><"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("deadline=\"2026-12-19T23:00:00.000Z\" purged=\"true\"/>"), std::string::npos) << xml;
  const outbox_entry_view none = entry(3, "piVerlof", body);
  EXPECT_EQ(encode_outbox_batch("gemeente:0599", 2, std::span(&none, 1)).find("deadline="), std::string::npos);
}

TEST_F(delivery_test, superseded_and_withdrawn_entries_are_empty_markers_and_corrections_name_the_earlier_one) {
  const std::string body = test::read_file(test::examples_dir() / "piBeeindiging.xml");
  std::vector<outbox_entry_view> es{entry(1, "piBeeindiging", body), entry(2, "piBeeindiging", body),
                                    entry(3, "piBeeindiging", body)};
  es[0].link = delivery_link::superseded_by;
  es[0].link_id = 1002;
  es[1].link = delivery_link::relates_to;
  es[1].link_id = 1001;
  es[2].link = delivery_link::withdrawn_by;
  es[2].link_id = 1004;
  const std::string xml = encode_outbox_batch("gemeente:0363", 0, es);
  expect_valid(xml, "outbox");
  EXPECT_NE(xml.find("time=\"2026-11-26T10:30:15.123Z\" supersededBy=\"1002\"/>\n<entry seq=\"2\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("time=\"2026-11-26T10:30:15.123Z\" relatesTo=\"1001\"><dti:piBeeindiging"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("time=\"2026-11-26T10:30:15.123Z\" withdrawnBy=\"1004\"/>\n</outbox>"), std::string::npos) << xml;
}

TEST_F(delivery_test, bodies_in_other_encodings_are_embedded_as_utf8) {
  const std::string latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a xmlns=\"urn:other\">\xE9</a>";
  const outbox_entry_view e = entry(1, "other", latin1);
  const std::string xml = encode_outbox_batch("rvdk", 0, std::span(&e, 1));
  expect_valid(xml, "outbox");  // a foreign namespace: carried as it is (lax)
  EXPECT_NE(xml.find("<a xmlns=\"urn:other\">\xC3\xA9</a></entry>"), std::string::npos);
  const outbox_entry_view bad = entry(2, "other", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>");
  const std::string with_bad = encode_outbox_batch("rvdk", 1, std::span(&bad, 1));
  expect_valid(with_bad, "outbox");
  EXPECT_NE(with_bad.find("<unembeddable/></entry>"), std::string::npos);
}

TEST_F(delivery_test, odd_recipient_type_and_source_strings_are_escaped) {
  const std::string odd = "a\"b<c>&d'e\x01";
  outbox_entry_view e = entry(1, odd, "<a xmlns=\"urn:x\"/>");
  e.source_party = odd;
  const std::string xml = encode_outbox_batch(odd, 0, std::span(&e, 1));
  expect_valid(xml, "outbox");
  EXPECT_NE(xml.find("recipient=\"a&quot;b&lt;c&gt;&amp;d&apos;e?\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("type=\"a&quot;b&lt;c&gt;&amp;d&apos;e?\" source=\"a&quot;b&lt;c&gt;&amp;d&apos;e?\""),
            std::string::npos)
      << xml;
  expect_valid(encode_ack(odd, 3), "ack");
  expect_valid(encode_forward(9, odd, true), "forward");
}

TEST_F(delivery_test, ack_and_forward_are_the_documents_the_gateway_sent) {
  const std::string ack = encode_ack("gemeente:0363", 42);
  expect_valid(ack, "ack");
  EXPECT_EQ(ack,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ack xmlns=\"http://www.justid.nl/jubes/outbox/0100\" "
            "recipient=\"gemeente:0363\" cursor=\"42\"/>\n");
  const std::string fwd = encode_forward(7, "gemeente:0599", true);
  expect_valid(fwd, "forward");
  EXPECT_EQ(fwd,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<forward xmlns=\"http://www.justid.nl/jubes/outbox/0100\" "
            "id=\"7\" to=\"gemeente:0599\" new=\"true\"/>\n");
  const std::string again = encode_forward(7, "gemeente:0599", false);
  expect_valid(again, "forward");
  EXPECT_NE(again.find("new=\"false\""), std::string::npos);
}

TEST(delivery, iso_timestamps) {
  EXPECT_EQ(iso_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_timestamp(1795689015123), "2026-11-26T10:30:15.123Z");
}

}  // namespace
}  // namespace jubes::codecs
