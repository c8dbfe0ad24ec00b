// SPDX-License-Identifier: EUPL-1.2
#include "rate_limiter.hpp"

#include <gtest/gtest.h>

#include "testing/testing.hpp"

namespace jubes::gateway::detail {
namespace {

using namespace std::chrono_literals;

TEST(rate_limiter, a_burst_then_the_rate_without_sleeping) {
  jubes::testing::manual_clock clock;
  rate_limiter rl(2, 3, clock.fn());  // 2 per second, bursts of 3
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 1u);  // empty: half a second to the next token, rounded up to whole seconds
  clock.advance(500ms);
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 1u);
}

TEST(rate_limiter, parties_have_their_own_buckets) {
  jubes::testing::manual_clock clock;
  rate_limiter rl(1, 1, clock.fn());
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 1u);
  EXPECT_EQ(rl.take("b"), 0u);
}

TEST(rate_limiter, refill_stops_at_the_burst_and_the_wait_is_whole_seconds) {
  jubes::testing::manual_clock clock;
  rate_limiter rl(0.25, 2, clock.fn());  // one token every 4 s
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 4u);
  clock.advance(std::chrono::hours(1));  // refills to 2, not 900
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_EQ(rl.take("a"), 0u);
  EXPECT_GT(rl.take("a"), 0u);
}

}  // namespace
}  // namespace jubes::gateway::detail
