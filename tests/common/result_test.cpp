// SPDX-License-Identifier: EUPL-1.2
#include "common/result.hpp"

#include <gtest/gtest.h>

#include <boost/system/errc.hpp>
#include <stdexcept>

namespace {

const boost::system::error_code invalid = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);

jubes::result<int> half(int x) {
  if (x % 2) return jubes::fail(invalid, "odd: " + std::to_string(x));
  return x / 2;
}

jubes::result<void> check_positive(int x) {
  if (x <= 0) return boost::system::errc::make_error_code(boost::system::errc::result_out_of_range);
  return {};
}

}  // namespace

TEST(result, carries_a_value_or_an_error_with_detail) {
  auto a = half(4);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 2);
  auto b = half(3);
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error() == invalid);
  EXPECT_EQ(b.error().message(), "odd: 3");
}

TEST(result, message_falls_back_to_the_code_without_detail) {
  auto r = check_positive(0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "");
  EXPECT_EQ(r.error().message(), r.error().code.message());
  EXPECT_TRUE(check_positive(1));
}

TEST(result, value_of_an_error_throws_a_system_error_naming_the_detail) {
  auto r = half(5);
  try {
    (void)r.value();
    FAIL() << "value() of an error did not throw";
  } catch (const boost::system::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("odd: 5"), std::string::npos) << e.what();
  }
}
