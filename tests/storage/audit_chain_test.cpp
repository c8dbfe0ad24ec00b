// SPDX-License-Identifier: EUPL-1.2
// The audit chain's canonical encoding and hash (against vectors computed independently with
// Python's hashlib from the encoding documented in storage/audit_chain.hpp), and the verifier on
// hand-made chains: intact, altered, removed, reordered, truncated, with and without checkpoints.
#include "storage/audit_chain.hpp"

#include <gtest/gtest.h>

namespace jubes::storage {
namespace {

using namespace audit_chain;

audit_record rec(std::uint64_t seq, audit_kind k, std::uint64_t id, std::string party, std::string detail,
                 std::int64_t at) {
  audit_record r;
  r.seq = seq;
  r.at_ms = at;
  r.kind = k;
  r.message_id = id;
  r.party = std::move(party);
  r.detail = std::move(detail);
  return r;
}

/// A chain of n records after `anchor`.
std::vector<audit_record> chain(std::size_t n, chain_point anchor = {}) {
  std::vector<audit_record> v;
  digest prev = anchor.hash;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = rec(anchor.seq + i + 1, audit_kind::accepted, 100 + i, "tulp-gw", "piBeeindiging to=rvdk",
                 1000 + static_cast<std::int64_t>(i));
    seal(r, prev);
    prev = r.hash;
    v.push_back(r);
  }
  return v;
}

audit_chain_state ends(const std::vector<audit_record>& v, chain_point anchor = {}) {
  audit_chain_state st;
  st.anchor = anchor;
  st.head = v.empty() ? anchor : chain_point{v.back().seq, v.back().hash, v.back().at_ms};
  return st;
}

verify_report run(const std::vector<audit_record>& v, audit_chain_state st, std::optional<chain_point> cp = {}) {
  verifier ver(st, cp);
  for (const auto& r : v) {
    if (r.seq < ver.start_seq() && !(r.seq <= st.anchor.seq)) continue;
    if (!ver.feed(r)) break;
  }
  return ver.finish();
}

TEST(audit_chain, canonical_encoding_and_hash_match_an_independent_implementation) {
  auto a = rec(7, audit_kind::routes_reloaded, 0, "operator", "routes reload version=abc; reason: fix rule 12",
               1764527220000);
  seal(a, digest{});
  EXPECT_EQ(hex(a.hash), "75e4bc7a31b2787bd3247e0aab0ab6815e76d34887978eda6377b0ca6cc6a80b");
  auto b = rec(8, audit_kind::read, 42, "gemeente:0363", "", 1764527220001);
  seal(b, a.hash);
  EXPECT_EQ(hex(b.hash), "cbad18168fdc78bf5b0a8aaffbdb553ad0fefa84536a37503894d4ce84ab83f3");
  EXPECT_TRUE(b.chained);
  EXPECT_EQ(b.prev_hash, a.hash);
  // Every field is covered: change one, the hash changes.
  auto c = b;
  c.detail = "x";
  EXPECT_NE(hash_of(c), b.hash);
  c = b;
  c.seq = 9;
  EXPECT_NE(hash_of(c), b.hash);
  c = b;
  c.at_ms += 1;
  EXPECT_NE(hash_of(c), b.hash);
  // Length prefixes: moving bytes between party and detail changes it too.
  auto d1 = rec(1, audit_kind::read, 1, "ab", "c", 0), d2 = rec(1, audit_kind::read, 1, "a", "bc", 0);
  EXPECT_NE(hash_of(d1), hash_of(d2));
}

TEST(audit_chain, hex_and_checkpoint_json_round_trip) {
  auto v = chain(3);
  chain_point p{v.back().seq, v.back().hash, 1764527220123};
  auto j = checkpoint_json(p);
  EXPECT_NE(j.find("\"at\":\"2025-11-30T18:27:00.123Z\""), std::string::npos) << j;
  auto back = parse_checkpoint(j);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->seq, 3u);
  EXPECT_EQ(back->hash, p.hash);
  EXPECT_FALSE(parse_checkpoint("{\"seq\":3}"));
  EXPECT_FALSE(parse_checkpoint("{\"seq\":3,\"hash\":\"abc\"}"));
  EXPECT_FALSE(parse_checkpoint("not json"));
}

TEST(audit_chain, iso8601_parses_what_it_prints_and_dates) {
  std::int64_t ms = 0;
  ASSERT_TRUE(parse_iso8601("2025-11-30T18:27:00.123Z", ms));
  EXPECT_EQ(ms, 1764527220123);
  EXPECT_EQ(iso8601(ms), "2025-11-30T18:27:00.123Z");
  ASSERT_TRUE(parse_iso8601("2025-11-30", ms));
  EXPECT_EQ(ms, 1764460800000);
  ASSERT_TRUE(parse_iso8601("2025-11-30T18:27:00+00:00", ms));
  EXPECT_EQ(ms, 1764527220000);
  EXPECT_FALSE(parse_iso8601("yesterday", ms));
  EXPECT_FALSE(parse_iso8601("2025-13-01", ms));
  EXPECT_FALSE(parse_iso8601("2025-11-30T18:27:00+02:00", ms));
}

