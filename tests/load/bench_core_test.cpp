// SPDX-License-Identifier: EUPL-1.2
// Unit tests of jubes-bench's parts: generator, histogram, outbox batch reader, record file, options.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "batch.hpp"
#include "codecs/replies.hpp"
#include "generator.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "record.hpp"
#include "testing/testing.hpp"

namespace jb = jubes::bench;

namespace {

using jubes::testing::read_file;
using jubes::testing::temp_dir;
using jubes::testing::write_file;

// Appends `text` to the file at `path` (a writer that went on, or was killed mid-line).
void append_file(const std::string& path, const std::string& text) {
  std::filesystem::path p(path);
  write_file(p.parent_path(), p.filename().string(), read_file(p) + text);
}

std::string text_of(const std::string& xml, const std::string& local) {
  auto p = xml.find("<dti:" + local + ">");
  if (p == std::string::npos) return {};
  p += local.size() + 6;
  return xml.substr(p, xml.find('<', p) - p);
}

}  // namespace

TEST(generator, is_deterministic_in_seed_party_and_slot) {
  jb::generator a({7, 0, 2048}), b({7, 0, 2048}), c({8, 0, 2048});
  for (int p = 0; p < 4; ++p) {
    for (std::uint64_t s = 0; s < 50; ++s) {
      auto m1 = a.make(p, s), m2 = b.make(p, s), m3 = c.make(p, s);
      EXPECT_EQ(m1.body, m2.body);
      EXPECT_EQ(m1.recipients, m2.recipients);
      EXPECT_NE(m1.referentienummer, m3.referentienummer);
      EXPECT_EQ(m1.referentienummer, a.referentienummer(p, s));
    }
  }
}

TEST(generator, messages_are_plausible_and_unique) {
  jb::generator g({42, 0, 2048});
  std::set<std::string> refs, types;
  for (int p = 0; p < 4; ++p) {
    const auto& src = jb::sources()[static_cast<std::size_t>(p)];
    for (std::uint64_t s = 0; s < 500; ++s) {
      auto m = g.make(p, s);
      EXPECT_TRUE(refs.insert(m.referentienummer).second) << m.referentienummer;
      EXPECT_LE(m.referentienummer.size(), 40u);
      EXPECT_TRUE(jb::bsn_eleven_test(text_of(m.body, "bsn"))) << m.body;
      EXPECT_EQ(text_of(m.body, "applicatie"), src.applicatie);
      EXPECT_EQ(text_of(m.body, "referentienummer"), m.referentienummer);
      EXPECT_NE(m.body.find("<dti:" + m.type + " xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\">"),
                std::string::npos);
      // about 2 KiB, except the (small) plan documents
      EXPECT_GE(m.body.size(), 1800u) << m.type;
      EXPECT_LE(m.body.size(), m.type == "reintegratieplan" ? 4096u : 2600u) << m.type;
      EXPECT_FALSE(m.recipients.empty()) << m.type;
      types.insert(m.type);
      // 18b only from the prison service
      if (m.type == "melding18b") {
        EXPECT_TRUE(src.id == "tulp-gw" || src.id == "selectie");
      }
      if (m.type == "idvDetentieverloop") {
        EXPECT_EQ(m.recipients, std::vector<std::string>{"idv"});
      }
      if (m.type == "piVerlof") {
        auto leave = text_of(m.body.substr(m.body.find("<dti:verlof>")), "gemeentecode");
        EXPECT_EQ(m.recipients, std::vector<std::string>{"gemeente:" + leave + "/bij"});  // the BIJ box
      }
      if (m.type == "einddetentie") {  // the re-integration box and probation
        EXPECT_EQ(m.recipients.front(), "3ro");
        EXPECT_TRUE(m.recipients[1].starts_with("gemeente:") && m.recipients[1].ends_with("/reintegratie"));
      }
    }
  }
  EXPECT_EQ(types.size(), 14u);  // every message type of docs/MESSAGES.md occurs
}

