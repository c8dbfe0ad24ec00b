// SPDX-License-Identifier: EUPL-1.2
// The backend contract suite (contract/contract_suite.hpp) on the embedded LMDB store.
#include "contract/at_rest_suite.hpp"
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

std::shared_ptr<void> lmdb_place() {
  return std::make_shared<testing::temp_dir>("contract-at-rest");
}
jubes::result<std::unique_ptr<backend>> open_lmdb_at(const std::shared_ptr<void>& place, const at_rest_options& a) {
  auto o = test::test_options(static_cast<testing::temp_dir*>(place.get())->path() / "store");
  o.at_rest = a;
  auto s = store::open(o);
  if (!s) return s.error();
  return std::unique_ptr<backend>(std::move(*s));
}

INSTANTIATE_TEST_SUITE_P(lmdb, at_rest_contract, ::testing::Values(at_rest_backend{"lmdb", lmdb_place, open_lmdb_at}),
                         at_rest_name);

}  // namespace
}  // namespace jubes::storage::contract
