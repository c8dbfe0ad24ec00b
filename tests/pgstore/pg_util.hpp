// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Opening pgstore instances on fresh databases of the test binary's server.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pg_server.hpp"
#include "pgstore/pgstore.hpp"

namespace jubes::pgtest {

/// Options for a test store on `conninfo`: no background retention.
inline pgstore::options test_options(const std::string& conninfo) {
  pgstore::options o;
  o.conninfo = conninfo;
  o.retention_interval = std::chrono::milliseconds(0);
  return o;
}

/// A new database with the schema applied. @return its connection string
inline std::string migrated_database() {
  auto ci = server().create_database();
  auto m = pgstore::migrate(ci);
  if (!m) ADD_FAILURE() << "migrate: " << m.error().message();
  return ci;
}

inline std::unique_ptr<pgstore::store> open_ok(const pgstore::options& o) {
  auto s = pgstore::store::open(o);
  if (!s) ADD_FAILURE() << "open: " << s.error().message();
  return s ? std::move(*s) : nullptr;
}

}  // namespace jubes::pgtest
