// SPDX-License-Identifier: EUPL-1.2
#include "database.hpp"

#include <algorithm>
#include <cstring>

#include "common/log.hpp"
#include "files.hpp"
#include "storage/errc.hpp"
#include "storage/types.hpp"

namespace jubes::storage {

namespace {
constexpr std::string_view log_c = "storage";
}

jubes::result<void> database::open(database& db, const std::filesystem::path& dir, unsigned flags,
                                   std::size_t map_size) {
  db.dir_ = dir;
  db.read_only_ = (flags & MDB_RDONLY) != 0;
  MDB_env* e = nullptr;
  if (int rc = mdb_env_create(&e); rc != 0) return tables::lmdb_error(rc);
  db.env_.reset(e);
  if (int rc = mdb_env_set_maxdbs(e, 16); rc != 0) return tables::lmdb_error(rc);
  // Each read call holds a reader slot only for its own short transaction (MDB_NOTLS), but many
  // connections may read at once; LMDB's default of 126 slots is too tight for a busy gateway.
  if (int rc = mdb_env_set_maxreaders(e, 1024); rc != 0) return tables::lmdb_error(rc);
  if (!db.read_only_)
    if (int rc = mdb_env_set_mapsize(e, map_size); rc != 0) return tables::lmdb_error(rc);
  if (int rc = mdb_env_open(e, dir.c_str(), flags | MDB_NOTLS, 0600); rc != 0) {
    log::error(log_c, "env_open_failed", {{"dir", dir.string()}, {"error", mdb_strerror(rc)}});
    db.env_.reset();
    return tables::lmdb_error(rc);
  }
  // Before the first transaction maps a page: a truncated file would SIGBUS there.
  if (auto r = files::check_size(e, dir); !r) {
    db.env_.reset();
    return r;
  }
  int dead = 0;
  mdb_reader_check(e, &dead);  // reader slots of a killed process
  db.map_size_ = db.map_usage().map_size;
  return {};
}

jubes::result<void> database::refuse_foreign(const lmdb::txn& t) const {
  // A directory holding some other LMDB store has named databases but no "meta".
  MDB_dbi main_db = 0;
  std::uint64_t n = 0;
  if (lmdb::open_dbi(t, nullptr, 0, main_db) != 0 || lmdb::entries(t, main_db, n) != 0 || n == 0) return {};
  lmdb::cursor c;
  MDB_val k{}, d{};
  if (lmdb::cursor::open(t, main_db, c) == 0)
    for (int r = c.get(k, d, MDB_FIRST); r == 0; r = c.get(k, d, MDB_NEXT))
      if (lmdb::view(k) == "meta") return {};
  log::error(log_c, "not_a_jubes_store", {{"dir", dir_.string()}});
  return fail(errc::bad_version, "not a jubes store: " + dir_.string());
}

jubes::result<void> database::check_version(const lmdb::txn& t, bool create) const {
  auto v = tables_.meta.get(t, tables::meta_db::key::format_version);
  if (!v && v.error() != errc::corrupt) return v.error();
  if (v && !*v) {
    if (create) return tables_.meta.put(t, tables::meta_db::key::format_version, format_version);
    log::error(log_c, "no_format_version", {{"dir", dir_.string()}});
    return fail(errc::bad_version, "no format version in " + dir_.string());
  }
  std::uint64_t found = v ? **v : 0;
  if (found != format_version) {
    log::error(log_c, "bad_format_version",
               {{"dir", dir_.string()}, {"found", found}, {"supported", std::uint64_t{format_version}}});
    return fail(errc::bad_version,
                "format version " + std::to_string(found) + ", this build reads " + std::to_string(format_version));
  }
  return {};
}

jubes::result<void> database::open_tables(bool create) {
  lmdb::txn t;
  if (int rc = lmdb::txn::begin(env_.get(), read_only_ ? MDB_RDONLY : 0, t); rc != 0) return tables::lmdb_error(rc);
  auto opened = tables_.open(t, 0);
  if (!opened && opened.error() == errc::not_found) {
    if (!create) {
      log::error(log_c, "not_a_store", {{"dir", dir_.string()}, {"cause", opened.error().detail}});
      return fail(errc::bad_version, opened.error().detail);
    }
    if (auto r = refuse_foreign(t); !r) return r;
    opened = tables_.open(t, MDB_CREATE);
  }
  if (!opened) return opened;
  if (auto r = check_version(t, create); !r) return r;
  // Committing (also a read txn) keeps the dbi handles open for later transactions.
  if (int rc = t.commit(); rc != 0) return tables::lmdb_error(rc);
  return {};
}

jubes::result<lmdb::txn> database::begin_write() const {
  lmdb::txn t;
  if (int rc = lmdb::txn::begin(env_.get(), 0, t); rc != 0) return tables::lmdb_error(rc);
  return t;
}

jubes::result<void> database::sync() const {
  std::shared_lock lk(map_mu_);
  if (int rc = mdb_env_sync(env_.get(), 1); rc != 0)
    return fail(errc::io_error, std::string("sync: ") + mdb_strerror(rc));
  return {};
}

jubes::error database::read_failed(int rc) {
  log::error(log_c, "read_txn_failed", {{"error", mdb_strerror(rc)}});
  return tables::lmdb_error(rc);
}

void database::adopt_map_size() const {
  std::unique_lock ex(map_mu_);
  mdb_env_set_mapsize(env_.get(), 0);
}

bool database::grow(std::size_t max, const char* why) {
  if (map_size_ >= max) return false;
  std::size_t want = std::min(max, std::max(map_size_ * 2, map_size_ + (64u << 20)));
  std::unique_lock ex(map_mu_);
  if (int rc = mdb_env_set_mapsize(env_.get(), want); rc != 0) {
    log::error(log_c, "map_grow_failed", {{"to", want}, {"error", mdb_strerror(rc)}});
    return false;
  }
  ex.unlock();
  map_size_ = map_usage().map_size;
  log::info(log_c, "map_grown", {{"map_size", map_size_}, {"why", why}});
  return true;
}

bool database::grow_ahead(std::size_t max) {
  return map_usage().used > map_size_ / 4 * 3 && grow(max, "ahead");
}

database::usage database::map_usage() const {
  MDB_envinfo info{};
  MDB_stat st{};
  mdb_env_info(env_.get(), &info);
  mdb_env_stat(env_.get(), &st);
  return usage{info.me_mapsize, (info.me_last_pgno + 1) * st.ms_psize, st.ms_psize};
}

std::uint64_t database::live_bytes(const lmdb::txn& t) const {
  const auto u = map_usage();
  lmdb::cursor c;
  if (lmdb::cursor::open(t, 0, c) != 0) return u.used;  // dbi 0: LMDB's freelist (FREE_DBI)
  MDB_val k{}, d{};
  std::uint64_t free_pages = 0;
  for (int rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
    std::size_t n = 0;  // each value is an IDL: its first word is the number of page numbers
    if (d.mv_size >= sizeof n) std::memcpy(&n, d.mv_data, sizeof n);
    free_pages += n;
  }
  const std::uint64_t free_bytes = free_pages * u.page_size;
  return free_bytes < u.used ? u.used - free_bytes : 0;
}

jubes::result<void> database::copy_compact(const std::filesystem::path& dir) const {
  std::shared_lock lk(map_mu_);
  if (int rc = mdb_env_copy2(env_.get(), dir.c_str(), MDB_CP_COMPACT); rc != 0) {
    log::error(log_c, "backup_failed", {{"dir", dir.string()}, {"error", mdb_strerror(rc)}});
    return tables::lmdb_error(rc);
  }
  return {};
}

}  // namespace jubes::storage
