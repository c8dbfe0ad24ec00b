#include "storage/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "codec.hpp"
#include "common/log.hpp"
#include "lmdb.hpp"

namespace jubes::storage {

namespace {

using boost::system::error_code;
using codec::be64;
using codec::sv;

constexpr std::string_view log_c = "storage";
constexpr std::string_view meta_version_key = "format_version";
constexpr std::string_view meta_dedup_watermark_key = "dedup_purged_upto";
constexpr std::string_view meta_purged_count_key = "purged_bodies";
constexpr std::size_t max_body = 256u << 20;

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t to_ms(std::chrono::seconds s) {
  return s.count() > INT64_MAX / 1000 ? INT64_MAX / 4 : static_cast<std::int64_t>(s.count()) * 1000;
}

/// Writer-side operations; each carries its completion.
struct ingest_op {
  ingest_request req;
  std::array<unsigned char, 32> sha{};
  bool sha_ok = false;
  std::function<void(ingest_result)> done;
};
struct ack_op {
  std::string recipient;
  std::uint64_t upto = 0;
  std::function<void(error_code, std::uint64_t)> done;
};
struct forward_op {
  std::uint64_t id = 0;
  std::string from, to;
  std::function<void(error_code, bool)> done;
};
struct reroute_op {
  std::uint64_t id = 0;
  std::vector<std::string> recipients;
  std::string route_version;
  std::function<void(error_code)> done;
};
struct read_op {
  std::uint64_t id = 0;
  std::string party;
};
struct purge_op {
  purge_result acc;
  std::function<void(boost::system::result<purge_result>)> done;  // empty: the background task
};
using op = std::variant<ingest_op, ack_op, forward_op, reroute_op, read_op, purge_op>;

struct watcher {
  std::uint64_t token;
  std::uint64_t after;
  std::function<void()> wake;
};

/// Recipients in first-seen order without repeats (a rule set may name one recipient twice).
std::vector<std::string> unique_names(std::vector<std::string> v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  return out;
}

template <std::size_t N>
std::size_t bucket_of(const std::array<double, N>& bounds, double v) {
  for (std::size_t i = 0; i < N; ++i)
    if (v <= bounds[i]) return i;
  return N;
}

}  // namespace

struct store::impl {
  options opt_;
  bool read_only_ = false;
  int lock_fd_ = -1;
  lmdb::env_ptr env_;
  MDB_dbi meta_ = 0, messages_ = 0, blobs_ = 0, dedup_ = 0, outbox_ = 0, cursors_ = 0, parked_ = 0, audit_ = 0;

  // Read txns hold it shared; the writer holds it exclusively only while it changes the map size,
  // which LMDB allows only when no transaction of this process is active.
  mutable std::shared_mutex map_mu_;
  std::size_t map_size_ = 0;

  // Queue.
  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<op> q_;
  std::size_t q_bytes_ = 0;  // body bytes of the queued ingests
  bool stopping_ = false;
  std::thread writer_;

  // Retention task.
  std::mutex ret_mu_;
  std::condition_variable ret_cv_;
  bool ret_stop_ = false;
  std::thread retention_;
  std::atomic<bool> purge_inflight_{false};

  // Writer-only state, loaded at open and changed only after a successful commit.
  std::uint64_t next_id_ = 1;
  std::uint64_t next_audit_ = 1;
  std::uint64_t dedup_watermark_ = 0;
  std::uint64_t purged_count_ = 0;

  // Committed outbox heads (written by the writer under watch_mu_, read by watch()) and watchers.
  mutable std::mutex watch_mu_;
  std::unordered_map<std::string, std::uint64_t> heads_;
  std::unordered_map<std::string, std::list<watcher>> watchers_;
  std::unordered_map<std::uint64_t, std::string> token_recipient_;
  std::uint64_t next_token_ = 1;
  bool watch_closed_ = false;

  // Metrics.
  std::atomic<std::uint64_t> rejected_{0}, commits_{0}, commit_failures_{0}, map_grows_{0};
  std::array<std::atomic<std::uint64_t>, group_size_buckets.size() + 1> group_hist_{};
  std::atomic<std::uint64_t> group_sum_{0};
  std::array<std::atomic<std::uint64_t>, commit_seconds_buckets.size() + 1> commit_hist_{};
  std::atomic<std::uint64_t> commit_ns_sum_{0};
  std::atomic<std::uint64_t> parked_count_{0}, accepted_{0}, duplicate_{0}, conflict_{0}, store_full_{0}, io_error_{0},
      acks_{0}, forwards_{0}, reroutes_{0}, purged_bodies_{0}, purged_dedup_{0}, purged_audit_{0}, last_id_{0};

