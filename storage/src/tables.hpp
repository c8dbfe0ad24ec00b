// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Typed accessors, one per LMDB database (model: lmdbxx's lmdb::dbi). Each is the only code that
// encodes its keys and decodes its values; the rest of the store works with ids, names and
// records. Not-found is a value (std::optional, or false from a delete); a record that fails to
// decode is errc::corrupt; an LMDB failure is its storage::errc (MDB_MAP_FULL -> store_full).
// Nothing here throws.
//
// Lifecycle: an accessor is a dbi handle, valid for the environment's life once opened by
// tables::open. Views (std::string_view in entries) die with their transaction.
// Threading: accessors are immutable; any thread may use them with its own transaction. Writes
// need the writer's write transaction.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "codec.hpp"
#include "common/result.hpp"
#include "lmdb.hpp"
#include "storage/body_codec.hpp"
#include "storage/types.hpp"

namespace jubes::storage::tables {

/// @return the storage error for an LMDB code (detail: LMDB's own text).
jubes::error lmdb_error(int rc);

/// A failed result<T>. Needed where T is bool: jubes::error is explicitly convertible to bool, so
/// result<bool>'s implicit constructor from an error is disabled.
template <class T>
jubes::result<T> failed(jubes::error e) {
  return jubes::result<T>(boost::system::in_place_error, std::move(e));
}

/// A forward/backward scan over one table, yielding decoded entries (Table::entry).
/// Each step returns std::nullopt at the end, errc::corrupt for an entry that fails to decode
/// (the scan may go on with next()), or another error when LMDB fails (the scan must stop).
template <class Table>
class scan {
 public:
  using entry = typename Table::entry;
  using step = jubes::result<std::optional<entry>>;

  static jubes::result<scan> open(const lmdb::txn& t, const Table& table) {
    scan s;
    if (int rc = lmdb::cursor::open(t, table.dbi(), s.c_); rc != 0) return lmdb_error(rc);
    return s;
  }
  step first() { return move(MDB_FIRST); }
  step last() { return move(MDB_LAST); }
  step next() { return move(MDB_NEXT); }
  step prev() { return move(MDB_PREV); }
  /// The raw key of the current position (also after an entry failed to decode).
  std::string_view raw_key() const { return lmdb::view(k_); }
  /// Positions at the first entry whose key is >= `key`.
  step seek(const typename Table::key& key) {
    std::string k = Table::encode_key(key);
    k_ = lmdb::val(k);
    return move(MDB_SET_RANGE);
  }

 private:
  step move(MDB_cursor_op op) {
    int rc = c_.get(k_, d_, op);
    if (rc == MDB_NOTFOUND) return std::optional<entry>{};
    if (rc != 0) return lmdb_error(rc);
    auto e = Table::decode(lmdb::view(k_), lmdb::view(d_));
    if (!e) return e.error();
    return std::optional<entry>(std::move(*e));
  }
  lmdb::cursor c_;
  MDB_val k_{}, d_{};
};

/// Shared by every accessor: the dbi, opening and counting.
class table {
 public:
  MDB_dbi dbi() const noexcept { return dbi_; }
  /// Opens the named database (flags: 0 or MDB_CREATE). @return errc::not_found if absent.
  jubes::result<void> open(const lmdb::txn& t, const char* name, unsigned flags);
  jubes::result<std::uint64_t> count(const lmdb::txn& t) const;

