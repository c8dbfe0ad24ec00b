// SPDX-License-Identifier: EUPL-1.2
// The backend contract suite (contract/contract_suite.hpp) on the embedded LMDB store.
#include "contract/audit_chain_suite.hpp"
#include "contract/deadline_suite.hpp"
#include "contract/supersede_suite.hpp"
#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage::contract {
namespace {

opened open_lmdb() {
  auto dir = std::make_shared<testing::temp_dir>("contract");
  auto s = store::open(test::test_options(dir->path()));
  if (!s) {
    ADD_FAILURE() << "open: " << s.error().message();
    return {};
  }
  return opened{dir, std::move(*s)};
}

INSTANTIATE_TEST_SUITE_P(lmdb, backend_contract, ::testing::Values(contract_backend{"lmdb", open_lmdb}), contract_name);

}  // namespace
}  // namespace jubes::storage::contract
