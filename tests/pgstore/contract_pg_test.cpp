// SPDX-License-Identifier: EUPL-1.2
// The backend contract suite (tests/storage/contract/contract_suite.hpp) on the PostgreSQL store.
#include "contract/audit_chain_suite.hpp"
#include "contract/deadline_suite.hpp"
#include "contract/supersede_suite.hpp"
#include "pg_util.hpp"

namespace jubes::storage::contract {
namespace {

opened open_pg() {
  auto s = pgtest::open_ok(pgtest::test_options(pgtest::migrated_database()));
  return opened{nullptr, std::move(s)};
}

INSTANTIATE_TEST_SUITE_P(postgresql, backend_contract, ::testing::Values(contract_backend{"postgresql", open_pg}),
                         contract_name);

}  // namespace
}  // namespace jubes::storage::contract
