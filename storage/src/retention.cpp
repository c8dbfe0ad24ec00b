// SPDX-License-Identifier: EUPL-1.2
#include "retention.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {

constexpr std::string_view log_c = "storage";

std::int64_t to_ms(std::chrono::seconds s) {
  return s.count() > INT64_MAX / 1000 ? INT64_MAX / 4 : static_cast<std::int64_t>(s.count()) * 1000;
}

/// One retention transaction: three phases in one write transaction, each bounded by `batch`.
class pass {
 public:
  pass(const database& db, const lmdb::txn& t, const writer_state& ws, std::int64_t now, std::size_t batch)
      : db_(db),
        t_(t),
        now_(now),
        batch_(batch),
        head_(ws.audit_head),
        anchor_(ws.audit_anchor),
        watermark_(ws.dedup_watermark) {}

  /// Bodies: blob ids grow with time, so the oldest blobs come first; a blob goes as a whole
  /// once its first (oldest) message expired.
  jubes::result<void> bodies(std::int64_t cutoff) {
    std::vector<tables::blobs_db::entry> dead;
    auto r = collect(
        db_.t().blobs, n_.bodies, [](auto& sc) { return sc.first(); },
        [&](tables::blobs_db::entry& e) -> jubes::result<std::uint64_t> {
          auto first = db_.t().messages.get(t_, e.ids().front());
          if (!first) return first.error();
          if (!*first) return fail(errc::corrupt, "blob " + std::to_string(e.id) + " lists a missing message");
          if ((*first)->accepted_at_ms >= cutoff) return 0;
          dead.push_back(std::move(e));
          return dead.back().count;
        });
    if (!r) return r;
    for (const auto& b : dead)
      if (auto p = purge_blob(b.id, b.ids()); !p) return p;
    return {};
  }

  /// Dedup records: messages in id order from the watermark; a record is removed only while it
  /// still names that message.
  jubes::result<void> dedup(std::int64_t cutoff) {
    struct victim {
      std::uint64_t id;
      std::string party, refnr;
    };
    std::vector<victim> dead;
    auto r = collect(
        db_.t().messages, n_.dedup, [&](auto& sc) { return sc.seek(watermark_ + 1); },
        [&](tables::messages_db::entry& e) -> jubes::result<std::uint64_t> {
          if (e.rec.accepted_at_ms >= cutoff) return 0;
          dead.push_back(victim{e.id, std::move(e.rec.party), std::move(e.rec.refnr)});
          return 1;
        });
    if (!r) return r;
    for (const auto& v : dead) {
      tables::dedup_db::key k{v.party, v.refnr};
      auto rec = db_.t().dedup.get(t_, k);
      if (!rec && rec.error() != errc::corrupt) return rec.error();
      if (rec && *rec && (*rec)->message_id == v.id)
        if (auto d = db_.t().dedup.del(t_, k); !d) return d.error();
      watermark_ = v.id;
    }
    if (dead.empty()) return {};
    return db_.t().meta.put(t_, tables::meta_db::key::dedup_purged_upto, watermark_);
  }

  /// Audit trail: its own period, oldest first, a prefix only (the first record not expired
  /// stops it). The last record removed becomes the chain's anchor, so that verification starts
  /// from it (docs/storage.md, "Audit trail"); the anchor never moves back (records kept from
  /// before the chain stay below it).
  jubes::result<void> audit(std::int64_t cutoff) {
    std::vector<std::uint64_t> dead;
    auto r = collect(
        db_.t().audit, n_.audit, [](auto& sc) { return sc.first(); },
        [&](tables::audit_db::entry& e) -> jubes::result<std::uint64_t> {
          if (e.rec.at_ms >= cutoff) return 0;
          dead.push_back(e.seq);
          if (e.seq > anchor_.seq) anchor_ = chain_point{e.seq, e.rec.hash, e.rec.at_ms}, anchor_moved_ = true;
          return 1;
        });
    if (!r) return r;
    for (auto seq : dead)
      if (auto d = db_.t().audit.del(t_, seq); !d) return d.error();
    return {};
  }

  /// The chain's ends into meta, if this pass changed them.
  jubes::result<void> store_chain(const writer_state& ws) {
    if (head_.seq == ws.audit_head.seq && !anchor_moved_) return {};
    return store_chain_ends(db_, t_, ws, head_, anchor_moved_ ? &anchor_ : nullptr);
  }

  purge_result n_;  ///< what this pass removed
  std::int64_t parked_delta_ = 0;
  const chain_point& head() const { return head_; }
  const chain_point& anchor() const { return anchor_; }
  std::uint64_t watermark() const { return watermark_; }

 private:
  /// Walks `table` from first(scan), oldest first, while take(entry) finds the entry expired: it
  /// returns how many records the entry purges (0: not expired, stop). Stops at batch_ records
  /// and sets n_.more. Nothing is deleted while the scan's cursor is open.
  template <class Table, class First, class Take>
  jubes::result<void> collect(const Table& table, std::uint64_t& n, First&& first, Take&& take) {
    auto sc = tables::scan<Table>::open(t_, table);
    if (!sc) return sc.error();
    for (auto e = first(*sc);; e = sc->next()) {
      if (!e) return e.error();
      if (!*e) return {};
      if (n >= batch_) {
        n_.more = true;
        return {};
      }
      auto taken = take(**e);
      if (!taken) return taken.error();
      if (*taken == 0) return {};
      n += *taken;
    }
  }