 protected:
  MDB_dbi dbi_ = 0;
};

/// meta: a few named u64 values, the audit chain's two ends (be64 seq, be64 at_ms, hash), and the
/// data keys wrapped under the KEK ("data_key/" be32 id).
class meta_db : public table {
 public:
  enum class key { format_version, dedup_purged_upto, purged_bodies, active_key };
  enum class point { audit_head, audit_anchor };
  jubes::result<std::optional<std::uint64_t>> get(const lmdb::txn& t, key k) const;
  jubes::result<void> put(const lmdb::txn& t, key k, std::uint64_t v) const;
  jubes::result<std::optional<chain_point>> get(const lmdb::txn& t, point k) const;
  jubes::result<void> put(const lmdb::txn& t, point k, const chain_point& v) const;
  /// @return every wrapped data key by id.
  jubes::result<std::map<std::uint32_t, std::string>> wrapped_keys(const lmdb::txn& t) const;
  jubes::result<void> put_wrapped_key(const lmdb::txn& t, std::uint32_t id, std::string_view wrapped) const;
};

/// messages: message id -> message record (the body lives in a blob).
class messages_db : public table {
 public:
  using key = std::uint64_t;
  struct entry {
    std::uint64_t id = 0;
    codec::message_rec rec;
  };
  static std::string encode_key(key id);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  jubes::result<std::optional<codec::message_rec>> get(const lmdb::txn& t, std::uint64_t id) const;
  /// get() for hot loops (lmdbxx's dbi::get shape): decodes into `out`, reusing its strings'
  /// capacity from one entry to the next, and moves no record. @return false if not found.
  jubes::result<bool> get_into(const lmdb::txn& t, std::uint64_t id, codec::message_rec& out) const;
  /// @param append the id is above every stored id (MDB_APPEND: no B-tree search)
  jubes::result<void> put(const lmdb::txn& t, std::uint64_t id, const codec::message_rec& rec,
                          bool append = false) const;
  /// @return the highest id, std::nullopt when empty.
  jubes::result<std::optional<std::uint64_t>> last_id(const lmdb::txn& t) const;
};

/// blobs: blob id -> the packed bodies of one group (codec::blob_header, then the bodies, plain
/// or, when the header's count has codec::blob_sealed set, sealed as one value by body_codec with
/// be64(blob id) as its context).
class blobs_db : public table {
 public:
  using key = std::uint64_t;
  struct entry {
    std::uint64_t id = 0;
    std::uint32_t count = 0;                   ///< how many bodies it holds (at least one)
    bool sealed = false;                       ///< the bodies are sealed (body_codec); open() them first
    std::string_view data;                     ///< the whole value; valid until the transaction ends
    std::string_view bodies;                   ///< the plain bodies back to back (empty while sealed and not opened)
    std::shared_ptr<const std::string> plain;  ///< owns `bodies` once a sealed blob was opened
    /// The ids of the messages whose bodies it holds. Decoded on demand: a poll needs only the
    /// bodies (decoding ~31 ids per blob load showed as 2% of a poll's profile).
    std::vector<std::uint64_t> ids() const;
  };
  static std::string encode_key(key id);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  /// The sealing layer (compression, encryption); set once at open, before any read or write.
  /// Without one, or when it seals nothing, blobs are written plain.
  void set_codec(const body_codec* c) noexcept { codec_ = c; }
  const body_codec* codec() const noexcept { return codec_; }

  /// @return the blob with its bodies opened (errc::corrupt when a sealed blob does not open:
  ///         damaged, or sealed with a key this store does not hold), std::nullopt if absent.
  jubes::result<std::optional<entry>> get(const lmdb::txn& t, std::uint64_t id) const;
  /// Opens the bodies of a sealed entry from a scan (a plain entry is left as it is).
  jubes::result<void> open_bodies(entry& e) const;
  /// Writes a blob (MDB_RESERVE) from its ids and concatenated bodies, sealed when the codec
  /// seals. @param append ids increase (MDB_APPEND); false to rewrite an existing blob.
  jubes::result<void> put(const lmdb::txn& t, std::uint64_t id, const std::vector<std::uint64_t>& ids,
                          std::string_view bodies, bool append = true) const;
  /// @return false if there was no such blob.
  jubes::result<bool> del(const lmdb::txn& t, std::uint64_t id) const;
  /// The body of `rec` inside blob `b`. @return errc::corrupt if it lies outside the blob.
  static jubes::result<std::string_view> body(const entry& b, const codec::message_rec& rec);

