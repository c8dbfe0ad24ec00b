// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The integrity check behind store::check and `jubesctl check`: every table walked once in one
// read transaction, cross-checked against the others. Threading: any thread.
#include "database.hpp"
#include "storage/types.hpp"

namespace jubes::storage {

/// @return the report; a store that cannot be read at all is one problem line, not an error.
check_report check(const database& db);

}  // namespace jubes::storage
