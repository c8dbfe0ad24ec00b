// SPDX-License-Identifier: EUPL-1.2
// jubesctl's store commands: outbox list, stats, check, backup, backup verify, restore, init, purge,
// db migrate (the command table is in ctl.cpp).
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "admin_view.hpp"
#include "common/log.hpp"
#include "ctl_audit.hpp"
#include "ctl_context.hpp"
#include "pgstore/pgstore.hpp"
#include "storage/admin.hpp"
#include "wiring.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;
namespace fs = std::filesystem;
using detail::to_json;

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
std::string fixed(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << v;
  return o.str();
}
}  // namespace

outcome cmd_outbox_list(context& c, args& a) {
  a.exactly(0, "outbox list");
  auto s = c.open_readonly();
  auto rows = storage::admin::outbox_list(*s, now_ms());
  if (!rows) return failure(failed, "outbox list: " + rows.error().message());
  return success(to_json(*rows), storage::admin::to_text(*rows));
}

outcome cmd_stats(context& c, args& a) {
  a.exactly(0, "stats");
  auto s = c.open_readonly();
  auto st = s->stats();
  if (!st) return failure(failed, "stats: " + st.error().message());
  return success(to_json(*st), storage::admin::to_text(*st));
}

outcome cmd_check(context& c, args& a) {
  a.exactly(0, "check");
  // In a child process: a store damaged in LMDB's own page structure can crash LMDB itself;
  // check reports that as a problem instead of dying (storage::admin::check_isolated).
  storage::check_report r;
  if (c.postgresql()) {
    r = c.open_readonly()->check();
  } else {
    auto so = c.lmdb();  // with the KEK: check opens every sealed blob
    r = storage::admin::check_isolated(so.dir, so.at_rest);
  }
  auto o = success(to_json(r), storage::admin::to_text(r));
  if (!r.ok()) {
    o.code = failed;
    o.error = "check found " + std::to_string(r.problems.size()) + " problem(s)";
  }
  return o;
}

outcome cmd_backup(context& c, args& a) {
  const bool progress = a.flag("--progress") || c.progress || ::isatty(2);
  const fs::path dir = a.exactly(1, "backup DIR")[0];
  const auto t0 = std::chrono::steady_clock::now();
  // Audited as an operator action: through the gateway that holds the store (with the operator's
  // certificate), or on the store directly as the OS user; PostgreSQL: read-only, not audited here.
  const bool lmdb = !c.postgresql();
  if (lmdb && c.locate() == context::target::gateway) {
    const std::string abs = fs::absolute(dir).lexically_normal().string();
    auto [status, j] = c.admin("POST", "/v1/admin/backup?dir=" + detail::pct_encode(abs));
    if (status != 200) return from_gateway(status, j, "");
  } else {
    std::unique_ptr<storage::backend> s;
    if (lmdb)
      s = c.open_exclusive();
    else
      s = c.open_readonly();
    std::function<void(std::uint64_t)> report;
    if (progress) report = [&c](std::uint64_t n) { c.err() << "backup: " << n << " bytes copied\n" << std::flush; };
    auto r = storage::admin::backup(*s, dir, report);
    if (lmdb) {
      const std::string what = "backup " + fs::absolute(dir).string() + (r ? "" : " failed: " + r.error().message());
      auto rec = storage::admin::record(
          *s, {storage::audit_kind::backup_taken, 0, c.operator_name(), storage::operator_detail(what, c.reason)});
      if (r && !rec)
        return failure(failed, "backup written to " + dir.string() + " but not audited: " + rec.error().message());
    }
    if (!r) return failure(failed, "backup to " + dir.string() + ": " + r.error().message());
  }
  const double secs = seconds_since(t0);
  std::error_code ec;
  const auto bytes = fs::file_size(dir / "data.mdb", ec);
  json::object j{{"dir", fs::absolute(dir).string()}, {"bytes", ec ? 0 : bytes}, {"duration_s", secs}};
  return success(j, "backup written to " + dir.string() + ": " + std::to_string(ec ? 0 : bytes) + " bytes in " +
                        fixed(secs) + " s\n");
}

