// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A GoogleTest fixture of the end-to-end tests: one real jubesd, started on the default test
// configuration (support.hpp, test_config) in a fresh temporary directory before each test, and
// killed by jubesd's destructor after it.
#include <gtest/gtest.h>

#include <memory>

#include "support.hpp"

namespace jubes::e2e {

class started_gateway : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = write_file(dir_.path(), "jubes.yaml", test_config(dir_.path() / "data"));
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

}  // namespace jubes::e2e