  /// Turns each message of the blob into its purge record (flag purged, no body), then drops it.
  jubes::result<void> purge_blob(std::uint64_t blob_id, const std::vector<std::uint64_t>& ids) {
    const auto& tb = db_.t();
    for (auto id : ids) {
      auto rec = tb.messages.get(t_, id);
      if (!rec) return rec.error();
      if (!*rec) return fail(errc::corrupt, "blob " + std::to_string(blob_id) + " lists a missing message");
      auto& m = **rec;
      if (m.flags & codec::flag_parked) {
        auto was = tb.parked.del(t_, id);
        if (!was) return was.error();
        if (*was) --parked_delta_;
      }
      // Never silently: a body some recipient has not acknowledged is purged with an audit record
      // that names them (the gauge jubes_outbox_due_for_purge warned before).
      std::string undelivered;
      for (const auto& r : m.recipients) {
        auto pending = unacked_of(r);
        if (!pending) return pending.error();
        if ((*pending)->count(id)) undelivered += (undelivered.empty() ? "" : ",") + r;
      }
      m.flags = codec::flag_purged;
      m.blob_id = 0;
      m.body_offset = m.body_len = 0;
      if (auto w = tb.messages.put(t_, id, m); !w) return w;
      audit_record a;
      a.at_ms = now_;
      a.kind = audit_kind::purged;
      a.message_id = id;
      if (!undelivered.empty()) {
        a.detail = "undelivered to " + undelivered;
        ++n_.undelivered;
        log::warn(log_c, "purged_undelivered", {{"message_id", id}, {"recipients", undelivered}});
      }
      if (auto w = tb.audit.append_chained(t_, head_, a); !w) return w;
    }
    auto d = tb.blobs.del(t_, blob_id);
    if (!d) return d.error();
    return {};
  }

  /// The ids of `recipient`'s unacknowledged entries (markers left out), read once per pass.
  jubes::result<const std::unordered_set<std::uint64_t>*> unacked_of(const std::string& recipient) {
    auto it = unacked_.find(recipient);
    if (it != unacked_.end()) return &it->second;
    auto& ids = unacked_[recipient];
    const auto& tb = db_.t();
    auto cur = tb.cursors.get(t_, recipient);
    if (!cur) return cur.error();
    auto sc = tables::scan<tables::outbox_db>::open(t_, tb.outbox);
    if (!sc) return sc.error();
    for (auto e = sc->seek({recipient, cur->value_or(0) + 1});; e = sc->next()) {
      if (!e) return e.error();
      if (!*e || (*e)->recipient != recipient) break;
      if ((*e)->link != entry_link::superseded_by && (*e)->link != entry_link::withdrawn_by)
        ids.insert((*e)->message_id);
    }
    return &ids;
  }

  std::unordered_map<std::string, std::unordered_set<std::uint64_t>> unacked_;
  const database& db_;
  const lmdb::txn& t_;
  std::int64_t now_;
  std::size_t batch_;
  chain_point head_, anchor_;
  bool anchor_moved_ = false;
  std::uint64_t watermark_;
};

}  // namespace

jubes::result<void> purge_once(const database& db, const options& opt, writer_state& ws, counters& c, std::int64_t now,
                               purge_result& acc) {
  const std::int64_t cutoff_bodies = now - to_ms(opt.retention_bodies);
  auto t = db.begin_write();
  if (!t) return t.error();
  pass p(db, *t, ws, now, std::max<std::size_t>(1, opt.retention_batch));
  if (auto r = p.bodies(cutoff_bodies); !r) return r.error();
  if (auto r = p.dedup(cutoff_bodies - to_ms(opt.retention_dedup_extra)); !r) return r.error();
  if (auto r = p.audit(now - to_ms(opt.retention_audit)); !r) return r.error();
  const purge_result& n = p.n_;
  acc.more = n.more;
  if (n.bodies == 0 && n.dedup == 0 && n.audit == 0) return {};  // nothing to commit
  if (n.bodies > 0)
    if (auto w = db.t().meta.put(*t, tables::meta_db::key::purged_bodies, ws.purged_count + n.bodies); !w)
      return w.error();
  if (auto w = p.store_chain(ws); !w) return w.error();
  if (int rc = t->commit(); rc != 0) return tables::lmdb_error(rc);
  if (p.head().seq != ws.audit_head.seq || p.anchor().seq != ws.audit_anchor.seq) ws.chain_stored = true;
  ws.audit_head = p.head();
  ws.audit_anchor = p.anchor();
  ws.dedup_watermark = p.watermark();
  ws.purged_count += n.bodies;
  c.record_purge(n, p.parked_delta_);
  acc.add(n);
  log::info(
      log_c, "purged",
      {{"bodies", n.bodies}, {"undelivered", n.undelivered}, {"dedup", n.dedup}, {"audit", n.audit}, {"more", n.more}});
  return {};
}

void retention_task::start(std::chrono::milliseconds interval, std::function<void()> request) {
  thread_ = std::thread([this, interval, request = std::move(request)] {
    for (;;) {
      std::unique_lock lk(mu_);
      if (cv_.wait_for(lk, interval, [&] { return stop_; })) return;
      lk.unlock();
      request();
    }
  });
}

void retention_task::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace jubes::storage
