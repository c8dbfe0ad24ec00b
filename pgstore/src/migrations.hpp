// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The schema migrations embedded at build time (pgstore/migrations/NNNN_name.sql, in order).
#include <string_view>
#include <vector>

namespace jubes::pgstore::detail {

struct migration {
  std::string_view file;  ///< "0001_initial.sql": the number is the schema version it makes
  std::string_view sql;
};

/// Every migration, sorted by file name; migration i makes schema version i + 1.
const std::vector<migration>& migrations();

}  // namespace jubes::pgstore::detail