TEST(generator, minors_get_rvdk_for_reintegration_notices) {
  jb::generator g({3, 0, 2048});
  int minors = 0;
  for (std::uint64_t s = 0; s < 400; ++s) {
    auto m = g.make(jb::source_index("jvs"), s);
    if (m.type != "eersteInschrijving") continue;
    bool rvdk = std::find(m.recipients.begin(), m.recipients.end(), "rvdk") != m.recipients.end();
    auto birth = text_of(m.body, "geboortedatum"), event = text_of(m.body, "gebeurtenisdatum");
    int age = std::stoi(event.substr(0, 4)) - std::stoi(birth.substr(0, 4));
    if (event.substr(5) < birth.substr(5)) --age;
    EXPECT_EQ(rvdk, age < 18) << birth << " " << event;
    minors += rvdk;
  }
  EXPECT_GT(minors, 0);
}

TEST(generator, plan_fraction_gives_one_mebibyte_plans) {
  jb::generator g({5, 1.0, 2048});
  auto m = g.make(0, 0);
  EXPECT_EQ(m.type, "reintegratieplan");
  EXPECT_GT(m.body.size(), 1398000u);
  EXPECT_LT(m.body.size(), 1400000u + 4096u);
}

TEST(generator, prepared_templates_give_the_bytes_make_gives) {
  jb::generator plain({21, 0, 2048, 8}), pooled({21, 0, 2048, 8});
  pooled.prepare();
  std::string body;
  for (int p = 0; p < 4; ++p) {
    for (std::uint64_t s = 0; s < 20; ++s) {
      pooled.body(p, s, body);
      const auto m = plain.make(p, s);
      EXPECT_EQ(body, m.body);
      EXPECT_EQ(pooled.make(p, s).body, m.body);
      EXPECT_EQ(pooled.make(p, s).recipients, m.recipients);
      EXPECT_EQ(body.find('\x01'), std::string::npos);
      // slot s and s + templates share a template: same kind, their own referentienummer
      const auto later = plain.make(p, s + 8);
      EXPECT_EQ(later.type, m.type);
      EXPECT_NE(later.body, m.body);
      EXPECT_EQ(text_of(later.body, "referentienummer"), plain.referentienummer(p, s + 8));
    }
  }
}

TEST(generator, fingerprint_reads_words_and_the_tail) {
  EXPECT_EQ(jb::fingerprint("abc"), jb::fingerprint(std::string("abc")));
  EXPECT_NE(jb::fingerprint("abc"), jb::fingerprint("abd"));
  EXPECT_NE(jb::fingerprint(std::string(8, '\0')), jb::fingerprint(std::string(9, '\0')));
  EXPECT_NE(jb::fingerprint("0123456789abcdefX"), jb::fingerprint("0123456789abcdefY"));  // the tail
  EXPECT_NE(jb::fingerprint("X123456789abcdef"), jb::fingerprint("Y123456789abcdef"));    // the first word
}

TEST(histogram, buckets_are_monotone_and_tight) {
  int prev = -1;
  for (std::uint64_t v = 0; v < 5'000'000; v = v < 100 ? v + 1 : v + v / 37) {
    int i = jb::histogram::index_of(v);
    EXPECT_GE(i, prev);
    prev = i;
    std::uint64_t up = jb::histogram::upper_of(i);
    EXPECT_GE(up, v);
    EXPECT_LE(static_cast<double>(up - v), std::max(1.0, 0.0625 * static_cast<double>(v))) << v;
  }
}

TEST(histogram, quantiles_of_a_uniform_sample) {
  jb::histogram h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 5000.0, 5000 * 0.04);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 9900.0, 9900 * 0.04);
  EXPECT_EQ(h.quantile(1.0), 10000u);
  jb::histogram other;
  other.record(1'000'000);
  h.merge(other);
  EXPECT_EQ(h.max(), 1'000'000u);
  EXPECT_EQ(jb::histogram().quantile(0.5), 0u);
}

