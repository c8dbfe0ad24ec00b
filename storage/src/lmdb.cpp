// SPDX-License-Identifier: EUPL-1.2
#include "lmdb.hpp"

#include "storage/errc.hpp"

namespace jubes::storage::lmdb {

boost::system::error_code to_error_code(int rc) noexcept {
  switch (rc) {
    case 0:
      return {};
    case MDB_MAP_FULL:
      return errc::store_full;
    case MDB_NOTFOUND:
      return errc::not_found;
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
    case MDB_INCOMPATIBLE:
      return errc::bad_version;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      return errc::corrupt;
    default:
      return errc::io_error;
  }
}

}  // namespace jubes::storage::lmdb
