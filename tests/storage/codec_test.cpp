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

TEST(codec, message_record_round_trips_and_truncation_is_rejected) {
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
  audit_rec a;
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
