// SPDX-License-Identifier: EUPL-1.2
// jubesctl db migrate: the embedded migrations, applied in order, each in its own transaction
// together with its row in jubes_schema, under a session advisory lock.
#include "common/log.hpp"
#include "migrations.hpp"
#include "pgstore/pgstore.hpp"
#include "pq.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore {

namespace {

using storage::errc;
constexpr std::string_view log_c = "pgstore";
constexpr const char* lock_key = "4242170001";  // pg_advisory_lock key of `db migrate`

jubes::result<std::uint32_t> current_version(PGconn* c) {
  pq::res r = pq::exec(c, "SELECT coalesce(max(version), 0) FROM jubes_schema", {}, false);
  if (!r.ok()) {
    if (r.state() == "42P01") return 0u;  // no jubes_schema table: an empty database
    return pq::error_of(c, r, "reading the schema version");
  }
  return static_cast<std::uint32_t>(std::stoul(r.text(0, 0)));
}

jubes::result<void> apply(PGconn* c, std::uint32_t version, const detail::migration& m) {
  pq::res b = pq::exec(c, "BEGIN", {}, false);
  if (!b.ok()) return pq::error_of(c, b, "BEGIN");
  // The simple protocol: a migration file holds several statements.
  pq::res r(PQexec(c, std::string(m.sql).c_str()));
  if (!r.ok()) {
    auto e = pq::error_of(c, r, "migration " + std::string(m.file));
    pq::res rb = pq::exec(c, "ROLLBACK", {}, false);
    return e;
  }
  pq::params p;
  p.u64(version).text(std::string(m.file));
  pq::res v = pq::exec(c, "INSERT INTO jubes_schema (version, file) VALUES ($1::integer, $2)", p, false);
  if (!v.ok()) return pq::error_of(c, v, "recording migration " + std::string(m.file));
  pq::res cm = pq::exec(c, "COMMIT", {}, false);
  if (!cm.ok()) return pq::error_of(c, cm, "COMMIT of migration " + std::string(m.file));
  log::info(log_c, "migrated", {{"version", version}, {"file", std::string(m.file)}});
  return {};
}

jubes::result<migrate_report> migrate_locked(PGconn* c) {
  pq::res t = pq::exec(c,
                       "CREATE TABLE IF NOT EXISTS jubes_schema (version integer PRIMARY KEY, file text NOT NULL, "
                       "applied_at timestamptz NOT NULL DEFAULT now())",
                       {}, false);
  if (!t.ok()) return pq::error_of(c, t, "creating jubes_schema");
  auto cur = current_version(c);
  if (!cur) return cur.error();
  migrate_report rep{*cur, *cur};
  const auto& all = detail::migrations();
  if (*cur > all.size())
    return fail(errc::bad_version, "the database has schema version " + std::to_string(*cur) +
                                       ", newer than this build's " + std::to_string(all.size()) +
                                       ": upgrade jubes, never downgrade the schema");
  for (std::size_t i = *cur; i < all.size(); ++i) {
    if (auto r = apply(c, static_cast<std::uint32_t>(i + 1), all[i]); !r) return r.error();
    rep.to = static_cast<std::uint32_t>(i + 1);
  }
  return rep;
}

}  // namespace

std::uint32_t schema_version() noexcept {
  return static_cast<std::uint32_t>(detail::migrations().size());
}

jubes::result<migrate_report> migrate(const std::string& conninfo) {
  auto c = pq::connect(conninfo, "migrate");
  if (!c) return c.error();
  pq::res l = pq::exec(c->get(), std::string("SELECT pg_advisory_lock(") + lock_key + ")", {}, false);
  if (!l.ok()) return pq::error_of(c->get(), l, "pg_advisory_lock");
  auto rep = migrate_locked(c->get());
  pq::res u = pq::exec(c->get(), std::string("SELECT pg_advisory_unlock(") + lock_key + ")", {}, false);
  return rep;
}

jubes::result<void> check_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* o = PQconninfoParse(conninfo.c_str(), &err);
  if (!o) {
    std::string why = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return fail(errc::invalid_argument, "PostgreSQL connection string: " + why);
  }
  PQconninfoFree(o);
  return {};
}

namespace detail {

/// open()'s check: the database's schema is exactly this build's.
jubes::result<void> check_schema(const std::string& conninfo) {
  auto c = pq::connect(conninfo, "open");
  if (!c) return c.error();
  auto cur = current_version(c->get());
  if (!cur) return cur.error();
  if (*cur == schema_version()) return {};
  if (*cur == 0) return fail(errc::bad_version, "the database has no jubes schema: run `jubesctl db migrate`");
  if (*cur < schema_version())
    return fail(errc::bad_version, "the database has schema version " + std::to_string(*cur) + ", this build needs " +
                                       std::to_string(schema_version()) + ": run `jubesctl db migrate`");
  return fail(errc::bad_version, "the database has schema version " + std::to_string(*cur) +
                                     ", newer than this build's " + std::to_string(schema_version()) +
                                     ": upgrade jubes");
}

}  // namespace detail

}  // namespace jubes::pgstore
