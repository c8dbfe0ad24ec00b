// SPDX-License-Identifier: EUPL-1.2
// The audit chain in the LMDB store beyond the backend contract: retention removes a prefix and
// leaves an anchor that verification starts from (also after a restart), and a store at its
// high-water mark refuses new messages while acknowledgements and their audit records go on.
#include <gtest/gtest.h>

#include "storage/admin.hpp"
#include "storage/audit_chain.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

using namespace test;
constexpr std::int64_t day_ms = 86'400'000;

TEST(audit_store, retention_leaves_an_anchor_and_the_chain_still_verifies_after_a_restart) {
  temp_dir dir("audit-anchor");
  fake_clock clock;
  auto o = test_options(dir.path());
  o.clock = clock.fn();
  o.retention_audit = std::chrono::hours(24);
  {
    auto s = open_ok(o);
    for (int i = 0; i < 3; ++i) ingest_ok(*s, make_req("tulp-gw", "old-" + std::to_string(i), {"rvdk"}));
    auto before = s->audit(0);
    ASSERT_TRUE(before);
    ASSERT_EQ(before->size(), 3u);
    clock.set(clock.now_ms() + 2 * day_ms);
    ingest_ok(*s, make_req("tulp-gw", "new", {"rvdk"}));
    auto p = purge(*s);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->audit, 3u);
    auto st = s->audit_chain();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->anchor.seq, 3u);
    EXPECT_EQ(st->anchor.hash, (*before)[2].hash);
    auto v = audit_chain::verify(*s);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->checked, 1u);
    ASSERT_FALSE(v->notes.empty());
    EXPECT_NE(v->notes.back().find("anchor at seq 3"), std::string::npos) << v->notes.back();
  }
  auto s = open_ok(o);  // the ends come back from meta; the chain goes on from the head
  ingest_ok(*s, make_req("tulp-gw", "after-restart", {"rvdk"}));
  auto v = audit_chain::verify(*s);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->checked, 2u);
  EXPECT_EQ(v->head.seq, 5u);
}

TEST(audit_store, ingest_stops_at_the_high_water_mark_while_acks_and_their_audit_records_go_on) {
  temp_dir dir("audit-full");
  auto o = test_options(dir.path());
  o.map_size_initial = o.map_size_max = 2u << 20;  // reserve: 256 KiB
  o.durable = false;
  auto s = open_ok(o);
  const std::string body(4096, 'x');
  std::uint64_t accepted = 0;
  bool full = false;
  for (int i = 0; i < 2000 && !full; ++i) {
    auto r = ingest(*s, make_req("tulp-gw", "f" + std::to_string(i), {"rvdk"}, "<a>" + body + "</a>"));
    if (r) {
      ++accepted;
    } else {
      ASSERT_EQ(r.error(), errc::store_full) << r.error().message();
      full = true;
    }
  }
  ASSERT_TRUE(full) << "the store never filled";
  ASSERT_GT(accepted, 10u);
  EXPECT_EQ(s->health().st, store_health::state::full);
  // Below the real limit: every accepted message can still be acknowledged, each one audited.
  auto a = ack(*s, "rvdk", accepted);
  ASSERT_TRUE(a) << a.error().message();
  auto trail = s->audit(0);
  ASSERT_TRUE(trail);
  std::uint64_t acked = 0;
  for (const auto& r : *trail) acked += r.kind == audit_kind::acked;
  EXPECT_EQ(acked, accepted);
  auto op = admin::record(*s, {audit_kind::backup_taken, 0, "operator", "backup /b; reason: before cleanup"});
  EXPECT_TRUE(op) << op.error().message();
  auto v = audit_chain::verify(*s);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->checked, accepted * 2 + 1);
}

}  // namespace
}  // namespace jubes::storage
