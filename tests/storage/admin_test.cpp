// SPDX-License-Identifier: EUPL-1.2
#include "storage/admin.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace jubes::storage {
namespace {

using test::make_req;

TEST(admin, outbox_list_reports_backlog_and_age) {
  test::temp_dir d;
  test::fake_clock clock;
  auto o = test::test_options(d.path());
  o.clock = clock.fn();
  auto s = test::open_ok(o);
  for (int i = 0; i < 4; ++i) test::ingest_ok(*s, make_req("tulp-gw", "r" + std::to_string(i), {"rvdk"}));
  test::ingest_ok(*s, make_req("tulp-gw", "x", {"gemeente:0363"}));
  test::ack(*s, "rvdk", 1);
  test::ack(*s, "gemeente:0363", 1);
  auto ro = test::open_ro_ok(d.path());
  auto rows = admin::outbox_list(*ro, clock.now_ms() + 90'000);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].recipient, "gemeente:0363");
  EXPECT_EQ((*rows)[0].backlog, 0u);
  EXPECT_EQ((*rows)[0].oldest_unacked_age_s, 0);
  EXPECT_EQ((*rows)[1].recipient, "rvdk");
  EXPECT_EQ((*rows)[1].head, 4u);
  EXPECT_EQ((*rows)[1].cursor, 1u);
  EXPECT_EQ((*rows)[1].backlog, 3u);
  EXPECT_EQ((*rows)[1].oldest_unacked_age_s, 90);
  auto text = admin::to_text(*rows);
  EXPECT_NE(text.find("recipient"), std::string::npos);
  EXPECT_NE(text.find("rvdk"), std::string::npos);

  auto st = ro->stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->messages, 5u);
  EXPECT_EQ(st->unacked, 3u);
  EXPECT_EQ(st->recipients, 2u);
  EXPECT_EQ(st->format_version, format_version);
  EXPECT_NE(admin::to_text(*st).find("messages=5\n"), std::string::npos);
  EXPECT_EQ(admin::to_text(ro->check()).rfind("ok:", 0), 0u);
}

TEST(admin, parked_list_and_check_text) {
  test::temp_dir d;
  auto s = test::open_ok(test::test_options(d.path()));
  auto r = make_req("jvs", "p", {});
  r.park_reason = "no municipality";
  test::ingest_ok(*s, r);
  auto p = admin::parked_list(*s);
  ASSERT_TRUE(p);
  auto text = admin::to_text(*p);
  EXPECT_NE(text.find("jvs p piBeeindiging"), std::string::npos);
  EXPECT_NE(text.find("\"no municipality\""), std::string::npos);
  check_report bad;
  bad.problems.push_back("outbox rvdk: gap after seq 1 (next 3)");
  auto bt = admin::to_text(bad);
  EXPECT_EQ(bt.rfind("FAILED: 1 problem(s)", 0), 0u);
  EXPECT_NE(bt.find("gap after seq 1"), std::string::npos);
}

TEST(admin, purge_offline_is_refused_while_the_gateway_holds_the_store) {
  test::temp_dir d;
  test::fake_clock clock;
  auto o = test::test_options(d.path());
  o.clock = clock.fn();
  {
    auto s = test::open_ok(o);
    test::ingest_ok(*s, make_req("tulp-gw", "a", {"rvdk"}));
    auto locked = admin::purge_offline(o);
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error(), errc::locked);
  }
  o.retention_bodies = std::chrono::seconds(10);
  clock.advance(std::chrono::seconds(11));
  auto r = admin::purge_offline(o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->bodies, 1u);
  EXPECT_NE(admin::to_text(*r).find("bodies=1"), std::string::npos);
  auto ro = test::open_ro_ok(d.path());
  EXPECT_TRUE((*ro->get(1))->purged);
  EXPECT_TRUE(ro->check().ok());
}

TEST(admin, backup_through_admin) {
  test::temp_dir d, b;
  auto s = test::open_ok(test::test_options(d.path()));
  test::ingest_ok(*s, make_req("tulp-gw", "a", {"rvdk"}));
  auto ro = test::open_ro_ok(d.path());
  ASSERT_TRUE(admin::backup(*ro, b.path() / "bk"));
  auto c = store::open_readonly(b.path() / "bk");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->read_outbox("rvdk", 0, 5)->size(), 1u);
}

}  // namespace
}  // namespace jubes::storage
