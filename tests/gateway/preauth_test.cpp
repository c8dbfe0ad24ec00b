// SPDX-License-Identifier: EUPL-1.2
// The pre-authentication pool (gateway/src/preauth.hpp), the failure summary and log escaping.
#include "preauth.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "api.hpp"

namespace jubes::gateway::detail {
namespace {
using ev = preauth_pool::eviction;

TEST(preauth_pool, a_full_address_evicts_its_own_oldest_connection) {
  preauth_pool p({10, 2});
  std::vector<std::string> evicted;
  auto mark = [&](std::string name) { return [&evicted, name] { evicted.push_back(name); }; };
  auto a1 = p.admit("10.0.0.1", mark("a1"));
  auto b1 = p.admit("10.0.0.2", mark("b1"));
  auto a2 = p.admit("10.0.0.1", mark("a2"));
  EXPECT_EQ(a2.why, ev::none);
  auto a3 = p.admit("10.0.0.1", mark("a3"));
  EXPECT_EQ(a3.why, ev::address_cap);
  ASSERT_TRUE(a3.evict);
  a3.evict();
  EXPECT_EQ(evicted, std::vector<std::string>{"a1"});  // not b1, which is older
  EXPECT_EQ(p.size(), 3u);
  p.release(a1.t);  // the evicted connection ends: its slot is gone already
  EXPECT_EQ(p.size(), 3u);
  p.release(b1.t);
  p.release(a2.t);
  p.release(a3.t);
  EXPECT_EQ(p.size(), 0u);
}

TEST(preauth_pool, the_total_cap_evicts_the_oldest_of_all) {
  preauth_pool p({2, 10});
  std::vector<std::string> evicted;
  auto a = p.admit("a", [&] { evicted.push_back("a"); });
  auto b = p.admit("b", [&] { evicted.push_back("b"); });
  auto c = p.admit("c", [&] { evicted.push_back("c"); });
  EXPECT_EQ(c.why, ev::preauth_cap);
  c.evict();
  EXPECT_EQ(evicted, std::vector<std::string>{"a"});
  EXPECT_EQ(p.size(), 2u);
  // At max_connections a new connection takes the place of the oldest unauthenticated one.
  p.release(b.t);
  auto d = p.admit(
      "d", [] {}, true);
  EXPECT_EQ(d.why, ev::connection_cap);
  EXPECT_EQ(p.size(), 1u);
}

TEST(failure_summary, first_failure_at_once_then_at_most_one_line_per_interval) {
  failure_summary f(std::chrono::seconds(10));
  auto t0 = failure_summary::clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(f.record("closed", t0), "closed=1");
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(f.record(i % 2 ? "closed" : "timeout", t0 + std::chrono::seconds(1)));
  EXPECT_EQ(f.record("closed", t0 + std::chrono::seconds(11)), "closed=501 timeout=500");
}

TEST(printable, control_characters_from_certificates_are_escaped) {
  EXPECT_EQ(printable("gemeente:0363"), "gemeente:0363");
  EXPECT_EQ(printable("evil\n2026-11-30T00:00:00Z ERROR forged\r\x1b[31m"),
            "evil\\x0A2026-11-30T00:00:00Z ERROR forged\\x0D\\x1B[31m");
  EXPECT_EQ(printable("Gemeente \xc3\xa9"), "Gemeente \xc3\xa9");  // UTF-8 stays
}

TEST(readiness, not_ready_while_the_store_is_full_or_draining) {
  const storage::store_health ok;
  EXPECT_EQ(readiness(true, false, ok, 50, 100, 95), "");
  EXPECT_EQ(readiness(true, true, ok, 50, 100, 95), "draining");
  EXPECT_EQ(readiness(false, false, ok, 0, 100, 95), "not open");
  auto why = readiness(true, false, ok, 95, 100, 95);
  EXPECT_NE(why.find("store full: 95 of 100 bytes used"), std::string::npos) << why;
  // Near the 1 TiB maximum: no overflow.
  std::uint64_t tib = 1ull << 40;
  EXPECT_EQ(readiness(true, false, ok, tib / 2, tib, 95), "");
  EXPECT_NE(readiness(true, false, ok, tib, tib, 95), "");
}

TEST(readiness, not_ready_while_the_store_says_full_or_failed_whatever_the_percentage) {
  using st = storage::store_health::state;
  EXPECT_EQ(readiness(true, false, {st::failed, "store failed: sync: Input/output error"}, 1, 100, 95),
            "failed: store failed: sync: Input/output error");
  EXPECT_EQ(readiness(true, false, {st::full, "store full: the map is at its maximum"}, 1, 100, 95),
            "full: store full: the map is at its maximum");
  EXPECT_EQ(readiness(true, true, {st::failed, "x"}, 1, 100, 95), "draining");
}

}  // namespace
}  // namespace jubes::gateway::detail
