// SPDX-License-Identifier: EUPL-1.2
#include "common/bsn.hpp"

#include <gtest/gtest.h>

TEST(bsn_eleven_test, accepts_numbers_that_pass_the_test) {
  EXPECT_TRUE(jubes::bsn_eleven_test("123456782"));
  EXPECT_TRUE(jubes::bsn_eleven_test("111222333"));
}

TEST(bsn_eleven_test, refuses_checksum_failures_zero_and_malformed_numbers) {
  EXPECT_FALSE(jubes::bsn_eleven_test("123456789"));
  EXPECT_FALSE(jubes::bsn_eleven_test("000000000"));  // passes the sum, but is not a BSN
  EXPECT_FALSE(jubes::bsn_eleven_test("12345678"));
  EXPECT_FALSE(jubes::bsn_eleven_test("1234567820"));
  EXPECT_FALSE(jubes::bsn_eleven_test("12345678a"));
  EXPECT_FALSE(jubes::bsn_eleven_test(""));
}