TEST(batch, reads_attributes_and_child_elements) {
  std::string xml =
      "<?xml version='1.0'?><outbox recipient='rvdk'>"
      "<entry seq='7' id='m-1' type='piVerlof'><message><dti:piVerlof xmlns:dti='x'><dti:stuurgegevens>"
      "<dti:referentienummer>R-1</dti:referentienummer></dti:stuurgegevens></dti:piVerlof></message></entry>"
      "<j:entry><j:seq>8</j:seq><j:id>m-2</j:id><j:message>&lt;dti:referentienummer&gt;R-2&lt;/dti:referentienummer&gt;"
      "</j:message></j:entry></outbox>";
  std::vector<jb::batch_entry> e;
  std::string err;
  ASSERT_TRUE(jb::parse_batch(xml, e, err)) << err;
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].seq, 7u);
  EXPECT_EQ(e[0].id, "m-1");
  EXPECT_EQ(e[0].referentienummer, "R-1");
  EXPECT_EQ(e[1].seq, 8u);
  EXPECT_EQ(e[1].id, "m-2");
  EXPECT_EQ(e[1].referentienummer, "R-2");

  e.clear();
  EXPECT_TRUE(jb::parse_batch("<outbox/>", e, err));
  EXPECT_TRUE(e.empty());
  EXPECT_FALSE(jb::parse_batch("<outbox><entry id='x'/></outbox>", e, err));
  EXPECT_NE(err.find("seq"), std::string::npos);
}

TEST(batch, reads_the_gateways_own_batches) {
  // The documents the gateway sends (codecs::encode_outbox_batch), messages from the generator.
  jb::generator g({11, 0, 2048});
  const auto a = g.make(0, 1), b = g.make(0, 2);
  std::vector<jubes::codecs::outbox_entry_view> es(3);
  es[0] = {41, 9001, a.type, a.party, 1795689015123, false, a.body};
  es[1] = {42, 9002, "piVerlof", a.party, 1795689015123, true, {}};  // purged: no message inside
  es[2] = {43, 9003, b.type, b.party, 1795689015124, false, b.body};
  std::vector<jb::batch_entry> e;
  std::string err;
  ASSERT_TRUE(jb::parse_batch(jubes::codecs::encode_outbox_batch("gemeente:0363", 40, es), e, err)) << err;
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].seq, 41u);
  EXPECT_EQ(e[0].id, "9001");
  EXPECT_EQ(e[0].referentienummer, a.referentienummer);
  EXPECT_EQ(e[1].seq, 42u);
  EXPECT_EQ(e[1].id, "9002");
  EXPECT_TRUE(e[1].referentienummer.empty());
  EXPECT_EQ(e[2].referentienummer, b.referentienummer);
  e.clear();
  ASSERT_TRUE(jb::parse_batch(jubes::codecs::encode_outbox_batch("gemeente:0363", 43, {}), e, err)) << err;
  EXPECT_TRUE(e.empty());
}

TEST(batch, receipt_id_from_location_or_bv03) {
  EXPECT_EQ(jb::receipt_id("/v1/messages/abc123", ""), "abc123");
  EXPECT_EQ(jb::receipt_id("",
                           "<Bv03Bericht><stuurgegevens><berichtcode>Bv03</berichtcode>"
                           "<referentienummer>id-9</referentienummer></stuurgegevens></Bv03Bericht>"),
            "id-9");
  EXPECT_EQ(jb::receipt_id("", "<nothing/>"), "");
}

TEST(record, round_trip_and_torn_last_line) {
  const temp_dir d("bench");
  auto path = (d.path() / "rec.txt").string();
  std::string err;
  {
    jb::record_writer w;
    ASSERT_TRUE(w.open(path, {99, 0.25, 3000}, err)) << err;
    w.write({"tulp-gw", 3, "B-TULP-3", 201, "id-3", 0x1234, 0xabcd, 0, {}, {}}, {99, 0.25, 3000});
    w.write({"mits", 4, "B-MITS-4", 0, "", 0, 0xbeef, 0, {}, {}}, {99, 0.25, 3000});
  }
  append_file(path, "jvs 5 B-JVS-5 20");  // a writer killed mid-line
  jb::record_file r;
  ASSERT_TRUE(jb::read_record(path, r, err)) << err;
  ASSERT_EQ(r.generators.size(), 1u);
  EXPECT_EQ(r.generators[0].seed, 99u);
  EXPECT_DOUBLE_EQ(r.generators[0].plan_fraction, 0.25);
  EXPECT_EQ(r.generators[0].target_size, 3000u);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0].party, "tulp-gw");
  EXPECT_EQ(r.outcomes[0].slot, 3u);
  EXPECT_EQ(r.outcomes[0].message_id, "id-3");
  EXPECT_EQ(r.outcomes[0].receipt, 0x1234u);
  EXPECT_EQ(r.outcomes[1].status, 0);
  EXPECT_TRUE(r.outcomes[1].message_id.empty());
  EXPECT_EQ(r.outcomes[1].body, 0xbeefu);

  append_file(path, "\nnot a line\n");
  jb::record_file r2;
  EXPECT_FALSE(jb::read_record(path, r2, err));
  EXPECT_NE(err.find("rec.txt:"), std::string::npos) << err;

  EXPECT_EQ(r.generators[0].templates, 1024u);
  write_file(d.path(), "v1", "# jubes-bench record v1 seed=1 plan_fraction=0 size=2048\n");
  EXPECT_FALSE(jb::read_record((d.path() / "v1").string(), r2, err));
  EXPECT_NE(err.find("record v1"), std::string::npos) << err;

  EXPECT_FALSE(jb::read_record((d.path() / "missing").string(), r2, err));
  write_file(d.path(), "other", "hello\n");
  EXPECT_FALSE(jb::read_record((d.path() / "other").string(), r2, err));
}

