// SPDX-License-Identifier: EUPL-1.2
#include "tables.hpp"

#include <cstring>

#include "storage/audit_chain.hpp"
#include "storage/errc.hpp"

namespace jubes::storage::tables {

namespace {

using codec::be64;
using codec::sv;

std::string u64_key(std::uint64_t v) {
  auto b = be64(v);
  return std::string(b.data(), b.size());
}

jubes::result<std::uint64_t> decode_u64(std::string_view s, const char* what) {
  std::uint64_t v = 0;
  if (!codec::read_be64(s, v)) return fail(errc::corrupt, std::string(what) + ": not an 8-byte integer");
  return v;
}

/// An entry {be64 key, record} of a table numbered by a be64 key (messages, audit).
template <class Entry>
jubes::result<Entry> decode_numbered(std::string_view k, std::string_view v, const char* what) {
  auto key = decode_u64(k, what);
  if (!key) return key.error();
  Entry e{*key, {}};
  if (!codec::decode(v, e.rec))
    return fail(errc::corrupt, std::string(what) + " " + std::to_string(*key) + ": undecodable record");
  return e;
}

/// mdb_get with not-found as a value.
jubes::result<std::optional<std::string_view>> get_raw(const lmdb::txn& t, MDB_dbi dbi, std::string_view key) {
  std::string_view v;
  int rc = lmdb::get(t, dbi, key, v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
  if (rc != 0) return lmdb_error(rc);
  return std::optional<std::string_view>(v);
}

jubes::result<void> put_raw(const lmdb::txn& t, MDB_dbi dbi, std::string_view key, std::string_view v,
                            unsigned flags = 0) {
  if (int rc = lmdb::put(t, dbi, key, v, flags); rc != 0) return lmdb_error(rc);
  return {};
}

jubes::result<bool> del_raw(const lmdb::txn& t, MDB_dbi dbi, std::string_view key) {
  int rc = lmdb::del(t, dbi, key);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return failed<bool>(lmdb_error(rc));
  return true;
}

/// The highest key of a table keyed by be64. Only the key is decoded, so that a damaged newest
/// record does not keep the store from opening (jubesctl check must still run on it).
jubes::result<std::optional<std::uint64_t>> last_u64_key(const lmdb::txn& t, MDB_dbi dbi, const char* what) {
  lmdb::cursor c;
  if (int rc = lmdb::cursor::open(t, dbi, c); rc != 0) return lmdb_error(rc);
  MDB_val k{}, d{};
  int rc = c.get(k, d, MDB_LAST);
  if (rc == MDB_NOTFOUND) return std::optional<std::uint64_t>{};
  if (rc != 0) return lmdb_error(rc);
  auto v = decode_u64(lmdb::view(k), what);
  if (!v) return v.error();
  return std::optional<std::uint64_t>(*v);
}

/// Values are encoded into one buffer per thread: only the writer thread writes, and reusing its
/// capacity saves an allocation per put on the ingest path.
std::string& scratch() {
  thread_local std::string s;
  return s;
}

const char* meta_name(meta_db::key k) {
  switch (k) {
    case meta_db::key::format_version:
      return "format_version";
    case meta_db::key::dedup_purged_upto:
      return "dedup_purged_upto";
    case meta_db::key::purged_bodies:
      return "purged_bodies";
    case meta_db::key::active_key:
      return "active_key";
  }
  return "?";
}

}  // namespace

jubes::error lmdb_error(int rc) {
  return jubes::error{lmdb::to_error_code(rc), std::string("lmdb: ") + mdb_strerror(rc)};
}

// ---- table ----------------------------------------------------------------------------------------

jubes::result<void> table::open(const lmdb::txn& t, const char* name, unsigned flags) {
  int rc = lmdb::open_dbi(t, name, flags, dbi_);
  if (rc == MDB_NOTFOUND) return fail(errc::not_found, std::string("database ") + name + " missing");
  if (rc != 0) return lmdb_error(rc);
  return {};
}

jubes::result<std::uint64_t> table::count(const lmdb::txn& t) const {
  std::uint64_t n = 0;
  if (int rc = lmdb::entries(t, dbi_, n); rc != 0) return lmdb_error(rc);
  return n;
}

jubes::result<void> all::open(const lmdb::txn& t, unsigned flags) {
  struct {
    const char* name;
    table* db;
  } dbs[] = {{"meta", &meta},     {"messages", &messages}, {"blobs", &blobs},   {"dedup", &dedup},
             {"outbox", &outbox}, {"cursors", &cursors},   {"parked", &parked}, {"audit", &audit}};
  for (auto& d : dbs)
    if (auto r = d.db->open(t, d.name, flags); !r) return r;
  return {};
}

// ---- meta -----------------------------------------------------------------------------------------

jubes::result<std::optional<std::uint64_t>> meta_db::get(const lmdb::txn& t, key k) const {
  auto v = get_raw(t, dbi_, meta_name(k));
  if (!v) return v.error();
  if (!*v) return std::optional<std::uint64_t>{};
  auto n = decode_u64(**v, meta_name(k));
  if (!n) return n.error();
  return std::optional<std::uint64_t>(*n);
}

jubes::result<void> meta_db::put(const lmdb::txn& t, key k, std::uint64_t v) const {
  auto b = be64(v);
  return put_raw(t, dbi_, meta_name(k), sv(b));
}

namespace {
const char* point_name(meta_db::point k) {
  return k == meta_db::point::audit_head ? "audit_head" : "audit_anchor";
}
}  // namespace

jubes::result<std::optional<chain_point>> meta_db::get(const lmdb::txn& t, point k) const {
  auto v = get_raw(t, dbi_, point_name(k));
  if (!v) return v.error();
  if (!*v) return std::optional<chain_point>{};
  std::string_view s = **v;
  chain_point p;
  std::uint64_t at = 0;
  if (s.size() != 48 || !codec::read_be64(s.substr(0, 8), p.seq) || !codec::read_be64(s.substr(8, 8), at))
    return fail(errc::corrupt, std::string(point_name(k)) + ": not a chain point");
  p.at_ms = static_cast<std::int64_t>(at);
  std::memcpy(p.hash.data(), s.data() + 16, 32);
  return std::optional<chain_point>(p);
}

jubes::result<void> meta_db::put(const lmdb::txn& t, point k, const chain_point& v) const {
  std::string buf;
  buf.append(sv(be64(v.seq)));
  buf.append(sv(be64(static_cast<std::uint64_t>(v.at_ms))));
  buf.append(reinterpret_cast<const char*>(v.hash.data()), v.hash.size());
  return put_raw(t, dbi_, point_name(k), buf);
}

constexpr std::string_view data_key_prefix = "data_key/";

jubes::result<std::map<std::uint32_t, std::string>> meta_db::wrapped_keys(const lmdb::txn& t) const {
  std::map<std::uint32_t, std::string> out;
  lmdb::cursor c;
  if (int rc = lmdb::cursor::open(t, dbi_, c); rc != 0) return lmdb_error(rc);
  std::string seek(data_key_prefix);
  MDB_val k = lmdb::val(seek), d{};
  for (int rc = c.get(k, d, MDB_SET_RANGE);; rc = c.get(k, d, MDB_NEXT)) {
    if (rc == MDB_NOTFOUND) break;
    if (rc != 0) return lmdb_error(rc);
    auto key = lmdb::view(k);
    if (!key.starts_with(data_key_prefix)) break;
    key.remove_prefix(data_key_prefix.size());
    if (key.size() != 4) return fail(errc::corrupt, "meta: undecodable data key name");
    std::uint32_t id = 0;
    for (char ch : key) id = (id << 8) | static_cast<unsigned char>(ch);
    out.emplace(id, std::string(lmdb::view(d)));
  }
  return out;
}

jubes::result<void> meta_db::put_wrapped_key(const lmdb::txn& t, std::uint32_t id, std::string_view wrapped) const {
  std::string k(data_key_prefix);
  for (int s = 24; s >= 0; s -= 8) k.push_back(static_cast<char>((id >> s) & 0xff));
  return put_raw(t, dbi_, k, wrapped, MDB_NOOVERWRITE);
}

// ---- messages -------------------------------------------------------------------------------------

std::string messages_db::encode_key(key id) {
  return u64_key(id);
}

jubes::result<messages_db::entry> messages_db::decode(std::string_view k, std::string_view v) {
  return decode_numbered<entry>(k, v, "message");
}

jubes::result<std::optional<codec::message_rec>> messages_db::get(const lmdb::txn& t, std::uint64_t id) const {
  auto b = be64(id);
  auto v = get_raw(t, dbi_, sv(b));
  if (!v) return v.error();
  if (!*v) return std::optional<codec::message_rec>{};
  std::optional<codec::message_rec> rec(std::in_place);
  if (!codec::decode(**v, *rec)) return fail(errc::corrupt, "message " + std::to_string(id) + ": undecodable record");
  return rec;
}

jubes::result<bool> messages_db::get_into(const lmdb::txn& t, std::uint64_t id, codec::message_rec& out) const {
  auto b = be64(id);
  auto v = get_raw(t, dbi_, sv(b));
  if (!v) return failed<bool>(v.error());
  if (!*v) return false;
  if (!codec::decode(**v, out))
    return failed<bool>(fail(errc::corrupt, "message " + std::to_string(id) + ": undecodable record"));
  return true;
}

jubes::result<void> messages_db::put(const lmdb::txn& t, std::uint64_t id, const codec::message_rec& rec,
                                     bool append) const {
  auto& buf = scratch();
  codec::encode(rec, buf);
  auto b = be64(id);
  return put_raw(t, dbi_, sv(b), buf, append ? MDB_APPEND : 0u);
}

jubes::result<std::optional<std::uint64_t>> messages_db::last_id(const lmdb::txn& t) const {
  return last_u64_key(t, dbi_, "message key");
}

// ---- blobs ----------------------------------------------------------------------------------------

std::string blobs_db::encode_key(key id) {
  return u64_key(id);
}

jubes::result<blobs_db::entry> blobs_db::decode(std::string_view k, std::string_view v) {
  entry e;
  auto id = decode_u64(k, "blob key");
  if (!id) return id.error();
  e.id = *id;
  codec::reader rd(v);
  // Each id takes 8 bytes, so a count the value cannot hold is damage, found here once.
  if (!rd.u32(e.count)) return fail(errc::corrupt, "blob " + std::to_string(e.id) + ": undecodable header");
  e.sealed = (e.count & codec::blob_sealed) != 0;
  e.count &= ~codec::blob_sealed;
  if (e.count == 0 || e.count > (v.size() - 4) / 8)
    return fail(errc::corrupt, "blob " + std::to_string(e.id) + ": undecodable header");
  e.data = v;
  if (!e.sealed) e.bodies = v.substr(codec::blob_header_len(e.count));
  return e;
}

jubes::result<void> blobs_db::open_bodies(entry& e) const {
  if (!e.sealed || e.plain) return {};
  if (!codec_) return fail(errc::bad_key, "blob " + std::to_string(e.id) + ": sealed, and no key to open it");
  auto plain = std::make_shared<std::string>();
  auto ctx = be64(e.id);
  if (auto r = codec_->open(e.data.substr(codec::blob_header_len(e.count)), sv(ctx), *plain); !r)
    return fail(errc::corrupt, "blob " + std::to_string(e.id) + ": " + r.error().detail);
  e.plain = std::move(plain);
  e.bodies = *e.plain;
  return {};
}

jubes::result<std::optional<blobs_db::entry>> blobs_db::get(const lmdb::txn& t, std::uint64_t id) const {
  auto b = be64(id);
  auto v = get_raw(t, dbi_, sv(b));
  if (!v) return v.error();
  if (!*v) return std::optional<entry>{};
  auto e = decode(sv(b), **v);
  if (!e) return e.error();
  if (auto o = open_bodies(*e); !o) return o.error();
  return std::optional<entry>(std::move(*e));
}

jubes::result<void> blobs_db::put(const lmdb::txn& t, std::uint64_t id, const std::vector<std::uint64_t>& ids,
                                  std::string_view bodies, bool append) const {
  auto key = be64(id);
  const bool seal = codec_ && codec_->sealing();
  thread_local std::string sealed;
  if (seal) {
    sealed.clear();
    if (auto r = codec_->seal(bodies, sv(key), sealed); !r) return r;
    bodies = sealed;
  }
  MDB_val k = lmdb::val(sv(key));
  MDB_val d{codec::blob_header_len(ids.size()) + bodies.size(), nullptr};
  // Reserved in place: the bodies are copied once, into the map, not into a staging value first.
  if (int rc = mdb_put(t.get(), dbi_, &k, &d, MDB_RESERVE | (append ? MDB_APPEND : 0u)); rc != 0) return lmdb_error(rc);
  auto& header = scratch();
  header.clear();
  codec::writer w(header);
  w.u32(static_cast<std::uint32_t>(ids.size()) | (seal ? codec::blob_sealed : 0u));
  for (auto i : ids) w.u64(i);
  auto* p = static_cast<char*>(d.mv_data);
  std::memcpy(p, header.data(), header.size());
  std::memcpy(p + header.size(), bodies.data(), bodies.size());
  return {};
}

std::vector<std::uint64_t> blobs_db::entry::ids() const {
  codec::blob_header h;
  codec::decode_blob_header(data, h);  // cannot fail: decode() checked the count against the size
  return std::move(h.ids);
}

jubes::result<bool> blobs_db::del(const lmdb::txn& t, std::uint64_t id) const {
  auto b = be64(id);
  return del_raw(t, dbi_, sv(b));
}

jubes::result<std::string_view> blobs_db::body(const entry& b, const codec::message_rec& rec) {
  if (b.sealed && !b.plain) return fail(errc::corrupt, "blob " + std::to_string(b.id) + ": not opened");
  std::size_t start = rec.body_offset;
  if (start > b.bodies.size() || rec.body_len > b.bodies.size() - start)
    return fail(errc::corrupt, "blob " + std::to_string(b.id) + ": body outside the blob");
  return b.bodies.substr(start, rec.body_len);
}

// ---- dedup ----------------------------------------------------------------------------------------

std::string dedup_db::encode_key(const key& k) {
  return codec::dedup_key(k.party, k.refnr);
}

jubes::result<dedup_db::entry> dedup_db::decode(std::string_view k, std::string_view v) {
  entry e;
  auto nul = k.find('\0');
  if (nul == std::string_view::npos || !codec::decode(v, e.rec))
    return fail(errc::corrupt, "dedup: undecodable record");
  e.party = k.substr(0, nul);
  e.refnr = k.substr(nul + 1);
  return e;
}

jubes::result<std::optional<codec::dedup_rec>> dedup_db::get(const lmdb::txn& t, const key& k) const {
  auto v = get_raw(t, dbi_, encode_key(k));
  if (!v) return v.error();
  if (!*v) return std::optional<codec::dedup_rec>{};
  std::optional<codec::dedup_rec> rec(std::in_place);
  if (!codec::decode(**v, *rec)) return fail(errc::corrupt, "dedup record of party " + std::string(k.party));
  return rec;
}

jubes::result<bool> dedup_db::insert(const lmdb::txn& t, const key& k, const codec::dedup_rec& rec) const {
  auto& buf = scratch();
  codec::encode(rec, buf);
  int rc = lmdb::put(t, dbi_, encode_key(k), buf, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  if (rc != 0) return failed<bool>(lmdb_error(rc));
  return true;
}

jubes::result<bool> dedup_db::del(const lmdb::txn& t, const key& k) const {
  return del_raw(t, dbi_, encode_key(k));
}

// ---- outbox ---------------------------------------------------------------------------------------

std::string outbox_db::encode_key(const key& k) {
  return codec::outbox_key(k.recipient, k.seq);
}

namespace {
// An outbox value: 8 bytes (message id), 24 (and deadline, at risk from) or 33 (and link kind, id).
bool decode_outbox_value(std::string_view v, outbox_db::entry& e) {
  if (v.size() != 8 && v.size() != 24 && v.size() != 33) return false;
  if (!codec::read_be64(v.substr(0, 8), e.message_id)) return false;
  e.deadline_ms = e.at_risk_from_ms = 0;
  e.link = entry_link::none;
  e.link_id = 0;
  if (v.size() == 8) return true;
  std::uint64_t d = 0, r = 0;
  if (!codec::read_be64(v.substr(8, 8), d) || !codec::read_be64(v.substr(16, 8), r)) return false;
  e.deadline_ms = static_cast<std::int64_t>(d);
  e.at_risk_from_ms = static_cast<std::int64_t>(r);
  if (v.size() == 24) return e.deadline_ms > 0;
  const auto kind = static_cast<unsigned char>(v[24]);
  if (kind < 1 || kind > 3 || !codec::read_be64(v.substr(25, 8), e.link_id) || e.link_id == 0) return false;
  e.link = static_cast<entry_link>(kind);
  return e.deadline_ms >= 0;
}
}  // namespace

jubes::result<outbox_db::entry> outbox_db::decode(std::string_view k, std::string_view v) {
  entry e;
  if (!codec::split_outbox_key(k, e.recipient, e.seq) || !decode_outbox_value(v, e))
    return fail(errc::corrupt, "outbox: undecodable entry");
  return e;
}

jubes::result<std::optional<std::uint64_t>> outbox_db::get(const lmdb::txn& t, const key& k) const {
  auto e = get_entry(t, k);
  if (!e) return e.error();
  if (!*e) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>((*e)->message_id);
}

jubes::result<std::optional<outbox_db::entry>> outbox_db::get_entry(const lmdb::txn& t, const key& k) const {
  auto v = get_raw(t, dbi_, encode_key(k));
  if (!v) return v.error();
  if (!*v) return std::optional<entry>{};
  entry e;
  e.recipient = k.recipient;
  e.seq = k.seq;
  if (!decode_outbox_value(**v, e)) return fail(errc::corrupt, "outbox entry: undecodable value");
  return std::optional<entry>(e);
}

jubes::result<void> outbox_db::put(const lmdb::txn& t, const key& k, std::uint64_t message_id, std::int64_t deadline_ms,
                                   std::int64_t at_risk_from_ms, entry_link link, std::uint64_t link_id) const {
  std::string v;
  auto b = be64(message_id);
  v.append(sv(b));
  if (deadline_ms > 0 || link != entry_link::none) {
    auto d = be64(static_cast<std::uint64_t>(deadline_ms > 0 ? deadline_ms : 0));
    auto r = be64(static_cast<std::uint64_t>(deadline_ms > 0 ? at_risk_from_ms : 0));
    v.append(sv(d)).append(sv(r));
  }
  if (link != entry_link::none) {
    v.push_back(static_cast<char>(link));
    auto l = be64(link_id);
    v.append(sv(l));
  }
  return put_raw(t, dbi_, encode_key(k), v);
}

jubes::result<std::uint64_t> outbox_db::head(const lmdb::txn& t, std::string_view recipient) const {
  lmdb::cursor c;
  if (int rc = lmdb::cursor::open(t, dbi_, c); rc != 0) return lmdb_error(rc);
  // Keys are recipient NUL seq: the first key at or after "recipient\x01" follows them all, so the
  // entry before it is the recipient's newest (if it is the recipient's at all).
  std::string probe(recipient);
  probe.push_back('\x01');
  MDB_val k = lmdb::val(probe), d{};
  int rc = c.get(k, d, MDB_SET_RANGE);
  rc = rc == 0 ? c.get(k, d, MDB_PREV) : rc == MDB_NOTFOUND ? c.get(k, d, MDB_LAST) : rc;
  if (rc == MDB_NOTFOUND) return std::uint64_t{0};
  if (rc != 0) return lmdb_error(rc);
  auto e = decode(lmdb::view(k), lmdb::view(d));
  if (!e) return e.error();
  return e->recipient == recipient ? e->seq : 0;
}

jubes::result<std::optional<std::string>> outbox_db::next_recipient(const lmdb::txn& t, std::string_view after) const {
  lmdb::cursor c;
  if (int rc = lmdb::cursor::open(t, dbi_, c); rc != 0) return lmdb_error(rc);
  std::string probe(after);
  MDB_val k{}, d{};
  int rc = 0;
  if (after.empty()) {
    rc = c.get(k, d, MDB_FIRST);
  } else {
    probe.push_back('\x01');  // past every key of `after`
    k = lmdb::val(probe);
    rc = c.get(k, d, MDB_SET_RANGE);
  }
  if (rc == MDB_NOTFOUND) return std::optional<std::string>{};
  if (rc != 0) return lmdb_error(rc);
  auto e = decode(lmdb::view(k), lmdb::view(d));
  if (!e) return e.error();
  return std::optional<std::string>(std::string(e->recipient));
}

// ---- cursors --------------------------------------------------------------------------------------

jubes::result<cursors_db::entry> cursors_db::decode(std::string_view k, std::string_view v) {
  entry e;
  e.recipient = k;
  if (!codec::read_be64(v, e.cursor)) return fail(errc::corrupt, "cursor " + std::string(k) + ": undecodable");
  return e;
}

jubes::result<std::optional<std::uint64_t>> cursors_db::get(const lmdb::txn& t, std::string_view recipient) const {
  auto v = get_raw(t, dbi_, recipient);
  if (!v) return v.error();
  if (!*v) return std::optional<std::uint64_t>{};
  auto e = decode(recipient, **v);
  if (!e) return e.error();
  return std::optional<std::uint64_t>(e->cursor);
}

jubes::result<void> cursors_db::put(const lmdb::txn& t, std::string_view recipient, std::uint64_t cursor) const {
  auto b = be64(cursor);
  return put_raw(t, dbi_, recipient, sv(b));
}

// ---- parked ---------------------------------------------------------------------------------------

std::string parked_db::encode_key(key id) {
  return u64_key(id);
}

jubes::result<parked_db::entry> parked_db::decode(std::string_view k, std::string_view) {
  auto id = decode_u64(k, "parked key");
  if (!id) return id.error();
  return entry{*id};
}

jubes::result<void> parked_db::put(const lmdb::txn& t, std::uint64_t id) const {
  auto b = be64(id);
  return put_raw(t, dbi_, sv(b), {});
}

jubes::result<bool> parked_db::del(const lmdb::txn& t, std::uint64_t id) const {
  auto b = be64(id);
  return del_raw(t, dbi_, sv(b));
}

// ---- audit ----------------------------------------------------------------------------------------

std::string audit_db::encode_key(key seq) {
  return u64_key(seq);
}

jubes::result<audit_db::entry> audit_db::decode(std::string_view k, std::string_view v) {
  return decode_numbered<entry>(k, v, "audit");
}

jubes::result<void> audit_db::append(const lmdb::txn& t, std::uint64_t seq, const audit_record& rec) const {
  auto& buf = scratch();
  codec::encode(rec, buf);
  auto b = be64(seq);
  return put_raw(t, dbi_, sv(b), buf, MDB_APPEND);
}

jubes::result<void> audit_db::append_chained(const lmdb::txn& t, chain_point& head, audit_record& r) const {
  r.seq = head.seq + 1;
  audit_chain::seal(r, head.hash);
  if (auto w = append(t, r.seq, r); !w) return w;
  head = chain_point{r.seq, r.hash, r.at_ms};
  return {};
}

audit_record audit_db::to_record(entry&& e) {
  audit_record r = std::move(e.rec);
  if (r.chained && r.seq != e.seq)
    r.damage = "out of order: the record stored under seq " + std::to_string(e.seq) + " is record " +
               std::to_string(r.seq) + " (reordered)";
  r.seq = e.seq;
  return r;
}

jubes::result<bool> audit_db::del(const lmdb::txn& t, std::uint64_t seq) const {
  auto b = be64(seq);
  return del_raw(t, dbi_, sv(b));
}

jubes::result<std::optional<std::uint64_t>> audit_db::last_seq(const lmdb::txn& t) const {
  return last_u64_key(t, dbi_, "audit key");
}

}  // namespace jubes::storage::tables
