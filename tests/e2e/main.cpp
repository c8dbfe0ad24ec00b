// SPDX-License-Identifier: EUPL-1.2
// main() of the e2e binaries that CTest runs twice: as they are (LMDB, label e2e) and with
// JUBES_E2E_STORE=postgresql (labels e2e;pg), where the binary starts its own throw-away
// PostgreSQL before the first test and stops it after the last (tests/pgstore/pg_server.hpp).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "pg_server.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (const char* b = std::getenv("JUBES_E2E_STORE"); b && std::string(b) == "postgresql")
    jubes::pgtest::install_environment();
  return RUN_ALL_TESTS();
}