// scripts/soak verifies and replays the union of many runs' records: `cat` of records with
// different seeds, each outcome tied to the header above it; a writer given outcomes of another
// generator writes a header before them.
TEST(record, concatenated_records_keep_each_outcomes_generator) {
  const temp_dir d("bench");
  auto a = (d.path() / "a.rec").string(), b = (d.path() / "b.rec").string();
  std::string err;
  {
    jb::record_writer w;
    ASSERT_TRUE(w.open(a, {1, 0, 2048}, err)) << err;
    w.write({"tulp-gw", 0, "B-1", 201, "id-1", 1, 2, 0, {}, {}}, {1, 0, 2048});
    jb::record_writer w2;
    ASSERT_TRUE(w2.open(b, {2, 0, 2048}, err)) << err;
    w2.write({"jvs", 0, "B-2", 201, "id-2", 1, 2, 0, {}, {}}, {2, 0, 2048});
    w2.write({"mits", 7, "B-3", 0, "", 0, 2, 0, {}, {}}, {3, 0.5, 1024});  // another generator: a new header
  }
  write_file(d.path(), "union.rec", read_file(a) + read_file(b));
  jb::record_file r;
  ASSERT_TRUE(jb::read_record((d.path() / "union.rec").string(), r, err)) << err;
  ASSERT_EQ(r.generators.size(), 3u);
  EXPECT_EQ(r.generators[0].seed, 1u);
  EXPECT_EQ(r.generators[1].seed, 2u);
  EXPECT_EQ(r.generators[2].seed, 3u);
  EXPECT_EQ(r.generators[2].target_size, 1024u);
  ASSERT_EQ(r.outcomes.size(), 3u);
  EXPECT_EQ(r.outcomes[0].gen, 0u);
  EXPECT_EQ(r.outcomes[1].gen, 1u);
  EXPECT_EQ(r.outcomes[2].gen, 2u);
  EXPECT_EQ(r.outcomes[2].slot, 7u);
}

TEST(options, accepts_the_product_command_line) {
  jb::options o;
  auto err =
      jb::parse_options({"--target", "127.0.0.1:8443", "--pki", "/p", "--connections", "64", "--count", "1000",
                         "--rate", "500", "--seed", "9", "--duplicates", "0.1", "--record", "r", "--verify", "--poll"},
                        o);
  EXPECT_EQ(err, "");
  ASSERT_EQ(o.targets.size(), 1u);
  EXPECT_EQ(o.targets[0].host, "127.0.0.1");
  EXPECT_EQ(o.targets[0].port, "8443");
  EXPECT_EQ(o.connections, 64);
  EXPECT_EQ(o.count, 1000u);
  EXPECT_DOUBLE_EQ(o.rate, 500);
  EXPECT_TRUE(o.verify && o.poll && o.seed_set);
}

