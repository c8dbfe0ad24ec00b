// SPDX-License-Identifier: EUPL-1.2
// main() of a pg test binary: the throw-away PostgreSQL as a global environment.
#include <gtest/gtest.h>

#include "pg_server.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  jubes::pgtest::install_environment();
  return RUN_ALL_TESTS();
}