  ~impl() {
    close();
    env_.reset();  // close LMDB before giving up the directory lock
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  std::int64_t now_ms() const { return opt_.clock ? opt_.clock() : system_now_ms(); }

  // ---------------------------------------------------------------------------------------------
  // open

  error_code open_dbis(lmdb::txn& t, unsigned flags, bool quiet = false) {
    struct {
      const char* name;
      MDB_dbi* dbi;
    } dbs[] = {{"meta", &meta_},     {"messages", &messages_}, {"blobs", &blobs_},   {"dedup", &dedup_},
               {"outbox", &outbox_}, {"cursors", &cursors_},   {"parked", &parked_}, {"audit", &audit_}};
    for (auto& d : dbs) {
      int rc = lmdb::open_dbi(t, d.name, flags, *d.dbi);
      if (rc == MDB_NOTFOUND) {
        if (!quiet) log::error(log_c, "not_a_store", {{"dir", opt_.dir.string()}, {"missing_db", d.name}});
        return errc::bad_version;
      }
      if (rc != 0) {
        log::error(log_c, "open_db_failed", {{"db", d.name}, {"error", mdb_strerror(rc)}});
        return lmdb::to_error_code(rc);
      }
    }
    return {};
  }

  error_code check_version(lmdb::txn& t, bool create) {
    std::string_view v;
    int rc = lmdb::get(t, meta_, meta_version_key, v);
    if (rc == MDB_NOTFOUND) {
      if (!create) {
        log::error(log_c, "no_format_version", {{"dir", opt_.dir.string()}});
        return errc::bad_version;
      }
      auto b = be64(format_version);
      rc = lmdb::put(t, meta_, meta_version_key, sv(b));
      return lmdb::to_error_code(rc);
    }
    if (rc != 0) return lmdb::to_error_code(rc);
    std::uint64_t ver = 0;
    if (!codec::read_be64(v, ver) || ver != format_version) {
      log::error(log_c, "bad_format_version",
                 {{"dir", opt_.dir.string()}, {"found", ver}, {"supported", std::uint64_t{format_version}}});
      return errc::bad_version;
    }
    return {};
  }

  static std::uint64_t meta_u64(lmdb::txn& t, MDB_dbi meta, std::string_view key) {
    std::string_view v;
    std::uint64_t out = 0;
    if (lmdb::get(t, meta, key, v) == 0) codec::read_be64(v, out);
    return out;
  }

  /// Loads the writer's caches from what is committed.
  error_code load_state(lmdb::txn& t) {
    lmdb::cursor c;
    MDB_val k{}, d{};
    if (int rc = lmdb::cursor::open(t, messages_, c); rc != 0) return lmdb::to_error_code(rc);
    int rc = c.get(k, d, MDB_LAST);
    if (rc == 0) {
      std::uint64_t id = 0;
      if (!codec::read_be64(lmdb::view(k), id)) return errc::corrupt;
      next_id_ = id + 1;
    } else if (rc != MDB_NOTFOUND) {
      return lmdb::to_error_code(rc);
    }
    last_id_ = next_id_ - 1;
    if (int rc2 = lmdb::cursor::open(t, audit_, c); rc2 != 0) return lmdb::to_error_code(rc2);
    rc = c.get(k, d, MDB_LAST);
    if (rc == 0) {
      std::uint64_t seq = 0;
      if (!codec::read_be64(lmdb::view(k), seq)) return errc::corrupt;
      next_audit_ = seq + 1;
    } else if (rc != MDB_NOTFOUND) {
      return lmdb::to_error_code(rc);
    }
    dedup_watermark_ = meta_u64(t, meta_, meta_dedup_watermark_key);
    purged_count_ = meta_u64(t, meta_, meta_purged_count_key);
    std::uint64_t n = 0;
    if (int rc2 = lmdb::entries(t, parked_, n); rc2 != 0) return lmdb::to_error_code(rc2);
    parked_count_ = n;
    std::vector<std::pair<std::string, outbox_state>> all;
    if (auto ec = list_outboxes(t, all, false)) return ec;
    std::lock_guard lk(watch_mu_);
    for (auto& [r, s] : all) heads_[r] = s.head;
    return {};
  }

  error_code open_env(unsigned flags) {
    MDB_env* e = nullptr;
    int rc = mdb_env_create(&e);
    if (rc != 0) return lmdb::to_error_code(rc);
    env_.reset(e);
    if ((rc = mdb_env_set_maxdbs(e, 16)) != 0) return lmdb::to_error_code(rc);
    // Each read call holds a reader slot only for its own short transaction (MDB_NOTLS), but many
    // connections may read at once; LMDB's default of 126 slots is too tight for a busy gateway.
    if ((rc = mdb_env_set_maxreaders(e, 1024)) != 0) return lmdb::to_error_code(rc);
    if (!(flags & MDB_RDONLY)) {
      if ((rc = mdb_env_set_mapsize(e, opt_.map_size_initial)) != 0) return lmdb::to_error_code(rc);
    }
    rc = mdb_env_open(e, opt_.dir.c_str(), flags, 0600);
    if (rc != 0) {
      log::error(log_c, "env_open_failed", {{"dir", opt_.dir.string()}, {"error", mdb_strerror(rc)}});
      env_.reset();
      return lmdb::to_error_code(rc);
    }
    int dead = 0;
    mdb_reader_check(e, &dead);  // reader slots of a killed process
    MDB_envinfo info{};
    mdb_env_info(e, &info);
    map_size_ = info.me_mapsize;
    return {};
  }

  // ---------------------------------------------------------------------------------------------
  // read helpers (any thread)

  /// Runs f(txn) inside a read transaction. A read-only store follows a map grown by jubesd.
  template <class F>
  auto with_read(F&& f) const -> decltype(f(std::declval<lmdb::txn&>())) {
    for (int attempt = 0;; ++attempt) {
      std::shared_lock lk(map_mu_);
      lmdb::txn t;
      int rc = lmdb::txn::begin(env_.get(), MDB_RDONLY, t);
      if (rc == MDB_MAP_RESIZED && attempt < 3) {
        lk.unlock();
        std::unique_lock ex(map_mu_);
        mdb_env_set_mapsize(env_.get(), 0);
        continue;
      }
      if (rc != 0) {
        log::error(log_c, "read_txn_failed", {{"error", mdb_strerror(rc)}});
        return lmdb::to_error_code(rc);
      }
      return f(t);
    }
  }

  /// Head of one recipient's outbox in `t` (0: none).
  error_code head_in(lmdb::txn& t, std::string_view recipient, std::uint64_t& head) const {
    head = 0;
    lmdb::cursor c;
    if (int rc = lmdb::cursor::open(t, outbox_, c); rc != 0) return lmdb::to_error_code(rc);
    // Keys are recipient NUL seq: the first key at or after "recipient\x01" follows them all.
    std::string probe(recipient);
    probe.push_back('\x01');
    MDB_val k = lmdb::val(probe), d{};
    int rc = c.get(k, d, MDB_SET_RANGE);
    if (rc == 0) {
      rc = c.get(k, d, MDB_PREV);
    } else if (rc == MDB_NOTFOUND) {
      rc = c.get(k, d, MDB_LAST);
    }
    if (rc == MDB_NOTFOUND) return {};
    if (rc != 0) return lmdb::to_error_code(rc);
    std::string_view r;
    std::uint64_t seq = 0;
    if (!codec::split_outbox_key(lmdb::view(k), r, seq)) return errc::corrupt;
    if (r == recipient) head = seq;
    return {};
  }

  error_code cursor_in(lmdb::txn& t, std::string_view recipient, std::uint64_t& cur) const {
    cur = 0;
    std::string_view v;
    int rc = lmdb::get(t, cursors_, recipient, v);
    if (rc == MDB_NOTFOUND) return {};
    if (rc != 0) return lmdb::to_error_code(rc);
    if (!codec::read_be64(v, cur)) return errc::corrupt;
    return {};
  }

  error_code entry_id_in(lmdb::txn& t, std::string_view recipient, std::uint64_t seq, std::uint64_t& id) const {
    std::string_view v;
    int rc = lmdb::get(t, outbox_, codec::outbox_key(recipient, seq), v);
    if (rc != 0) return lmdb::to_error_code(rc);
    if (!codec::read_be64(v, id)) return errc::corrupt;
    return {};
  }

  error_code message_in(lmdb::txn& t, std::uint64_t id, codec::message_rec& rec) const {
    std::string_view v;
    auto key = be64(id);
    int rc = lmdb::get(t, messages_, sv(key), v);
    if (rc != 0) return lmdb::to_error_code(rc);
    if (!codec::decode(v, rec)) {
      log::error(log_c, "corrupt_message_record", {{"message_id", id}});
      return errc::corrupt;
    }
    return {};
  }

  /// The body of a message from its blob; `cache_id/cache_blob` avoid re-reading the same blob.
  error_code body_in(lmdb::txn& t, const codec::message_rec& rec, std::uint64_t& cache_id, std::string_view& cache_blob,
                     std::string& out) const {
    if (rec.flags & codec::flag_purged) {
      out.clear();
      return {};
    }
    if (cache_id != rec.blob_id || cache_blob.empty()) {
      auto key = be64(rec.blob_id);
      int rc = lmdb::get(t, blobs_, sv(key), cache_blob);
      if (rc != 0) {
        cache_id = 0;
        cache_blob = {};
        return rc == MDB_NOTFOUND ? error_code(errc::corrupt) : lmdb::to_error_code(rc);
      }
      cache_id = rec.blob_id;
    }
    std::uint32_t count = 0;
    codec::reader rd(cache_blob);
    if (!rd.u32(count)) return errc::corrupt;
    std::size_t start = codec::blob_header_len(count) + rec.body_offset;
    if (start > cache_blob.size() || rec.body_len > cache_blob.size() - start) return errc::corrupt;
    out.assign(cache_blob.substr(start, rec.body_len));
    return {};
  }

  error_code state_in(lmdb::txn& t, std::string_view recipient, outbox_state& s) const {
    s = {};
    if (auto ec = head_in(t, recipient, s.head)) return ec;
    if (auto ec = cursor_in(t, recipient, s.cursor)) return ec;
    if (s.head > s.cursor) {
      std::uint64_t id = 0;
      codec::message_rec rec;
      if (auto ec = entry_id_in(t, recipient, s.cursor + 1, id)) return ec;
      if (auto ec = message_in(t, id, rec)) return ec;
      s.oldest_unacked_ms = rec.accepted_at_ms;
    }
    return {};
  }

  /// Every recipient with an outbox; jumps from one recipient's keys to the next.
  error_code list_outboxes(lmdb::txn& t, std::vector<std::pair<std::string, outbox_state>>& out,
                           bool full_state) const {
    out.clear();
    lmdb::cursor c;
    if (int rc = lmdb::cursor::open(t, outbox_, c); rc != 0) return lmdb::to_error_code(rc);
    MDB_val k{}, d{};
    int rc = c.get(k, d, MDB_FIRST);
    while (rc == 0) {
      std::string_view r;
      std::uint64_t seq = 0;
      if (!codec::split_outbox_key(lmdb::view(k), r, seq)) return errc::corrupt;
      std::string name(r);
      outbox_state s;
      if (full_state) {
        if (auto ec = state_in(t, name, s)) return ec;
      } else if (auto ec = head_in(t, name, s.head)) {
        return ec;
      }
      out.emplace_back(name, s);
      std::string probe = name;
      probe.push_back('\x01');
      k = lmdb::val(probe);
      rc = c.get(k, d, MDB_SET_RANGE);
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    return {};
  }

  // ---------------------------------------------------------------------------------------------
  // writer

  /// What one attempt at a group may do. The writer lowers the level when the map is full so that
  /// acks and reads go on while ingest gets store_full.
  enum class level { all = 0, no_growth = 1, no_audit = 2 };

  struct blob_builder {
    std::uint64_t id = 0;
    std::vector<std::uint64_t> ids;
    std::string bodies;
  };

  /// Everything a group changes outside LMDB, applied only after its commit succeeded.
  struct stage {
    std::int64_t now = 0;
    level lvl = level::all;
    std::uint64_t next_id = 0, next_audit = 0;
    std::unordered_map<std::string, std::uint64_t> heads;
    std::vector<blob_builder> blobs;
    std::int64_t parked_delta = 0;
    std::uint64_t accepted = 0, duplicate = 0, conflict = 0, store_full = 0, acks = 0, forwards = 0, reroutes = 0;
    std::vector<std::function<void()>> fire;  // completions, in request order
    std::string scratch;
  };

  std::uint64_t head_of(const stage& st, const std::string& recipient) const {
    if (auto it = st.heads.find(recipient); it != st.heads.end()) return it->second;
    // Only the writer changes heads_, so it reads them without the lock.
    if (auto it = heads_.find(recipient); it != heads_.end()) return it->second;
    return 0;
  }

  int put_audit(lmdb::txn& t, stage& st, audit_kind kind, std::uint64_t id, std::string_view party,
                std::string_view detail) {
    if (st.lvl >= level::no_audit) return 0;
    codec::audit_rec a;
    a.at_ms = st.now;
    a.kind = static_cast<std::uint8_t>(kind);
    a.message_id = id;
    a.party.assign(party);
    a.detail.assign(detail);
    codec::encode(a, st.scratch);
    auto key = be64(st.next_audit++);
    return lmdb::put(t, audit_, sv(key), st.scratch, MDB_APPEND);
  }

  int append_outbox(lmdb::txn& t, stage& st, const std::string& recipient, std::uint64_t id) {
    std::uint64_t seq = head_of(st, recipient) + 1;
    auto v = be64(id);
    int rc = lmdb::put(t, outbox_, codec::outbox_key(recipient, seq), sv(v));
    if (rc == 0) st.heads[recipient] = seq;
    return rc;
  }

  int put_message(lmdb::txn& t, stage& st, std::uint64_t id, const codec::message_rec& rec, unsigned flags) {
    codec::encode(rec, st.scratch);
    auto key = be64(id);
    return lmdb::put(t, messages_, sv(key), st.scratch, flags);
  }

  int apply(lmdb::txn& t, stage& st, ingest_op& o) {
    auto& r = o.req;
    auto reply = [&st, &o](ingest_outcome out, receipt rc = {}) {
      st.fire.push_back([&o, out, rc]() mutable { o.done(ingest_result{out, std::move(rc)}); });
    };
    bool ok = o.sha_ok && codec::valid_name(r.party) && !r.referentienummer.empty() &&
              r.referentienummer.size() <= codec::max_name && !r.message_type.empty() && r.body.size() <= max_body;
    for (const auto& rc : r.recipients) ok = ok && codec::valid_name(rc);
    if (!ok) {
      reply(ingest_outcome::invalid);
      return 0;
    }
    const std::string key = codec::dedup_key(r.party, r.referentienummer);
    std::string_view existing;
    int rc = lmdb::get(t, dedup_, key, existing);
    if (rc == 0) {
      codec::dedup_rec d;
      if (!codec::decode(existing, d)) {
        log::error(log_c, "corrupt_dedup_record", {{"party", r.party}});
        reply(ingest_outcome::io_error);
        return 0;
      }
      if (d.sha256 == o.sha) {
        ++st.duplicate;
        reply(ingest_outcome::duplicate, receipt{d.message_id, r.referentienummer, d.accepted_at_ms});
      } else {
        ++st.conflict;
        reply(ingest_outcome::conflict);
      }
      return 0;
    }
    if (rc != MDB_NOTFOUND) return rc;
    if (st.lvl >= level::no_growth) {
      ++st.store_full;
      reply(ingest_outcome::store_full);
      return 0;
    }
    const std::uint64_t id = st.next_id++;
    const auto recipients = unique_names(r.recipients);

    if (st.blobs.empty() ||
        (!st.blobs.back().bodies.empty() && st.blobs.back().bodies.size() + r.body.size() > opt_.blob_bytes))
      st.blobs.push_back(blob_builder{id, {}, {}});
    auto& b = st.blobs.back();
    codec::message_rec rec;
    rec.flags = recipients.empty() ? codec::flag_parked : 0;
    rec.received_at_ms = r.received_at_ms;
    rec.accepted_at_ms = st.now;
    rec.blob_id = b.id;
    rec.body_offset = static_cast<std::uint32_t>(b.bodies.size());
    rec.body_len = static_cast<std::uint32_t>(r.body.size());
    rec.party = r.party;
    rec.refnr = r.referentienummer;
    rec.message_type = r.message_type;
    rec.route_version = r.route_version;
    rec.park_reason = recipients.empty() ? r.park_reason : std::string();
    rec.recipients = recipients;
    rec.matched_rules = r.matched_rules;
    b.ids.push_back(id);
    b.bodies.append(r.body);

    if ((rc = put_message(t, st, id, rec, MDB_APPEND)) != 0) return rc;
    codec::dedup_rec d;
    d.sha256 = o.sha;
    d.message_id = id;
    d.accepted_at_ms = st.now;
    codec::encode(d, st.scratch);
    if ((rc = lmdb::put(t, dedup_, key, st.scratch, MDB_NOOVERWRITE)) != 0) return rc;
    // One audit record per message covers acceptance and routing: 1+R records cost about a quarter
    // of ingest throughput at 3 recipients (measured, docs/storage.md).
    std::string detail = r.message_type;
    detail += recipients.empty() ? " parked: " + r.park_reason : " to=";
    for (std::size_t i = 0; i < recipients.size(); ++i) (detail += i ? "," : "") += recipients[i];
    if ((rc = put_audit(t, st, recipients.empty() ? audit_kind::parked : audit_kind::accepted, id, r.party, detail)) !=
        0)
      return rc;
    for (const auto& rcpt : recipients)
      if ((rc = append_outbox(t, st, rcpt, id)) != 0) return rc;
    if (recipients.empty()) {
      if ((rc = lmdb::put(t, parked_, sv(be64(id)), {})) != 0) return rc;
      ++st.parked_delta;
    }
    ++st.accepted;
    reply(ingest_outcome::accepted, receipt{id, r.referentienummer, st.now});
    return 0;
  }

  int apply(lmdb::txn& t, stage& st, ack_op& o) {
    auto reply = [&st, &o](error_code ec, std::uint64_t cur) { st.fire.push_back([&o, ec, cur] { o.done(ec, cur); }); };
    if (!codec::valid_name(o.recipient)) {
      reply(errc::invalid_argument, 0);
      return 0;
    }
    std::uint64_t cur = 0;
    std::string_view v;
    int rc = lmdb::get(t, cursors_, o.recipient, v);
    if (rc == 0) {
      if (!codec::read_be64(v, cur)) {
        reply(errc::corrupt, 0);
        return 0;
      }
    } else if (rc != MDB_NOTFOUND) {
      return rc;
    }
    if (o.upto <= cur) {
      reply({}, cur);
      return 0;
    }
    if (o.upto > head_of(st, o.recipient)) {
      reply(errc::beyond_head, cur);
      return 0;
    }
    if (st.lvl < level::no_audit) {
      for (std::uint64_t seq = cur + 1; seq <= o.upto; ++seq) {
        std::string_view idv;
        std::uint64_t id = 0;
        rc = lmdb::get(t, outbox_, codec::outbox_key(o.recipient, seq), idv);
        if (rc != 0) return rc;
        codec::read_be64(idv, id);
        if ((rc = put_audit(t, st, audit_kind::acked, id, o.recipient, std::to_string(seq))) != 0) return rc;
      }
    }
    auto nv = be64(o.upto);
    if ((rc = lmdb::put(t, cursors_, o.recipient, sv(nv))) != 0) return rc;
    ++st.acks;
    reply({}, o.upto);
    return 0;
  }

  /// Reads a message record for update; domain errors are reported through `fail`.
  template <class Fail>
  int load_for_update(lmdb::txn& t, std::uint64_t id, codec::message_rec& rec, Fail&& fail) {
    std::string_view v;
    auto key = be64(id);
    int rc = lmdb::get(t, messages_, sv(key), v);
    if (rc == MDB_NOTFOUND) {
      fail(errc::not_found);
      return -1;
    }
    if (rc != 0) return rc;
    if (!codec::decode(v, rec)) {
      fail(errc::corrupt);
      return -1;
    }
    return 0;
  }

  int apply(lmdb::txn& t, stage& st, forward_op& o) {
    auto reply = [&st, &o](error_code ec, bool added) { st.fire.push_back([&o, ec, added] { o.done(ec, added); }); };
    if (!codec::valid_name(o.from) || !codec::valid_name(o.to)) {
      reply(errc::invalid_argument, false);
      return 0;
    }
    codec::message_rec rec;
    int rc = load_for_update(t, o.id, rec, [&](error_code ec) { reply(ec, false); });
    if (rc != 0) return rc < 0 ? 0 : rc;
    auto& rs = rec.recipients;
    if (std::find(rs.begin(), rs.end(), o.from) == rs.end()) {
      reply(errc::not_recipient, false);
      return 0;
    }
    if (o.to == rec.party) {
      reply(errc::invalid_argument, false);
      return 0;
    }
    if (std::find(rs.begin(), rs.end(), o.to) != rs.end()) {
      reply({}, false);  // exactly once per (message, target): a repeat changes nothing
      return 0;
    }
    if (st.lvl >= level::no_growth) {
      reply(errc::store_full, false);
      return 0;
    }
    rs.push_back(o.to);
    if ((rc = put_message(t, st, o.id, rec, 0)) != 0) return rc;
    if ((rc = append_outbox(t, st, o.to, o.id)) != 0) return rc;
    if ((rc = put_audit(t, st, audit_kind::forwarded, o.id, o.from, o.to)) != 0) return rc;
    ++st.forwards;
    reply({}, true);
    return 0;
  }

  int apply(lmdb::txn& t, stage& st, reroute_op& o) {
    auto reply = [&st, &o](error_code ec) { st.fire.push_back([&o, ec] { o.done(ec); }); };
    auto recipients = unique_names(o.recipients);
    bool ok = !recipients.empty();
    for (const auto& r : recipients) ok = ok && codec::valid_name(r);
    if (!ok) {
      reply(errc::invalid_argument);
      return 0;
    }
    codec::message_rec rec;
    int rc = load_for_update(t, o.id, rec, [&](error_code ec) { reply(ec); });
    if (rc != 0) return rc < 0 ? 0 : rc;
    if (!(rec.flags & codec::flag_parked) || (rec.flags & codec::flag_purged)) {
      reply(errc::not_parked);
      return 0;
    }
    if (st.lvl >= level::no_growth) {
      reply(errc::store_full);
      return 0;
    }
    rec.flags = static_cast<std::uint8_t>(rec.flags & ~codec::flag_parked);
    rec.recipients = recipients;
    rec.route_version = o.route_version;
    if ((rc = put_message(t, st, o.id, rec, 0)) != 0) return rc;
    rc = lmdb::del(t, parked_, sv(be64(o.id)));
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
    if (rc == 0) --st.parked_delta;
    for (const auto& r : recipients) {
      if ((rc = append_outbox(t, st, r, o.id)) != 0) return rc;
      if ((rc = put_audit(t, st, audit_kind::rerouted, o.id, r, o.route_version)) != 0) return rc;
    }
    ++st.reroutes;
    reply({});
    return 0;
  }

  int apply(lmdb::txn& t, stage& st, read_op& o) {
    if (!codec::valid_name(o.party)) return 0;
    return put_audit(t, st, audit_kind::read, o.id, o.party, {});
  }

  int apply(lmdb::txn&, stage&, purge_op&) { return 0; }  // never grouped; see run_purge

  /// Writes the group's packed bodies: u32 count, the ids, then the bodies, reserved in place.
  int put_blobs(lmdb::txn& t, stage& st) {
    for (auto& b : st.blobs) {
      if (b.ids.empty()) continue;
      auto key = be64(b.id);
      MDB_val k = lmdb::val(sv(key));
      MDB_val d{codec::blob_header_len(b.ids.size()) + b.bodies.size(), nullptr};
      int rc = mdb_put(t.get(), blobs_, &k, &d, MDB_RESERVE | MDB_APPEND);
      if (rc != 0) return rc;
      std::string header;
      codec::writer w(header);
      w.u32(static_cast<std::uint32_t>(b.ids.size()));
      for (auto id : b.ids) w.u64(id);
      auto* p = static_cast<char*>(d.mv_data);
      std::memcpy(p, header.data(), header.size());
      std::memcpy(p + header.size(), b.bodies.data(), b.bodies.size());
    }
    return 0;
  }

  void fail_all(std::vector<op>& batch, error_code ec) {
    for (auto& o : batch) {
      std::visit(
          [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, ingest_op>) {
              bool full = ec == errc::store_full;
              (full ? store_full_ : io_error_)++;
              x.done(ingest_result{full ? ingest_outcome::store_full : ingest_outcome::io_error, {}});
            } else if constexpr (std::is_same_v<T, ack_op>) {
              x.done(ec, 0);
            } else if constexpr (std::is_same_v<T, forward_op>) {
              x.done(ec, false);
            } else if constexpr (std::is_same_v<T, reroute_op>) {
              x.done(ec);
            } else if constexpr (std::is_same_v<T, purge_op>) {
              if (x.done) x.done(ec);
            }
          },
          o);
    }
  }

  /// Grows the map (doubling, capped at map_size_max). @return false if already at the maximum.
  bool grow_map(const char* why) {
    if (map_size_ >= opt_.map_size_max) return false;
    std::size_t want = std::min(opt_.map_size_max, std::max(map_size_ * 2, map_size_ + (64u << 20)));
    std::unique_lock ex(map_mu_);
    int rc = mdb_env_set_mapsize(env_.get(), want);
    if (rc != 0) {
      log::error(log_c, "map_grow_failed", {{"to", want}, {"error", mdb_strerror(rc)}});
      return false;
    }
    MDB_envinfo info{};
    mdb_env_info(env_.get(), &info);
    map_size_ = info.me_mapsize;
    ++map_grows_;
    log::info(log_c, "map_grown", {{"map_size", map_size_}, {"why", why}});
    return true;
  }

  /// Grows ahead of need so that a group rarely aborts on MDB_MAP_FULL.
  void maybe_grow() {
    MDB_envinfo info{};
    mdb_env_info(env_.get(), &info);
    MDB_stat st{};
    mdb_env_stat(env_.get(), &st);
    std::size_t used = (info.me_last_pgno + 1) * st.ms_psize;
    if (used > map_size_ / 4 * 3) grow_map("ahead");
  }

  void record_commit(std::size_t n, std::chrono::steady_clock::duration d) {
    ++commits_;
    group_hist_[bucket_of(group_size_buckets, static_cast<double>(n))]++;
    group_sum_ += n;
    double secs = std::chrono::duration<double>(d).count();
    commit_hist_[bucket_of(commit_seconds_buckets, secs)]++;
    commit_ns_sum_ += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }

  /// Publishes committed heads and collects the long-poll waiters they satisfy.
  std::vector<std::function<void()>> publish_heads(const std::unordered_map<std::string, std::uint64_t>& heads) {
    std::vector<std::function<void()>> wakes;
    std::lock_guard lk(watch_mu_);
    for (const auto& [r, h] : heads) {
      heads_[r] = h;
      auto it = watchers_.find(r);
      if (it == watchers_.end()) continue;
      auto& l = it->second;
      for (auto w = l.begin(); w != l.end();) {
        if (h > w->after) {
          token_recipient_.erase(w->token);
          wakes.push_back(std::move(w->wake));
          w = l.erase(w);
        } else {
          ++w;
        }
      }
      if (l.empty()) watchers_.erase(it);
    }
    return wakes;
  }

  void run_group(std::vector<op>& batch) {
    level lvl = level::all;
    for (int attempt = 0;; ++attempt) {
      stage st;
      st.now = now_ms();
      st.lvl = lvl;
      st.next_id = next_id_;
      st.next_audit = next_audit_;
      auto t0 = std::chrono::steady_clock::now();
      lmdb::txn t;
      int rc = lmdb::txn::begin(env_.get(), 0, t);
      for (std::size_t i = 0; rc == 0 && i < batch.size(); ++i)
        rc = std::visit([&](auto& x) { return apply(t, st, x); }, batch[i]);
      if (rc == 0) rc = put_blobs(t, st);
      if (rc == 0) {
        rc = t.commit();
      } else {
        t.abort();
      }
      if (rc == 0) {
        record_commit(batch.size(), std::chrono::steady_clock::now() - t0);
        next_id_ = st.next_id;
        next_audit_ = st.next_audit;
        last_id_ = next_id_ - 1;
        parked_count_ += static_cast<std::uint64_t>(st.parked_delta);
        accepted_ += st.accepted;
        duplicate_ += st.duplicate;
        conflict_ += st.conflict;
        store_full_ += st.store_full;
        acks_ += st.acks;
        forwards_ += st.forwards;
        reroutes_ += st.reroutes;
        auto wakes = publish_heads(st.heads);
        for (auto& f : st.fire) f();
        for (auto& w : wakes) w();
        maybe_grow();
        return;
      }
      if (rc == MDB_MAP_FULL && attempt < 8) {
        if (grow_map("map_full")) continue;
        if (lvl != level::no_audit) {
          lvl = lvl == level::all ? level::no_growth : level::no_audit;
          log::warn(log_c, "store_full", {{"map_size", map_size_}, {"level", static_cast<int>(lvl)}});
          continue;
        }
      }
      ++commit_failures_;
      log::error(log_c, "group_commit_failed", {{"error", mdb_strerror(rc)}, {"requests", batch.size()}});
      fail_all(batch, lmdb::to_error_code(rc));
      return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // retention

  /// One bounded retention transaction. @return 0 or an LMDB code.
  int purge_once(purge_result& res, bool& more) {
    more = false;
    stage st;
    st.now = now_ms();
    st.next_audit = next_audit_;
    const std::int64_t cutoff_bodies = st.now - to_ms(opt_.retention_bodies);
    const std::int64_t cutoff_dedup = cutoff_bodies - to_ms(opt_.retention_dedup_extra);
    const std::int64_t cutoff_audit = st.now - to_ms(opt_.retention_audit);
    const std::size_t batch = std::max<std::size_t>(1, opt_.retention_batch);
    std::uint64_t n_bodies = 0, n_dedup = 0, n_audit = 0;
    std::uint64_t watermark = dedup_watermark_;

    lmdb::txn t;
    int rc = lmdb::txn::begin(env_.get(), 0, t);
    if (rc != 0) return rc;
    // Bodies: blob ids grow with time, so the oldest blobs come first.
    std::vector<std::uint64_t> dead_blobs;
    {
      lmdb::cursor c;
      if ((rc = lmdb::cursor::open(t, blobs_, c)) != 0) return rc;
      MDB_val k{}, d{};
      int crc = c.get(k, d, MDB_FIRST);
      while (crc == 0) {
        if (n_bodies >= batch) {
          more = true;
          break;
        }
        std::uint64_t bid = 0;
        codec::blob_header h;
        if (!codec::read_be64(lmdb::view(k), bid) || !codec::decode_blob_header(lmdb::view(d), h) || h.ids.empty()) {
          log::error(log_c, "corrupt_blob", {{"blob_id", bid}});
          return MDB_CORRUPTED;
        }
        codec::message_rec first;
        if (auto ec = message_in(t, h.ids.front(), first)) return MDB_CORRUPTED;
        if (first.accepted_at_ms >= cutoff_bodies) break;
        dead_blobs.push_back(bid);
        n_bodies += h.ids.size();
        crc = c.get(k, d, MDB_NEXT);
      }
      if (crc != 0 && crc != MDB_NOTFOUND) return crc;
    }
    for (auto bid : dead_blobs) {
      std::string_view v;
      auto key = be64(bid);
      if ((rc = lmdb::get(t, blobs_, sv(key), v)) != 0) return rc;
      codec::blob_header h;
      codec::decode_blob_header(v, h);
      for (auto id : h.ids) {
        codec::message_rec rec;
        if (message_in(t, id, rec)) return MDB_CORRUPTED;
        if (rec.flags & codec::flag_parked) {
          rc = lmdb::del(t, parked_, sv(be64(id)));
          if (rc == 0) --st.parked_delta;
          if (rc != 0 && rc != MDB_NOTFOUND) return rc;
        }
        rec.flags = codec::flag_purged;
        rec.blob_id = 0;
        rec.body_offset = rec.body_len = 0;
        if ((rc = put_message(t, st, id, rec, 0)) != 0) return rc;
        if ((rc = put_audit(t, st, audit_kind::purged, id, {}, {})) != 0) return rc;
      }
      if ((rc = lmdb::del(t, blobs_, sv(key))) != 0) return rc;
    }
    // Dedup records: walk messages in id order from the watermark.
    {
      lmdb::cursor c;
      if ((rc = lmdb::cursor::open(t, messages_, c)) != 0) return rc;
      auto start = be64(watermark + 1);
      MDB_val k = lmdb::val(sv(start)), d{};
      int crc = c.get(k, d, MDB_SET_RANGE);
      std::vector<std::pair<std::uint64_t, std::string>> dead;
      while (crc == 0) {
        if (n_dedup >= batch) {
          more = true;
          break;
        }
        std::uint64_t id = 0;
        codec::message_rec rec;
        if (!codec::read_be64(lmdb::view(k), id) || !codec::decode(lmdb::view(d), rec)) return MDB_CORRUPTED;
        if (rec.accepted_at_ms >= cutoff_dedup) break;
        dead.emplace_back(id, codec::dedup_key(rec.party, rec.refnr));
        ++n_dedup;
        crc = c.get(k, d, MDB_NEXT);
      }
      if (crc != 0 && crc != MDB_NOTFOUND) return crc;
      for (auto& [id, key] : dead) {
        std::string_view v;
        codec::dedup_rec dr;
        rc = lmdb::get(t, dedup_, key, v);
        if (rc == 0 && codec::decode(v, dr) && dr.message_id == id) rc = lmdb::del(t, dedup_, key);
        if (rc != 0 && rc != MDB_NOTFOUND) return rc;
        watermark = id;
      }
      if (!dead.empty()) {
        auto wv = be64(watermark);
        if ((rc = lmdb::put(t, meta_, meta_dedup_watermark_key, sv(wv))) != 0) return rc;
      }
    }
    // Audit trail: its own period, oldest first.
    {
      lmdb::cursor c;
      if ((rc = lmdb::cursor::open(t, audit_, c)) != 0) return rc;
      MDB_val k{}, d{};
      int crc = c.get(k, d, MDB_FIRST);
      std::vector<std::uint64_t> dead;
      while (crc == 0) {
        if (n_audit >= batch) {
          more = true;
          break;
        }
        codec::audit_rec a;
        std::uint64_t seq = 0;
        if (!codec::read_be64(lmdb::view(k), seq) || !codec::decode(lmdb::view(d), a)) return MDB_CORRUPTED;
        if (a.at_ms >= cutoff_audit) break;
        dead.push_back(seq);
        ++n_audit;
        crc = c.get(k, d, MDB_NEXT);
      }
      if (crc != 0 && crc != MDB_NOTFOUND) return crc;
      c.close();
      for (auto seq : dead)
        if ((rc = lmdb::del(t, audit_, sv(be64(seq)))) != 0) return rc;
    }
    if (n_bodies > 0) {
      auto pv = be64(purged_count_ + n_bodies);
      if ((rc = lmdb::put(t, meta_, meta_purged_count_key, sv(pv))) != 0) return rc;
    }
    if (n_bodies == 0 && n_dedup == 0 && n_audit == 0) return 0;  // nothing to commit
    if ((rc = t.commit()) != 0) return rc;
    next_audit_ = st.next_audit;
    dedup_watermark_ = watermark;
    purged_count_ += n_bodies;
    parked_count_ += static_cast<std::uint64_t>(st.parked_delta);
    purged_bodies_ += n_bodies;
    purged_dedup_ += n_dedup;
    purged_audit_ += n_audit;
    res.bodies += n_bodies;
    res.dedup += n_dedup;
    res.audit += n_audit;
    if (n_bodies || n_dedup || n_audit)
      log::info(log_c, "purged", {{"bodies", n_bodies}, {"dedup", n_dedup}, {"audit", n_audit}, {"more", more}});
    return 0;
  }

  void run_purge(purge_op& o) {
    bool more = false;
    int rc = purge_once(o.acc, more);
    if (rc == MDB_MAP_FULL && grow_map("purge")) rc = purge_once(o.acc, more);
    if (rc != 0) {
      ++commit_failures_;
      log::error(log_c, "purge_failed", {{"error", mdb_strerror(rc)}});
      if (o.done) o.done(lmdb::to_error_code(rc));
      if (!o.done) purge_inflight_ = false;
      return;
    }
    if (more) {
      // Requeue behind whatever arrived meanwhile, so ingest never waits for more than one batch.
      std::lock_guard lk(q_mu_);
      if (o.done || !stopping_) {
        q_.push_back(std::move(o));
        return;
      }
    }
    o.acc.more = more;
    if (o.done) {
      o.done(o.acc);
    } else {
      purge_inflight_ = false;
    }
  }

  void writer_loop() {
    std::vector<op> batch;
    for (;;) {
      batch.clear();
      {
        std::unique_lock lk(q_mu_);
        q_cv_.wait(lk, [&] { return !q_.empty() || stopping_; });
        if (q_.empty()) return;
        if (std::holds_alternative<purge_op>(q_.front())) {
          batch.push_back(std::move(q_.front()));
          q_.pop_front();
        } else {
          while (!q_.empty() && batch.size() < opt_.max_group && !std::holds_alternative<purge_op>(q_.front())) {
            q_bytes_ -= op_bytes(q_.front());
            batch.push_back(std::move(q_.front()));
            q_.pop_front();
          }
        }
      }
      if (std::holds_alternative<purge_op>(batch.front())) {
        run_purge(std::get<purge_op>(batch.front()));
      } else {
        run_group(batch);
      }
    }
  }

  void retention_loop() {
    for (;;) {
      std::unique_lock lk(ret_mu_);
      if (ret_cv_.wait_for(lk, opt_.retention_interval, [&] { return ret_stop_; })) return;
      lk.unlock();
      if (purge_inflight_.exchange(true)) continue;
      if (!enqueue(purge_op{}, false)) purge_inflight_ = false;
    }
  }

  static std::size_t op_bytes(const op& o) {
    auto* i = std::get_if<ingest_op>(&o);
    return i ? i->req.body.size() : 0;
  }

  bool enqueue(op&& o, bool bypass_capacity) {
    const std::size_t bytes = op_bytes(o);
    {
      std::lock_guard lk(q_mu_);
      if (read_only_ || stopping_ || !writer_.joinable()) return false;
      // An empty queue takes any one request, so a single large body is never refused for size.
      if (!bypass_capacity &&
          (q_.size() >= opt_.queue_capacity || (!q_.empty() && q_bytes_ + bytes > opt_.queue_max_bytes))) {
        ++rejected_;
        return false;
      }
      q_bytes_ += bytes;
      q_.push_back(std::move(o));
    }
    q_cv_.notify_one();
    return true;
  }

  void close() {
    {
      std::lock_guard lk(ret_mu_);
      ret_stop_ = true;
    }
    ret_cv_.notify_all();
    if (retention_.joinable()) retention_.join();
    {
      std::lock_guard lk(q_mu_);
      stopping_ = true;
    }
    q_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lk(watch_mu_);
      watch_closed_ = true;
      for (auto& [r, l] : watchers_)
        for (auto& w : l) wakes.push_back(std::move(w.wake));
      watchers_.clear();
      token_recipient_.clear();
    }
    for (auto& w : wakes) w();
  }
};

// -------------------------------------------------------------------------------------------------
// public

std::string_view to_string(ingest_outcome o) noexcept {
  switch (o) {
    case ingest_outcome::accepted:
      return "accepted";
    case ingest_outcome::duplicate:
      return "duplicate";
    case ingest_outcome::conflict:
      return "conflict";
    case ingest_outcome::store_full:
      return "store_full";
    case ingest_outcome::io_error:
      return "io_error";
    case ingest_outcome::invalid:
      return "invalid";
  }
  return "unknown";
}

std::string_view to_string(audit_kind k) noexcept {
  switch (k) {
    case audit_kind::accepted:
      return "accepted";
    case audit_kind::routed:
      return "routed";
    case audit_kind::parked:
      return "parked";
    case audit_kind::acked:
      return "acked";
    case audit_kind::forwarded:
      return "forwarded";
    case audit_kind::read:
      return "read";
    case audit_kind::purged:
      return "purged";
    case audit_kind::rerouted:
      return "rerouted";
  }
  return "unknown";
}

bool may_read(const stored_message& m, std::string_view party) noexcept {
  if (party.empty()) return false;
  if (m.source_party == party) return true;
  return std::find(m.recipients.begin(), m.recipients.end(), party) != m.recipients.end();
}

store::store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
store::~store() = default;

boost::system::result<std::unique_ptr<store>> store::open(const options& o) {
  if (o.dir.empty() || o.queue_capacity == 0 || o.max_group == 0 || o.map_size_initial == 0 ||
      o.map_size_max < o.map_size_initial) {
    log::error(log_c, "bad_options", {{"dir", o.dir.string()}});
    return make_error_code(errc::invalid_argument);
  }
  auto p = std::make_unique<impl>();
  p->opt_ = o;
  std::error_code fec;
  std::filesystem::create_directories(o.dir, fec);
  if (fec) {
    log::error(log_c, "mkdir_failed", {{"dir", o.dir.string()}, {"error", fec.message()}});
    return make_error_code(errc::io_error);
  }
  auto lock_path = o.dir / "LOCK";
  p->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (p->lock_fd_ < 0) {
    log::error(log_c, "lock_open_failed", {{"path", lock_path.string()}, {"error", std::strerror(errno)}});
    return make_error_code(errc::io_error);
  }
  if (::flock(p->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    log::error(log_c, "locked", {{"path", lock_path.string()}, {"error", std::strerror(e)}});
    return make_error_code(e == EWOULDBLOCK ? errc::locked : errc::io_error);
  }
  unsigned flags = MDB_NOTLS | (o.durable ? 0u : MDB_NOSYNC);
  if (auto ec = p->open_env(flags)) return ec;
  {
    lmdb::txn t;
    int rc = lmdb::txn::begin(p->env_.get(), 0, t);
    if (rc != 0) return lmdb::to_error_code(rc);
    // Before creating anything, refuse a directory that holds some other LMDB store.
    if (auto ec = p->open_dbis(t, 0, true); ec == errc::bad_version) {
      MDB_dbi main_db = 0;
      std::uint64_t n = 0;
      if (lmdb::open_dbi(t, nullptr, 0, main_db) == 0 && lmdb::entries(t, main_db, n) == 0 && n > 0) {
        lmdb::cursor c;
        MDB_val k{}, d{};
        bool has_meta = false;
        if (lmdb::cursor::open(t, main_db, c) == 0) {
          for (int r = c.get(k, d, MDB_FIRST); r == 0; r = c.get(k, d, MDB_NEXT))
            if (lmdb::view(k) == "meta") has_meta = true;
        }
        if (!has_meta) {
          log::error(log_c, "not_a_jubes_store", {{"dir", o.dir.string()}});
          return make_error_code(errc::bad_version);
        }
      }
      if (auto ec2 = p->open_dbis(t, MDB_CREATE)) return ec2;
    } else if (ec) {
      return ec;
    }
    if (auto ec = p->check_version(t, true)) return ec;
    if (auto ec = p->load_state(t)) return ec;
    if ((rc = t.commit()) != 0) return lmdb::to_error_code(rc);
  }
  p->writer_ = std::thread([raw = p.get()] { raw->writer_loop(); });
  if (o.retention_interval.count() > 0) p->retention_ = std::thread([raw = p.get()] { raw->retention_loop(); });
  log::info(log_c, "open", {{"dir", o.dir.string()}, {"map_size", p->map_size_}, {"next_id", p->next_id_}});
  return std::unique_ptr<store>(new store(std::move(p)));
}

boost::system::result<std::unique_ptr<store>> store::open_readonly(const std::filesystem::path& dir) {
  std::error_code fec;
  if (!std::filesystem::exists(dir / "data.mdb", fec)) {
    log::error(log_c, "no_store", {{"dir", dir.string()}});
    return make_error_code(errc::not_found);
  }
  auto p = std::make_unique<impl>();
  p->opt_.dir = dir;
  p->read_only_ = true;
  if (auto ec = p->open_env(MDB_RDONLY | MDB_NOTLS)) return ec;
  {
    lmdb::txn t;
    int rc = lmdb::txn::begin(p->env_.get(), MDB_RDONLY, t);
    if (rc != 0) return lmdb::to_error_code(rc);
    if (auto ec = p->open_dbis(t, 0)) return ec;
    if (auto ec = p->check_version(t, false)) return ec;
    if (auto ec = p->load_state(t)) return ec;
    // Committing a read txn keeps its dbi handles open for later transactions.
    if ((rc = t.commit()) != 0) return lmdb::to_error_code(rc);
  }
  return std::unique_ptr<store>(new store(std::move(p)));
}

bool store::submit(ingest_request req, std::function<void(ingest_result)> done) {
  ingest_op o;
  // Hash on the caller's thread: it keeps the single writer for LMDB work only.
  o.sha_ok = codec::sha256(req.body, o.sha);
  o.req = std::move(req);
  o.done = std::move(done);
  return impl_->enqueue(std::move(o), false);
}

bool store::submit_ack(std::string recipient, std::uint64_t upto,
                       std::function<void(boost::system::error_code, std::uint64_t)> done) {
  return impl_->enqueue(ack_op{std::move(recipient), upto, std::move(done)}, false);
}

bool store::submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                           std::function<void(boost::system::error_code, bool)> done) {
  return impl_->enqueue(forward_op{message_id, std::move(from_recipient), std::move(to_recipient), std::move(done)},
                        false);
}

bool store::submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                           std::function<void(boost::system::error_code)> done) {
  return impl_->enqueue(reroute_op{message_id, std::move(recipients), std::move(route_version), std::move(done)},
                        false);
}

void store::audit_read(std::uint64_t message_id, std::string party) {
  impl_->enqueue(read_op{message_id, std::move(party)}, false);
}

bool store::submit_purge(std::function<void(boost::system::result<purge_result>)> done) {
  if (!done) return false;
  return impl_->enqueue(purge_op{{}, std::move(done)}, false);
}

boost::system::result<std::vector<outbox_entry>> store::read_outbox(std::string_view recipient, std::uint64_t after,
                                                                    std::size_t max) const {
  using R = boost::system::result<std::vector<outbox_entry>>;
  if (!codec::valid_name(recipient)) return R(std::vector<outbox_entry>{});
  if (max == 0 || after == UINT64_MAX) return R(std::vector<outbox_entry>{});
  return impl_->with_read([&](lmdb::txn& t) -> R {
    std::vector<outbox_entry> out;
    lmdb::cursor c;
    if (int rc = lmdb::cursor::open(t, impl_->outbox_, c); rc != 0) return lmdb::to_error_code(rc);
    std::string key = codec::outbox_key(recipient, after + 1);
    MDB_val k = lmdb::val(key), d{};
    int rc = c.get(k, d, MDB_SET_RANGE);
    std::uint64_t blob_id = 0;
    std::string_view blob;
    while (rc == 0 && out.size() < max) {
      std::string_view r;
      outbox_entry e;
      if (!codec::split_outbox_key(lmdb::view(k), r, e.seq)) return make_error_code(errc::corrupt);
      if (r != recipient) break;
      if (!codec::read_be64(lmdb::view(d), e.message_id)) return make_error_code(errc::corrupt);
      codec::message_rec rec;
      if (auto ec = impl_->message_in(t, e.message_id, rec)) return ec == errc::not_found ? errc::corrupt : ec;
      if (auto ec = impl_->body_in(t, rec, blob_id, blob, e.body)) return ec;
      e.message_type = std::move(rec.message_type);
      e.source_party = std::move(rec.party);
      e.accepted_at_ms = rec.accepted_at_ms;
      e.purged = (rec.flags & codec::flag_purged) != 0;
      out.push_back(std::move(e));
      rc = c.get(k, d, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    return out;
  });
}

boost::system::result<outbox_state> store::outbox(std::string_view recipient) const {
  using R = boost::system::result<outbox_state>;
  if (!codec::valid_name(recipient)) return R(outbox_state{});
  return impl_->with_read([&](lmdb::txn& t) -> R {
    outbox_state s;
    if (auto ec = impl_->state_in(t, recipient, s)) return ec;
    return s;
  });
}

boost::system::result<std::vector<std::pair<std::string, outbox_state>>> store::outboxes() const {
  using V = std::vector<std::pair<std::string, outbox_state>>;
  return impl_->with_read([&](lmdb::txn& t) -> boost::system::result<V> {
    V out;
    if (auto ec = impl_->list_outboxes(t, out, true)) return ec;
    return out;
  });
}

boost::system::result<std::optional<stored_message>> store::get(std::uint64_t id) const {
  using R = boost::system::result<std::optional<stored_message>>;
  return impl_->with_read([&](lmdb::txn& t) -> R {
    codec::message_rec rec;
    auto ec = impl_->message_in(t, id, rec);
    if (ec == errc::not_found) return std::optional<stored_message>{};
    if (ec) return ec;
    stored_message m;
    std::uint64_t bid = 0;
    std::string_view blob;
    if (auto ec2 = impl_->body_in(t, rec, bid, blob, m.body)) return ec2;
    m.message_id = id;
    m.source_party = std::move(rec.party);
    m.referentienummer = std::move(rec.refnr);
    m.message_type = std::move(rec.message_type);
    m.recipients = std::move(rec.recipients);
    m.received_at_ms = rec.received_at_ms;
    m.accepted_at_ms = rec.accepted_at_ms;
    m.route_version = std::move(rec.route_version);
    m.matched_rules = std::move(rec.matched_rules);
    m.parked = (rec.flags & codec::flag_parked) != 0;
    m.park_reason = std::move(rec.park_reason);
    m.purged = (rec.flags & codec::flag_purged) != 0;
    return std::optional<stored_message>(std::move(m));
  });
}

boost::system::result<std::vector<parked_entry>> store::parked(std::size_t max) const {
  using R = boost::system::result<std::vector<parked_entry>>;
  return impl_->with_read([&](lmdb::txn& t) -> R {
    std::vector<parked_entry> out;
    lmdb::cursor c;
    if (int rc = lmdb::cursor::open(t, impl_->parked_, c); rc != 0) return lmdb::to_error_code(rc);
    MDB_val k{}, d{};
    int rc = c.get(k, d, MDB_FIRST);
    while (rc == 0 && out.size() < max) {
      parked_entry e;
      if (!codec::read_be64(lmdb::view(k), e.message_id)) return make_error_code(errc::corrupt);
      codec::message_rec rec;
      if (auto ec = impl_->message_in(t, e.message_id, rec)) return ec == errc::not_found ? errc::corrupt : ec;
      e.source_party = std::move(rec.party);
      e.referentienummer = std::move(rec.refnr);
      e.message_type = std::move(rec.message_type);
      e.park_reason = std::move(rec.park_reason);
      e.accepted_at_ms = rec.accepted_at_ms;
      out.push_back(std::move(e));
      rc = c.get(k, d, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    return out;
  });
}

boost::system::result<std::vector<audit_record>> store::audit(std::uint64_t message_id, std::size_t max) const {
  using R = boost::system::result<std::vector<audit_record>>;
  return impl_->with_read([&](lmdb::txn& t) -> R {
    std::vector<audit_record> out;
    lmdb::cursor c;
    if (int rc = lmdb::cursor::open(t, impl_->audit_, c); rc != 0) return lmdb::to_error_code(rc);
    MDB_val k{}, d{};
    int rc = c.get(k, d, MDB_FIRST);
    while (rc == 0 && out.size() < max) {
      codec::audit_rec a;
      audit_record r;
      if (!codec::read_be64(lmdb::view(k), r.seq) || !codec::decode(lmdb::view(d), a))
        return make_error_code(errc::corrupt);
      if (message_id == 0 || a.message_id == message_id) {
        r.at_ms = a.at_ms;
        r.kind = static_cast<audit_kind>(a.kind);
        r.message_id = a.message_id;
        r.party = std::move(a.party);
        r.detail = std::move(a.detail);
        out.push_back(std::move(r));
      }
      rc = c.get(k, d, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    return out;
  });
}

std::uint64_t store::watch(std::string recipient, std::uint64_t after, std::function<void()> wake) {
  auto& p = *impl_;
  {
    std::unique_lock lk(p.watch_mu_);
    std::uint64_t head = 0;
    if (auto it = p.heads_.find(recipient); it != p.heads_.end()) head = it->second;
    if (!(p.read_only_ || p.watch_closed_ || head > after)) {
      std::uint64_t token = p.next_token_++;
      p.token_recipient_.emplace(token, recipient);
      p.watchers_[recipient].push_back(watcher{token, after, std::move(wake)});
      return token;
    }
  }
  wake();
  return 0;
}

void store::unwatch(std::uint64_t token) {
  auto& p = *impl_;
  std::lock_guard lk(p.watch_mu_);
  auto it = p.token_recipient_.find(token);
  if (it == p.token_recipient_.end()) return;
  auto wit = p.watchers_.find(it->second);
  if (wit != p.watchers_.end()) {
    wit->second.remove_if([token](const watcher& w) { return w.token == token; });
    if (wit->second.empty()) p.watchers_.erase(wit);
  }
  p.token_recipient_.erase(it);
}

metrics_snapshot store::metrics() const {
  auto& p = *impl_;
  metrics_snapshot m;
  {
    std::lock_guard lk(p.q_mu_);
    m.queue_depth = p.q_.size();
  }
  m.queue_capacity = p.opt_.queue_capacity;
  m.rejected_overloaded = p.rejected_;
  m.commits = p.commits_;
  m.commit_failures = p.commit_failures_;
  m.map_grows = p.map_grows_;
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < m.group_size_hist.size(); ++i) m.group_size_hist[i] = (acc += p.group_hist_[i]);
  m.group_size_sum = p.group_sum_;
  acc = 0;
  for (std::size_t i = 0; i < m.commit_seconds_hist.size(); ++i) m.commit_seconds_hist[i] = (acc += p.commit_hist_[i]);
  m.commit_seconds_sum = static_cast<double>(p.commit_ns_sum_.load()) / 1e9;
  {
    std::shared_lock lk(p.map_mu_);
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_env_info(p.env_.get(), &info);
    mdb_env_stat(p.env_.get(), &st);
    m.map_size = info.me_mapsize;
    m.map_used = (info.me_last_pgno + 1) * st.ms_psize;
  }
  m.parked = p.parked_count_;
  m.accepted = p.accepted_;
  m.duplicate = p.duplicate_;
  m.conflict = p.conflict_;
  m.store_full = p.store_full_;
  m.io_error = p.io_error_;
  m.acks = p.acks_;
  m.forwards = p.forwards_;
  m.reroutes = p.reroutes_;
  m.purged_bodies = p.purged_bodies_;
  m.purged_dedup = p.purged_dedup_;
  m.purged_audit = p.purged_audit_;
  m.last_message_id = p.last_id_;
  return m;
}

boost::system::error_code store::backup(const std::filesystem::path& dir) const {
  std::error_code fec;
  std::filesystem::create_directories(dir, fec);
  if (fec) {
    log::error(log_c, "backup_mkdir_failed", {{"dir", dir.string()}, {"error", fec.message()}});
    return errc::io_error;
  }
  if (std::filesystem::exists(dir / "data.mdb", fec)) {
    log::error(log_c, "backup_target_not_empty", {{"dir", dir.string()}});
    return errc::invalid_argument;
  }
  std::shared_lock lk(impl_->map_mu_);
  int rc = mdb_env_copy2(impl_->env_.get(), dir.c_str(), MDB_CP_COMPACT);
  if (rc != 0) {
    log::error(log_c, "backup_failed", {{"dir", dir.string()}, {"error", mdb_strerror(rc)}});
    return lmdb::to_error_code(rc);
  }
  log::info(log_c, "backup", {{"dir", dir.string()}});
  return {};
}

check_report store::check() const {
  check_report r;
  auto& p = *impl_;
  constexpr std::size_t max_problems = 1000;
  auto problem = [&r](std::string s) {
    if (r.problems.size() < max_problems) r.problems.push_back(std::move(s));
  };
  auto ec = p.with_read([&](lmdb::txn& t) -> error_code {
    if (auto ec2 = p.check_version(t, false)) {
      problem("meta: format version missing or unknown");
      return {};
    }
    const std::uint64_t watermark = impl::meta_u64(t, p.meta_, meta_dedup_watermark_key);
    std::uint64_t routed_total = 0, parked_flagged = 0;
    lmdb::cursor c;
    MDB_val k{}, d{};
    int rc = 0;
    // Messages: decodable, bodies present, dedup record present while it must be.
    if ((rc = lmdb::cursor::open(t, p.messages_, c)) != 0) return lmdb::to_error_code(rc);
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      ++r.messages;
      std::uint64_t id = 0;
      codec::message_rec rec;
      if (!codec::read_be64(lmdb::view(k), id) || !codec::decode(lmdb::view(d), rec)) {
        problem("message: undecodable record");
        continue;
      }
      if (rec.flags & codec::flag_purged) ++r.purged;
      if (rec.flags & codec::flag_parked) {
        if (!(rec.flags & codec::flag_purged)) ++parked_flagged;
        if (!rec.recipients.empty()) problem("message " + std::to_string(id) + ": parked but has recipients");
      }
      routed_total += rec.recipients.size();
      if (!(rec.flags & codec::flag_purged)) {
        std::uint64_t bid = 0;
        std::string_view blob;
        std::string body;
        if (p.body_in(t, rec, bid, blob, body)) {
          problem("message " + std::to_string(id) + ": body missing from blob " + std::to_string(rec.blob_id));
        } else {
          codec::blob_header h;
          if (!codec::decode_blob_header(blob, h) || std::find(h.ids.begin(), h.ids.end(), id) == h.ids.end())
            problem("message " + std::to_string(id) + ": blob " + std::to_string(rec.blob_id) + " does not list it");
        }
      }
      if (id > watermark) {
        std::string_view v;
        codec::dedup_rec dr;
        int grc = lmdb::get(t, p.dedup_, codec::dedup_key(rec.party, rec.refnr), v);
        if (grc != 0 || !codec::decode(v, dr) || dr.message_id != id)
          problem("message " + std::to_string(id) + ": no dedup record pointing at it");
      }
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    // Outboxes: gapless from 1, each entry names a message that lists the recipient, no repeats.
    if ((rc = lmdb::cursor::open(t, p.outbox_, c)) != 0) return lmdb::to_error_code(rc);
    std::string current;
    std::uint64_t expect = 1;
    std::unordered_set<std::uint64_t> seen;
    std::unordered_map<std::string, std::uint64_t> heads;
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      ++r.outbox_entries;
      std::string_view rcpt;
      std::uint64_t seq = 0, id = 0;
      if (!codec::split_outbox_key(lmdb::view(k), rcpt, seq) || !codec::read_be64(lmdb::view(d), id)) {
        problem("outbox: undecodable entry");
        continue;
      }
      if (rcpt != current) {
        current.assign(rcpt);
        expect = 1;
        seen.clear();
        ++r.recipients;
      }
      if (seq != expect)
        problem("outbox " + current + ": gap after seq " + std::to_string(expect - 1) + " (next " +
                std::to_string(seq) + ")");
      expect = seq + 1;
      heads[current] = seq;
      if (!seen.insert(id).second) problem("outbox " + current + ": message " + std::to_string(id) + " appears twice");
      codec::message_rec rec;
      if (p.message_in(t, id, rec)) {
        problem("outbox " + current + " seq " + std::to_string(seq) + ": message " + std::to_string(id) + " missing");
      } else if (std::find(rec.recipients.begin(), rec.recipients.end(), current) == rec.recipients.end()) {
        problem("outbox " + current + " seq " + std::to_string(seq) + ": message " + std::to_string(id) +
                " does not list this recipient");
      }
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    if (routed_total != r.outbox_entries)
      problem("outboxes hold " + std::to_string(r.outbox_entries) + " entries but messages name " +
              std::to_string(routed_total) + " recipients");
    // Cursors: never past the head.
    if ((rc = lmdb::cursor::open(t, p.cursors_, c)) != 0) return lmdb::to_error_code(rc);
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      std::string rcpt(lmdb::view(k));
      std::uint64_t cur = 0;
      if (!codec::read_be64(lmdb::view(d), cur)) {
        problem("cursor " + rcpt + ": undecodable");
        continue;
      }
      std::uint64_t head = heads.count(rcpt) ? heads[rcpt] : 0;
      if (cur > head)
        problem("cursor " + rcpt + ": " + std::to_string(cur) + " is past the head " + std::to_string(head));
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    // Dedup: each record names a message with the same key and time.
    if ((rc = lmdb::cursor::open(t, p.dedup_, c)) != 0) return lmdb::to_error_code(rc);
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      ++r.dedup;
      codec::dedup_rec dr;
      codec::message_rec rec;
      if (!codec::decode(lmdb::view(d), dr)) {
        problem("dedup: undecodable record");
        continue;
      }
      if (p.message_in(t, dr.message_id, rec)) {
        problem("dedup: message " + std::to_string(dr.message_id) + " missing");
      } else if (codec::dedup_key(rec.party, rec.refnr) != lmdb::view(k) || rec.accepted_at_ms != dr.accepted_at_ms) {
        problem("dedup: record disagrees with message " + std::to_string(dr.message_id));
      }
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    // Parked: each names a parked, unpurged message; counts agree.
    if ((rc = lmdb::cursor::open(t, p.parked_, c)) != 0) return lmdb::to_error_code(rc);
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      ++r.parked;
      std::uint64_t id = 0;
      codec::message_rec rec;
      if (!codec::read_be64(lmdb::view(k), id) || p.message_in(t, id, rec)) {
        problem("parked: entry without message");
      } else if (!(rec.flags & codec::flag_parked) || (rec.flags & codec::flag_purged)) {
        problem("parked: message " + std::to_string(id) + " is not parked");
      }
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    if (r.parked != parked_flagged)
      problem("parked index holds " + std::to_string(r.parked) + " entries, messages flag " +
              std::to_string(parked_flagged));
    // Blobs: every listed message points back at the blob.
    if ((rc = lmdb::cursor::open(t, p.blobs_, c)) != 0) return lmdb::to_error_code(rc);
    for (rc = c.get(k, d, MDB_FIRST); rc == 0; rc = c.get(k, d, MDB_NEXT)) {
      ++r.blobs;
      std::uint64_t bid = 0;
      codec::blob_header h;
      if (!codec::read_be64(lmdb::view(k), bid) || !codec::decode_blob_header(lmdb::view(d), h)) {
        problem("blob: undecodable");
        continue;
      }
      for (auto id : h.ids) {
        codec::message_rec rec;
        if (p.message_in(t, id, rec) || rec.blob_id != bid || (rec.flags & codec::flag_purged))
          problem("blob " + std::to_string(bid) + ": message " + std::to_string(id) + " does not point at it");
      }
    }
    if (rc != MDB_NOTFOUND) return lmdb::to_error_code(rc);
    if ((rc = lmdb::entries(t, p.audit_, r.audit)) != 0) return lmdb::to_error_code(rc);
    return {};
  });
  if (ec) problem("check could not read the store: " + ec.message());
  return r;
}

boost::system::result<store_stats> store::stats() const {
  auto& p = *impl_;
  return p.with_read([&](lmdb::txn& t) -> boost::system::result<store_stats> {
    store_stats s;
    s.format_version = static_cast<std::uint32_t>(impl::meta_u64(t, p.meta_, meta_version_key));
    int rc = 0;
    if ((rc = lmdb::entries(t, p.messages_, s.messages)) || (rc = lmdb::entries(t, p.parked_, s.parked)) ||
        (rc = lmdb::entries(t, p.dedup_, s.dedup)) || (rc = lmdb::entries(t, p.outbox_, s.outbox_entries)) ||
        (rc = lmdb::entries(t, p.audit_, s.audit)) || (rc = lmdb::entries(t, p.blobs_, s.blobs)))
      return lmdb::to_error_code(rc);
    s.purged = impl::meta_u64(t, p.meta_, meta_purged_count_key);
    std::vector<std::pair<std::string, outbox_state>> all;
    if (auto ec = p.list_outboxes(t, all, false)) return ec;
    s.recipients = all.size();
    for (auto& [name, st] : all) {
      std::uint64_t cur = 0;
      if (auto ec = p.cursor_in(t, name, cur)) return ec;
      s.unacked += st.head > cur ? st.head - cur : 0;
    }
    lmdb::cursor c;
    if ((rc = lmdb::cursor::open(t, p.messages_, c)) != 0) return lmdb::to_error_code(rc);
    MDB_val k{}, d{};
    if (c.get(k, d, MDB_LAST) == 0) codec::read_be64(lmdb::view(k), s.last_message_id);
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_env_info(p.env_.get(), &info);
    mdb_env_stat(p.env_.get(), &st);
    s.map_size = info.me_mapsize;
    s.page_size = st.ms_psize;
    s.map_used = (info.me_last_pgno + 1) * st.ms_psize;
    return s;
  });
}

bool store::read_only() const noexcept {
  return impl_->read_only_;
}
const std::filesystem::path& store::dir() const noexcept {
  return impl_->opt_.dir;
}
void store::close() {
  impl_->close();
}

}  // namespace jubes::storage
