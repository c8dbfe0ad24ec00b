// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A thin, private RAII layer over the LMDB C API: move-only env/txn/cursor handles and checked
// free functions that return LMDB's int codes. Codes are mapped to storage::errc once, by
// to_error_code, so that callers can still tell MDB_MAP_FULL and MDB_NOTFOUND apart.
#include <lmdb.h>

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace jubes::storage::lmdb {

/// MDB_MAP_FULL -> store_full, MDB_NOTFOUND -> not_found, version/format mismatch -> bad_version,
/// MDB_CORRUPTED/MDB_PAGE_NOTFOUND -> corrupt, anything else -> io_error. 0 -> empty.
boost::system::error_code to_error_code(int rc) noexcept;

struct env_deleter {
  void operator()(MDB_env* e) const noexcept { mdb_env_close(e); }
};
/// The environment; mdb_env_close runs last, after every txn and cursor is gone.
using env_ptr = std::unique_ptr<MDB_env, env_deleter>;

inline MDB_val val(std::string_view s) noexcept {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
/// A view into the map: valid only until its transaction ends or the next write to that page.
inline std::string_view view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// A transaction that aborts in its destructor unless committed. Not thread-safe; a write txn
/// belongs to the thread that began it.
class txn {
 public:
  txn() = default;
  txn(txn&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  txn& operator=(txn&& o) noexcept {
    if (this != &o) {
      abort();
      h_ = o.h_;
      o.h_ = nullptr;
    }
    return *this;
  }
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;
  ~txn() { abort(); }

  /// @return 0 or an LMDB code; on success `out` holds the txn.
  static int begin(MDB_env* env, unsigned flags, txn& out) noexcept {
    MDB_txn* h = nullptr;
    int rc = mdb_txn_begin(env, nullptr, flags, &h);
    if (rc == 0) out = txn(h);
    return rc;
  }
  /// Commits. The handle is cleared first because LMDB frees the txn whether commit succeeds or not.
  int commit() noexcept {
    MDB_txn* h = h_;
    h_ = nullptr;
    return h ? mdb_txn_commit(h) : EINVAL;
  }
  void abort() noexcept {
    if (h_) mdb_txn_abort(h_);
    h_ = nullptr;
  }
  MDB_txn* get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != nullptr; }

 private:
  explicit txn(MDB_txn* h) noexcept : h_(h) {}
  MDB_txn* h_ = nullptr;
};

/// A cursor, closed in its destructor; must not outlive its transaction.
class cursor {
 public:
  cursor() = default;
  cursor(cursor&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  cursor& operator=(cursor&& o) noexcept {
    if (this != &o) {
      close();
      c_ = o.c_;
      o.c_ = nullptr;
    }
    return *this;
  }
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  ~cursor() { close(); }

  static int open(const txn& t, MDB_dbi dbi, cursor& out) noexcept {
    MDB_cursor* c = nullptr;
    int rc = mdb_cursor_open(t.get(), dbi, &c);
    if (rc == 0) out = cursor(c);
    return rc;
  }
  /// Positions the cursor; `key` is in/out as MDB_cursor_op requires.
  int get(MDB_val& key, MDB_val& data, MDB_cursor_op op) noexcept { return mdb_cursor_get(c_, &key, &data, op); }
  void close() noexcept {
    if (c_) mdb_cursor_close(c_);
    c_ = nullptr;
  }

 private:
  explicit cursor(MDB_cursor* c) noexcept : c_(c) {}
  MDB_cursor* c_ = nullptr;
};

/// mdb_get; `out` views into the map. @return 0, MDB_NOTFOUND or an error.
inline int get(const txn& t, MDB_dbi dbi, std::string_view key, std::string_view& out) noexcept {
  MDB_val k = val(key), d{};
  int rc = mdb_get(t.get(), dbi, &k, &d);
  if (rc == 0) out = view(d);
  return rc;
}
inline int put(const txn& t, MDB_dbi dbi, std::string_view key, std::string_view data, unsigned flags = 0) noexcept {
  MDB_val k = val(key), d = val(data);
  return mdb_put(t.get(), dbi, &k, &d, flags);
}
/// @return 0, MDB_NOTFOUND (nothing to delete) or an error.
inline int del(const txn& t, MDB_dbi dbi, std::string_view key) noexcept {
  MDB_val k = val(key);
  return mdb_del(t.get(), dbi, &k, nullptr);
}
inline int open_dbi(const txn& t, const char* name, unsigned flags, MDB_dbi& out) noexcept {
  return mdb_dbi_open(t.get(), name, flags, &out);
}
/// Number of entries in a database.
inline int entries(const txn& t, MDB_dbi dbi, std::uint64_t& out) noexcept {
  MDB_stat st{};
  int rc = mdb_stat(t.get(), dbi, &st);
  if (rc == 0) out = st.ms_entries;
  return rc;
}

}  // namespace jubes::storage::lmdb