TEST(options, refuses_bad_command_lines_naming_the_option) {
  auto err = [](std::vector<std::string> a) {
    jb::options o;
    return jb::parse_options(a, o);
  };
  EXPECT_NE(err({"--target", "h:1", "--count", "5"}).find("--pki"), std::string::npos);
  EXPECT_NE(err({"--pki", "p", "--count", "5"}).find("--target"), std::string::npos);
  EXPECT_NE(err({"--target", "h:99999", "--pki", "p", "--count", "5"}).find("--target"), std::string::npos);
  EXPECT_NE(err({"--target", "h:1", "--pki", "p", "--count", "5", "--duration", "3"}).find("--count"),
            std::string::npos);
  EXPECT_NE(err({"--target", "h:1", "--pki", "p", "--duplicates", "2", "--count", "1"}).find("--duplicates"),
            std::string::npos);
  EXPECT_NE(err({"--target", "h:1", "--pki", "p", "--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(err({"--target", "h:1", "--pki", "p"}).find("nothing to do"), std::string::npos);
  EXPECT_NE(err({"--target", "h:1", "--pki", "p", "--connections"}).find("--connections"), std::string::npos);
  EXPECT_EQ(err({"--target", "h:1", "--pki", "p", "--verify", "--record", "f"}), "");
}

TEST(options, target_is_repeatable_in_order_and_refuses_the_same_node_twice) {
  jb::options o;
  auto err = jb::parse_options({"--target", "127.0.0.1:8443", "--pki", "/p", "--count", "10", "--target", "[::1]:9443",
                                "--target", "db2.example:8443"},
                               o);
  EXPECT_EQ(err, "");
  ASSERT_EQ(o.targets.size(), 3u);
  EXPECT_EQ(o.targets[0].str(), "127.0.0.1:8443");
  EXPECT_EQ(o.targets[1].host, "::1");
  EXPECT_EQ(o.targets[1].port, "9443");
  EXPECT_EQ(o.targets[2].str(), "db2.example:8443");

  jb::options twice;
  err = jb::parse_options({"--target", "h:1", "--target", "h:1", "--pki", "p", "--count", "5"}, twice);
  EXPECT_NE(err.find("--target: names the same node twice"), std::string::npos) << err;
  jb::options bad;
  err = jb::parse_options({"--target", "h:1", "--target", "h2", "--pki", "p", "--count", "5"}, bad);
  EXPECT_NE(err.find("--target: expects HOST:PORT"), std::string::npos) << err;
  EXPECT_NE(err.find("'h2'"), std::string::npos) << err;
}

TEST(spread, connections_go_round_robin_and_a_failed_node_passes_to_the_next) {
  const jb::spread three{3};
  std::vector<int> per_node(3);
  for (std::size_t c = 0; c < 64; ++c) ++per_node[three.first(c)];
  EXPECT_EQ(per_node, (std::vector<int>{22, 21, 21}));  // even to within one
  EXPECT_EQ(three.first(0), 0u);
  EXPECT_EQ(three.first(4), 1u);
  EXPECT_EQ(three.after_failure(0), 1u);
  EXPECT_EQ(three.after_failure(2), 0u);
  // Failing over visits every other node before it comes back to the first.
  std::set<std::size_t> seen;
  for (std::size_t t = 1, k = 0; k < 3; ++k, t = three.after_failure(t)) seen.insert(t);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(three.failover_attempts(), 9);
  // One node: no failover, a lost reply is recorded as lost (scripts/soak reads that).
  const jb::spread one{1};
  EXPECT_EQ(one.first(7), 0u);
  EXPECT_EQ(one.after_failure(0), 0u);
  EXPECT_EQ(one.failover_attempts(), 0);
}

TEST(record, keeps_the_node_that_replied_and_reads_lines_without_one) {
  const temp_dir d("bench");
  auto path = (d.path() / "rec.txt").string();
  std::string err;
  {
    jb::record_writer w;
    ASSERT_TRUE(w.open(path, {5, 0, 2048}, err)) << err;
    jb::outcome o{"tulp-gw", 1, "B-TULP-1", 201, "id-1", 0x11, 0x22, 0, "127.0.0.1:9443", {}};
    w.write(o, {5, 0, 2048});
  }
  append_file(path, "jvs 2 B-JVS-2 200 id-2 0000000000000033 0000000000000044\n");
  jb::record_file r;
  ASSERT_TRUE(jb::read_record(path, r, err)) << err;
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0].target, "127.0.0.1:9443");
  EXPECT_EQ(r.outcomes[0].body, 0x22u);
  EXPECT_EQ(r.outcomes[1].target, "");
  EXPECT_EQ(r.outcomes[1].message_id, "id-2");
}