 private:
  const body_codec* codec_ = nullptr;
};

/// dedup: (party, referentienummer) -> dedup record.
class dedup_db : public table {
 public:
  struct key {
    std::string_view party, refnr;
  };
  struct entry {
    std::string_view party, refnr;
    codec::dedup_rec rec;
  };
  static std::string encode_key(const key& k);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  jubes::result<std::optional<codec::dedup_rec>> get(const lmdb::txn& t, const key& k) const;
  /// MDB_NOOVERWRITE: @return false if the key already exists (nothing written).
  jubes::result<bool> insert(const lmdb::txn& t, const key& k, const codec::dedup_rec& rec) const;
  jubes::result<bool> del(const lmdb::txn& t, const key& k) const;
};

/// outbox: (recipient, seq) -> message id [, deadline, at risk from [, link]]; seqs are gapless per
/// recipient. The value is be64 message id (8 bytes: no deadline, as every store before deadlines
/// wrote it), or be64 id, be64 deadline_ms, be64 at_risk_from_ms (24 bytes), or those and u8 link
/// kind, be64 linked message id (33 bytes: a correction or withdrawal, storage::entry_link).
class outbox_db : public table {
 public:
  struct key {
    std::string_view recipient;
    std::uint64_t seq = 0;
  };
  struct entry {
    std::string_view recipient;
    std::uint64_t seq = 0;
    std::uint64_t message_id = 0;
    std::int64_t deadline_ms = 0;  ///< 0: none
    std::int64_t at_risk_from_ms = 0;
    entry_link link = entry_link::none;
    std::uint64_t link_id = 0;
  };
  static std::string encode_key(const key& k);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  jubes::result<std::optional<std::uint64_t>> get(const lmdb::txn& t, const key& k) const;
  jubes::result<void> put(const lmdb::txn& t, const key& k, std::uint64_t message_id, std::int64_t deadline_ms = 0,
                          std::int64_t at_risk_from_ms = 0, entry_link link = entry_link::none,
                          std::uint64_t link_id = 0) const;
  /// The whole entry under `k`, or nullopt.
  jubes::result<std::optional<entry>> get_entry(const lmdb::txn& t, const key& k) const;
  /// @return the seq of `recipient`'s newest entry, 0 if it has none.
  jubes::result<std::uint64_t> head(const lmdb::txn& t, std::string_view recipient) const;
  /// @return the first recipient after `after` in name order ("" for the first of all), or nullopt.
  jubes::result<std::optional<std::string>> next_recipient(const lmdb::txn& t, std::string_view after) const;
};

/// cursors: recipient -> highest acknowledged seq.
class cursors_db : public table {
 public:
  using key = std::string_view;
  struct entry {
    std::string_view recipient;
    std::uint64_t cursor = 0;
  };
  static std::string encode_key(key k) { return std::string(k); }
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  jubes::result<std::optional<std::uint64_t>> get(const lmdb::txn& t, std::string_view recipient) const;
  jubes::result<void> put(const lmdb::txn& t, std::string_view recipient, std::uint64_t cursor) const;
};

/// parked: message id -> nothing (the index of parked messages).
class parked_db : public table {
 public:
  using key = std::uint64_t;
  struct entry {
    std::uint64_t id = 0;
  };
  static std::string encode_key(key id);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  jubes::result<void> put(const lmdb::txn& t, std::uint64_t id) const;
  /// @return false if the id was not parked.
  jubes::result<bool> del(const lmdb::txn& t, std::uint64_t id) const;
};

/// audit: audit seq -> audit record, appended in seq order.
class audit_db : public table {
 public:
  using key = std::uint64_t;
  struct entry {
    std::uint64_t seq = 0;
    audit_record rec;  ///< as stored: rec.seq is 0 for a record from before the chain
  };
  static std::string encode_key(key seq);
  static jubes::result<entry> decode(std::string_view k, std::string_view v);

  /// MDB_APPEND: `seq` must be above every stored seq.
  jubes::result<void> append(const lmdb::txn& t, std::uint64_t seq, const audit_record& rec) const;
  /// Seals `r` onto the chain after `head` (r.seq = head.seq + 1; audit_chain::seal), appends it
  /// and advances `head` to it (only if the append succeeded).
  jubes::result<void> append_chained(const lmdb::txn& t, chain_point& head, audit_record& r) const;
  /// The record of a stored entry: seq from its key, and `damage` if the record inside is another one.
  static audit_record to_record(entry&& e);
  jubes::result<bool> del(const lmdb::txn& t, std::uint64_t seq) const;
  jubes::result<std::optional<std::uint64_t>> last_seq(const lmdb::txn& t) const;
};

/// All databases of one environment.
struct all {
  meta_db meta;
  messages_db messages;
  blobs_db blobs;
  dedup_db dedup;
  outbox_db outbox;
  cursors_db cursors;
  parked_db parked;
  audit_db audit;

  /// Opens every database. @return errc::not_found naming the first missing one in the detail.
  jubes::result<void> open(const lmdb::txn& t, unsigned flags);
};

}  // namespace jubes::storage::tables
