// SPDX-License-Identifier: EUPL-1.2
// main() of the e2e binaries that only run on PostgreSQL (jubes_e2e_pg_test): this binary's
// throw-away PostgreSQL starts before the first test and stops after the last
// (tests/pgstore/pg_server.hpp).
#include <gtest/gtest.h>

#include "pg_server.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  jubes::pgtest::install_environment();
  return RUN_ALL_TESTS();
}
