// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Tests of the party directory: a municipality table in service, swapped by a "reload" as the
// pipeline's route snapshot is, and the check the directory is built with.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>

#include "routing/gemeente_registry.hpp"

namespace jubes::gateway::detail {

inline std::shared_ptr<const routing::gemeente_registry> table_of(std::string_view csv) {
  auto g = routing::gemeente_registry::parse(csv, "gemeenten.csv");
  EXPECT_TRUE(g) << g.error().message();
  return *g;
}

// The directory asks whatever table is in service at each find(), as the server's route snapshot does.
struct registry_in_service {
  explicit registry_in_service(std::string_view csv) : current(table_of(csv)) {}
  std::atomic<std::shared_ptr<const routing::gemeente_registry>> current;
  std::function<bool(std::string_view)> check() {
    return [this](std::string_view code) { return current.load()->is_current(code); };
  }
};

}  // namespace jubes::gateway::detail
