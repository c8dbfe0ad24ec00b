// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The thin RAII layer over libpq: connections, results, parameters (text, or binary for bytea),
// one pipeline of commands per round trip, binary result decoding, and PostgreSQL errors as
// storage::errc with the SQLSTATE and server message in the detail.
//
// Threading: a connection is used by one thread at a time (its owner: the writer, the listener,
// or a read borrowed from the pool).
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace jubes::pgstore::pq {

struct conn_closer {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using conn = std::unique_ptr<PGconn, conn_closer>;

/// Connects (blocking) and checks the session: UTF8 client encoding, synchronous_commit not off.
/// @param purpose "writer", "listener", "reader", for the error detail
/// @return errc::io_error naming the purpose and libpq's message
jubes::result<conn> connect(const std::string& conninfo, std::string_view purpose);

/// @return true if the connection is gone (the server closed it, the network failed).
bool broken(PGconn* c) noexcept;

/// A result; empty (no PGresult) when the connection failed before one came.
class res {
 public:
  res() = default;
  explicit res(PGresult* r) noexcept : r_(r) {}
  res(res&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  res& operator=(res&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = o.r_;
      o.r_ = nullptr;
    }
    return *this;
  }
  res(const res&) = delete;
  res& operator=(const res&) = delete;
  ~res() {
    if (r_) PQclear(r_);
  }
  PGresult* get() const noexcept { return r_; }
  /// PGRES_COMMAND_OK or PGRES_TUPLES_OK.
  bool ok() const noexcept;
  /// The SQLSTATE ("23505"), "" if none (no result, or a client-side failure).
  std::string state() const;
  int rows() const noexcept { return r_ ? PQntuples(r_) : 0; }
  bool null(int row, int col) const noexcept { return PQgetisnull(r_, row, col) != 0; }
  // Binary-format column readers (the caller asked for binary results).
  std::int64_t i64(int row, int col) const;
  bool boolean(int row, int col) const;
  std::string str(int row, int col) const;  ///< text or bytea; "" for NULL
  std::string_view view(int row, int col) const;
  std::vector<std::string> text_array(int row, int col) const;  ///< a binary text[] (1-D, no NULLs)
  /// Text-format reader (a result asked for as text, e.g. SHOW).
  std::string text(int row, int col) const { return std::string(PQgetvalue(r_, row, col)); }

 private:
  PGresult* r_ = nullptr;
};

/// The parameters of one statement.
class params {
 public:
  params& text(std::string s);
  params& i64(std::int64_t v) { return text(std::to_string(v)); }
  params& u64(std::uint64_t v) { return text(std::to_string(v)); }
  params& boolean(bool b) { return text(b ? "t" : "f"); }
  /// A text[] parameter (array literal).
  params& array(const std::vector<std::string>& v);
  params& i64_array(const std::vector<std::int64_t>& v);
  /// Binary format: bytea without escaping.
  params& bytes(std::string s);
  params& bytes(std::string_view s) { return bytes(std::string(s)); }

  int size() const noexcept { return static_cast<int>(vals_.size()); }
  /// Pointers into this object: valid until it is changed or destroyed.
  struct view {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
  };
  view raw() const;

 private:
  std::vector<std::string> vals_;
  std::vector<int> formats_;
};

/// One command of a pipeline: a prepared statement's name, or SQL text when `prepared` is false.
struct command {
  std::string stmt;
  params p;
  bool prepared = true;
  bool binary_result = true;
};

/// What a pipeline produced: one result per command that answered, in order.
struct pipeline_run {
  std::vector<res> results;
  bool all_sent = false;  ///< every command was handed to libpq (the last may have reached the server)
};

/// Sends `cmds` as one pipeline (one round trip) and collects one result per command, in order.
/// A command after a failed one has the PGRES_PIPELINE_ABORTED result. @return errc::io_error
/// when the connection failed on the way (`run` then holds what arrived before).
jubes::result<void> pipeline(PGconn* c, const std::vector<command>& cmds, pipeline_run& run);

/// Runs one statement (not pipelined). The result may be an error result (check ok()).
res exec(PGconn* c, const std::string& sql, const params& p = {}, bool binary_result = true);

/// Prepares a named statement. @return errc::io_error with the server's message
jubes::result<void> prepare(PGconn* c, const char* name, const char* sql);

/// @return the failure of `r` on `c` as a storage error: errc::store_full for disk full
///         (SQLSTATE 53100), else errc::io_error; detail "<what>: SQLSTATE <s>: <message>".
jubes::error error_of(PGconn* c, const res& r, std::string_view what);

/// @return an array literal ({"a","b\"c"}) for a text[] parameter.
std::string array_literal(const std::vector<std::string>& v);

}  // namespace jubes::pgstore::pq