TEST(audit_chain, an_intact_chain_verifies) {
  auto v = chain(5);
  auto r = run(v, ends(v));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checked, 5u);
  EXPECT_EQ(r.head.seq, 5u);
  EXPECT_NE(to_text(r).find("ok: 5 records"), std::string::npos) << to_text(r);
  auto empty = run({}, ends({}));
  EXPECT_TRUE(empty.ok) << empty.problem;
}

TEST(audit_chain, an_altered_record_is_named_with_hash_mismatch) {
  auto v = chain(5);
  auto st = ends(v);
  v[2].detail = "piBeeindiging to=gemeente:0014";
  auto r = run(v, st);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 3u);
  EXPECT_NE(r.problem.find("hash mismatch"), std::string::npos) << r.problem;
  EXPECT_NE(to_text(r).find("broken: seq 3: hash mismatch"), std::string::npos) << to_text(r);
}

TEST(audit_chain, a_record_rewritten_with_a_fresh_hash_breaks_the_link_of_its_successor) {
  auto v = chain(5);
  auto st = ends(v);
  v[1].party = "someone-else";
  seal(v[1], v[0].hash);  // the forger recomputed its hash, but not the records after it
  auto r = run(v, st);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 3u);
  EXPECT_NE(r.problem.find("chain break"), std::string::npos) << r.problem;
}

TEST(audit_chain, a_removed_record_is_a_gap) {
  auto v = chain(5);
  auto st = ends(v);
  v.erase(v.begin() + 1);
  auto r = run(v, st);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 2u);
  EXPECT_NE(r.problem.find("gap"), std::string::npos) << r.problem;
}

TEST(audit_chain, swapped_records_are_found_at_the_first_moved_one) {
  auto v = chain(5);
  auto st = ends(v);
  std::swap(v[1].detail, v[2].detail);  // contents exchanged between seq 2 and 3
  std::swap(v[1].message_id, v[2].message_id);
  auto r = run(v, st);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 2u);
  // A record stored out of seq order (LMDB keeps the seq in the value, too).
  auto w = chain(5);
  std::swap(w[1], w[2]);
  auto r2 = run(w, ends(chain(5)));
  ASSERT_FALSE(r2.ok);
  EXPECT_EQ(r2.bad_seq, 2u);
}

TEST(audit_chain, removed_newest_records_are_truncation_against_the_head) {
  auto v = chain(5);
  auto st = ends(v);
  v.pop_back();
  auto r = run(v, st);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 5u);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
}

TEST(audit_chain, verification_starts_at_the_retention_anchor_and_says_so) {
  auto all = chain(6);
  chain_point anchor{all[2].seq, all[2].hash, all[2].at_ms};
  std::vector<audit_record> kept(all.begin() + 3, all.end());
  auto r = run(kept, ends(kept, anchor));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checked, 3u);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("anchor at seq 3"), std::string::npos) << r.notes[0];
  // The first kept record must link to the anchor.
  chain_point wrong = anchor;
  wrong.hash[0] ^= 1;
  auto bad = run(kept, ends(kept, wrong));
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.bad_seq, 4u);
}

TEST(audit_chain, a_checkpoint_must_still_match_and_the_chain_must_reach_it) {
  auto v = chain(6);
  auto st = ends(v);
  chain_point cp{v[3].seq, v[3].hash, v[3].at_ms};
  auto ok = run(v, st, cp);
  EXPECT_TRUE(ok.ok) << ok.problem;
  EXPECT_EQ(ok.from.seq, 4u);
  EXPECT_EQ(ok.checked, 3u);  // records 4, 5, 6
  // Everything re-hashed by a forger from record 2 on: self-consistent, but not the checkpoint.
  auto forged = v;
  forged[1].detail = "forged";
  for (std::size_t i = 1; i < forged.size(); ++i) seal(forged[i], forged[i - 1].hash);
  auto r = run(forged, ends(forged), cp);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 4u);
  EXPECT_NE(r.problem.find("checkpoint mismatch"), std::string::npos) << r.problem;
  EXPECT_TRUE(run(forged, ends(forged)).ok);  // which only a checkpoint kept elsewhere can show
  // A checkpoint beyond the head: the newest records were removed (and the head rewritten).
  std::vector<audit_record> cut(v.begin(), v.begin() + 2);
  auto t = run(cut, ends(cut), cp);
  ASSERT_FALSE(t.ok);
  EXPECT_NE(t.problem.find("truncated"), std::string::npos) << t.problem;
}

TEST(audit_chain, records_from_before_the_chain_are_counted_not_checked) {
  std::vector<audit_record> v;
  for (std::uint64_t s = 1; s <= 3; ++s) v.push_back(rec(s, audit_kind::accepted, s, "tulp-gw", "", 0));
  chain_point anchor{3, {}, 0};
  auto more = chain(2, anchor);
  v.insert(v.end(), more.begin(), more.end());
  auto r = run(v, ends(more, anchor));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.pre_chain, 3u);
  EXPECT_EQ(r.checked, 2u);
  // An unchained record after the anchor is an altered one.
  v[4].chained = false;
  auto bad = run(v, ends(more, anchor));
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.bad_seq, 5u);
}

}  // namespace
}  // namespace jubes::storage
