// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The LMDB environment of one store with its typed tables, the map size and the lock that lets
// the writer grow the map while readers come and go.
//
// Lifecycle: open() creates the environment (and, for a writable store, the databases); the
// destructor closes it. Threading: read() and the accessors may be used from any thread; grow()
// and write transactions only from the writer thread.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "common/result.hpp"
#include "lmdb.hpp"
#include "tables.hpp"

namespace jubes::storage {

class database {
 public:
  /// Opens the environment in `dir`. @param flags MDB_RDONLY for a read-only store, MDB_NOSYNC
  /// for a non-durable one (tests); @param map_size ignored when read-only.
  static jubes::result<void> open(database& db, const std::filesystem::path& dir, unsigned flags, std::size_t map_size);

  /// Opens (creating if `create`) the tables and checks the format version in one transaction.
  /// @return errc::bad_version for a foreign LMDB store or another format version.
  jubes::result<void> open_tables(bool create);

  /// Runs f(txn) inside a read transaction and returns what f returns (a jubes::result). A
  /// read-only store follows a map that jubesd grew meanwhile (MDB_MAP_RESIZED).
  template <class F>
  auto read(F&& f) const -> decltype(f(std::declval<const lmdb::txn&>())) {
    for (int attempt = 0;; ++attempt) {
      std::shared_lock lk(map_mu_);
      lmdb::txn t;
      int rc = lmdb::txn::begin(env_.get(), MDB_RDONLY, t);
      if (rc == MDB_MAP_RESIZED && attempt < 3) {
        lk.unlock();
        adopt_map_size();
        continue;
      }
      if (rc != 0) return read_failed(rc);
      return f(t);
    }
  }

  /// mdb_env_sync(env, 1): flushes every page written so far, including a meta page that a
  /// MDB_NOMETASYNC commit left unflushed. Any thread; it holds the map lock shared so that the
  /// map is never resized under it.
  jubes::result<void> sync() const;

  /// @return a write transaction (writer thread only).
  jubes::result<lmdb::txn> begin_write() const;

  /// Grows the map (doubling, capped at `max`). @return false if already at the maximum.
  bool grow(std::size_t max, const char* why);
  /// Grows ahead of need (past 3/4 full) so that a group rarely aborts on MDB_MAP_FULL.
  /// @return true if it grew the map.
  bool grow_ahead(std::size_t max);
  std::size_t map_size() const noexcept { return map_size_; }
  /// Bytes of the map and bytes in use (last page number * page size), and the page size.
  struct usage {
    std::uint64_t map_size = 0, used = 0, page_size = 0;
  };
  usage map_usage() const;
  /// Bytes in use by live data within `t`: the used bytes less the pages on LMDB's freelist
  /// (which later commits reuse). Walks the freelist: call only when map_usage() is high.
  std::uint64_t live_bytes(const lmdb::txn& t) const;
  /// mdb_env_copy2 with MDB_CP_COMPACT into `dir`.
  jubes::result<void> copy_compact(const std::filesystem::path& dir) const;

  /// Bodies at rest (at_rest.cpp): loads the data keys from meta and unwraps them with the KEK,
  /// creating the first data key when the store is writable, a KEK is given and it holds none,
  /// then installs the codec in the blobs table. @return errc::bad_key (a store with data keys
  /// and no KEK, or a KEK that does not unwrap them: the KEK's source named).
  jubes::result<void> open_at_rest(const at_rest_options& o);
  /// A new data key, wrapped under `kek`, becomes the active one; later blobs are sealed with it.
  /// Its own durable write transaction; any thread (serialised with the writer by LMDB).
  /// @return the new key's id.
  jubes::result<std::uint32_t> rotate_key(const key_bytes& kek);
  /// Re-seals up to `max` blobs from id `from` on that are not sealed with the active key (plain
  /// ones included), in one durable write transaction; advances `from` past what it looked at.
  /// @return how many it rewrote; 0 with nothing left from `from` on.
  jubes::result<std::size_t> reseal_some(std::uint64_t& from, std::size_t max);
  const body_codec* codec() const noexcept { return codec_.get(); }

  const tables::all& t() const noexcept { return tables_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  static jubes::error read_failed(int rc);
  void adopt_map_size() const;
  jubes::result<void> refuse_foreign(const lmdb::txn& t) const;
  jubes::result<void> check_version(const lmdb::txn& t, bool create) const;

  std::filesystem::path dir_;
  lmdb::env_ptr env_;
  tables::all tables_;
  // Read txns hold it shared; the writer holds it exclusively only while it changes the map size,
  // which LMDB allows only when no transaction of this process is active.
  mutable std::shared_mutex map_mu_;
  std::size_t map_size_ = 0;
  bool read_only_ = false;
  std::shared_ptr<body_codec> codec_;
  std::mutex keys_mu_;  // one rotation at a time
  /// Runs f(txn) in a write transaction, commits it and flushes it (a store may be in use by the writer).
  template <class F>
  jubes::result<void> write_durably(F&& f);
};

}  // namespace jubes::storage