outcome cmd_backup_verify(context&, args& a) {
  const fs::path dir = a.exactly(1, "backup verify DIR")[0];
  if (auto r = storage::admin::verify_backup(dir); !r)
    return failure(r.error() == storage::errc::not_found ? not_found : failed,
                   "backup " + dir.string() + ": " + r.error().message());
  return success(json::object{{"dir", dir.string()}, {"complete", true}},
                 "backup " + dir.string() + " is complete: its data.mdb matches its MANIFEST\n");
}

outcome cmd_restore(context& c, args& a) {
  const bool force = a.flag("--force");
  const fs::path backup = a.exactly(1, "restore BACKUP --data-dir DIR [--force]")[0];
  if (c.postgresql())
    return failure(failed, "restore: store.backend is postgresql: restore the database with PostgreSQL's tools");
  const auto dir = detail::store_options(c.cfg()).dir;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = storage::admin::restore(backup, dir, force);
  if (!r) {
    const auto& e = r.error();
    const int code = e == storage::errc::locked ? refused : e == storage::errc::not_found ? not_found : failed;
    return failure(code, "restore: " + e.message());
  }
  const double secs = seconds_since(t0);
  json::object j{{"backup", backup.string()}, {"store", dir.string()}, {"bytes", r->bytes}, {"duration_s", secs}};
  std::string text = "restored " + backup.string() + " into " + dir.string() + ": " + std::to_string(r->bytes) +
                     " bytes in " + fixed(secs) + " s\n";
  if (!r->kept_aside.empty()) {
    j["kept_aside"] = r->kept_aside.string();
    text += "the store that was there is kept in " + r->kept_aside.string() + "\n";
  }
  return success(j, text);
}

/// Makes a new, empty store where none is (or where data.mdb is empty): the operator's explicit
/// choice, since an empty data directory that once held a store must not silently start afresh.
outcome cmd_init(context& c, args& a) {
  a.exactly(0, "init");
  if (c.postgresql())
    return failure(failed,
                   "init: store.backend is postgresql: create or upgrade its schema with `jubesctl db migrate`");
  auto so = c.lmdb();
  if (auto r = storage::admin::initialise(so); !r)
    return failure(r.error() == storage::errc::locked ? refused : failed,
                   "init " + so.dir.string() + ": " + r.error().message());
  return success(json::object{{"store", so.dir.string()}}, "initialised a new store in " + so.dir.string() + "\n");
}

outcome cmd_purge(context& c, args& a) {
  a.exactly(0, "purge");
  if (c.locate() == context::target::gateway) {
    auto [status, j] = c.admin("POST", "/v1/admin/purge");
    std::string text;
    if (const auto* o = j.if_object(); o && status == 200)
      text = "purged bodies=" + json::serialize(o->at("bodies")) + " dedup=" + json::serialize(o->at("dedup")) +
             " audit=" + json::serialize(o->at("audit")) + "\n";
    return from_gateway(status, j, text);
  }
  auto so = c.lmdb();
  so.retention_interval = std::chrono::milliseconds(0);
  auto r = storage::admin::purge_offline(so, {c.operator_name(), c.reason});
  if (!r) return failure(failed, "purge: " + r.error().message());
  return success(to_json(*r), storage::admin::to_text(*r));
}

/// Applies the PostgreSQL schema migrations this build carries (store.backend: postgresql).
outcome cmd_db_migrate(context& c, args& a) {
  a.exactly(0, "db migrate");
  if (!c.postgresql())
    return failure(failed, "db migrate: store.backend is lmdb; only the postgresql backend has a schema to migrate");
  auto r = pgstore::migrate(c.cfg().store.postgresql_conninfo);
  if (!r) return failure(failed, "db migrate: " + r.error().message());
  json::object j{{"from", r->from}, {"to", r->to}};
  if (r->from == r->to) return success(j, "schema is up to date (version " + std::to_string(r->to) + ")\n");
  return success(j, "schema migrated from version " + std::to_string(r->from) + " to " + std::to_string(r->to) + "\n");
}

}  // namespace jubes::gateway::ctl
