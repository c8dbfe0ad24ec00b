// SPDX-License-Identifier: EUPL-1.2
// The backend contract suite (tests/storage/contract/contract_suite.hpp) on the PostgreSQL store.
#include "contract/at_rest_suite.hpp"
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

std::shared_ptr<void> pg_place() {
  return std::make_shared<std::string>(pgtest::migrated_database());
}
jubes::result<std::unique_ptr<backend>> open_pg_at(const std::shared_ptr<void>& place, const at_rest_options& a) {
  auto o = pgtest::test_options(*static_cast<std::string*>(place.get()));
  o.at_rest = a;
  auto s = pgstore::store::open(o);
  if (!s) return s.error();
  return std::unique_ptr<backend>(std::move(*s));
}

INSTANTIATE_TEST_SUITE_P(postgresql, at_rest_contract,
                         ::testing::Values(at_rest_backend{"postgresql", pg_place, open_pg_at}), at_rest_name);

}  // namespace
}  // namespace jubes::storage::contract
