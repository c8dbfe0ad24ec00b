// SPDX-License-Identifier: EUPL-1.2
#include "codec.hpp"

#include <gtest/gtest.h>

namespace jubes::storage::codec {
namespace {

TEST(codec, be64_keys_sort_numerically) {
  auto a = be64(255), b = be64(256), c = be64(1ull << 40);
  EXPECT_LT(std::string(sv(a)), std::string(sv(b)));
  EXPECT_LT(std::string(sv(b)), std::string(sv(c)));
  std::uint64_t v = 0;
  ASSERT_TRUE(read_be64(sv(c), v));
  EXPECT_EQ(v, 1ull << 40);
  EXPECT_FALSE(read_be64("short", v));
}

TEST(codec, outbox_keys_of_one_recipient_are_contiguous) {
  // "gemeente:0001" must not interleave with "gemeente:00010".
  auto k1 = outbox_key("gemeente:0001", 999);
  auto k2 = outbox_key("gemeente:00010", 1);
  EXPECT_LT(k1, k2);
  std::string_view r;
  std::uint64_t seq = 0;
  ASSERT_TRUE(split_outbox_key(k1, r, seq));
  EXPECT_EQ(r, "gemeente:0001");
  EXPECT_EQ(seq, 999u);
  EXPECT_FALSE(split_outbox_key("nonul12345", r, seq));
  EXPECT_FALSE(split_outbox_key("x", r, seq));
}

message_rec sample_record() {
  message_rec m;
  m.flags = flag_parked;
  m.received_at_ms = -5;
  m.accepted_at_ms = 1'700'000'000'000;
  m.blob_id = 42;
  m.body_offset = 7;
  m.body_len = 2048;
  m.party = "tulp-gw";
  m.refnr = "ref";
  m.message_type = "piVerlof";
  m.route_version = "v3";
  m.park_reason = "no rule";
  m.recipients = {"a", "b"};
  m.matched_rules = {"r1"};
  return m;
}

TEST(codec, message_record_round_trips_and_truncation_is_rejected) {
  message_rec m = sample_record();
  std::string enc;
  encode(m, enc);
  message_rec d;
  ASSERT_TRUE(decode(enc, d));
  EXPECT_EQ(d.recipients, m.recipients);
  EXPECT_EQ(d.accepted_at_ms, m.accepted_at_ms);
  EXPECT_EQ(d.received_at_ms, -5);
  EXPECT_EQ(d.park_reason, "no rule");
  for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode(enc.substr(0, n), d)) << n;
  EXPECT_FALSE(decode(enc + "x", d));
}

// Stores on disk hold these bytes: the layout of a message record may change only by a new version.
TEST(codec, message_record_layout_is_the_stored_format) {
  std::string want;
  auto le = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) want.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto text = [&](std::string_view s) {
    le(s.size(), 4);
    want.append(s);
  };
  le(1, 1);  // version 1
  le(flag_parked, 1);
  le(static_cast<std::uint64_t>(std::int64_t{-5}), 8);
  le(1'700'000'000'000, 8);
  le(42, 8);    // blob id
  le(7, 4);     // body offset
  le(2048, 4);  // body length
  for (auto s : {"tulp-gw", "ref", "piVerlof", "v3", "no rule"}) text(s);
  le(2, 4);
  text("a");
  text("b");
  le(1, 4);
  text("r1");

  message_rec m = sample_record();
  std::string enc;
  encode(m, enc);
  EXPECT_EQ(enc, want);

  // Version 2 appends the superseding message's id and kind.
  m.superseded_by = 9;
  m.superseded_kind = 2;
  want[0] = 2;
  le(9, 8);
  le(2, 1);
  encode(m, enc);
  EXPECT_EQ(enc, want);
  message_rec d;
  ASSERT_TRUE(decode(enc, d));
  EXPECT_EQ(d.superseded_by, 9u);
  EXPECT_EQ(d.superseded_kind, 2);
}

TEST(codec, audit_record_round_trips_with_and_without_the_chain) {
  audit_record a;
  a.at_ms = 17;
  a.kind = audit_kind::forwarded;
  a.message_id = 3;
  a.party = "rvdk";
  a.detail = "to gemeente:0363/bij";
  a.damage = "never stored";
  std::string enc;
  encode(a, enc);
  audit_record d;
  ASSERT_TRUE(decode(enc, d));
  EXPECT_FALSE(d.chained);
  EXPECT_EQ(d.seq, 0u);  // before the chain, the key alone says the seq
  EXPECT_EQ(d.kind, audit_kind::forwarded);
  EXPECT_EQ(d.detail, a.detail);
  EXPECT_EQ(d.damage, "");

  a.chained = true;
  a.seq = 41;
  a.prev_hash.fill(1);
  a.hash.fill(2);
  encode(a, enc);
  EXPECT_EQ(enc.size(), 8 + 1 + 8 + 4 + 4 + 4 + a.detail.size() + 8 + 64);
  ASSERT_TRUE(decode(enc, d));
  EXPECT_TRUE(d.chained);
  EXPECT_EQ(d.seq, 41u);
  EXPECT_EQ(d.prev_hash, a.prev_hash);
  EXPECT_EQ(d.hash, a.hash);
  for (std::size_t n = 1; n < enc.size(); ++n) {
    if (n == 29 + a.detail.size()) continue;  // the unchained record alone
    EXPECT_FALSE(decode(enc.substr(0, n), d)) << n;
  }
}

TEST(codec, hostile_counts_do_not_allocate_or_crash) {
  std::string enc;
  writer w(enc);
  w.u32(0xffffffff);  // claims four billion strings
  reader r(enc);
  std::vector<std::string> v;
  EXPECT_FALSE(r.strs(v));
  blob_header h;
  EXPECT_FALSE(decode_blob_header(enc, h));
  EXPECT_FALSE(decode_blob_header("", h));
  audit_record a;
  EXPECT_FALSE(decode("", a));
  dedup_rec dr;
  EXPECT_FALSE(decode(std::string(39, 'x'), dr));
}

TEST(codec, sha256_matches_a_known_vector) {
  std::array<unsigned char, 32> out{};
  ASSERT_TRUE(sha256("abc", out));
  EXPECT_EQ(out[0], 0xba);
  EXPECT_EQ(out[1], 0x78);
  EXPECT_EQ(out[31], 0xad);
}

TEST(codec, names_must_fit_lmdb_keys) {
  EXPECT_TRUE(valid_name("gemeente:0363"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name(std::string(256, 'a')));
  EXPECT_FALSE(valid_name(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace jubes::storage::codec
