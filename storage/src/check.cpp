// SPDX-License-Identifier: EUPL-1.2
#include "check.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "files.hpp"
#include "reads.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {

using std::to_string;

/// One consistency check in one read transaction; each table is walked once.
class checker {
 public:
  checker(const database& db, const lmdb::txn& t, check_report& r) : db_(db), t_(t), r_(r) {}

  void problem(std::string s) {
    constexpr std::size_t max_problems = 1000;
    if (r_.problems.size() < max_problems) r_.problems.push_back(std::move(s));
  }

  /// Runs every check. @return an error only when LMDB itself fails.
  jubes::result<void> run() {
    auto ver = db_.t().meta.get(t_, tables::meta_db::key::format_version);
    if (!ver || !*ver || **ver != format_version) {
      problem("meta: format version missing or unknown");
      return {};
    }
    auto wm = db_.t().meta.get(t_, tables::meta_db::key::dedup_purged_upto);
    watermark_ = wm && *wm ? **wm : 0;
    for (auto step : {&checker::messages, &checker::outboxes, &checker::cursors, &checker::dedup, &checker::parked,
                      &checker::blobs})
      if (auto r = (this->*step)(); !r) return r;
    auto n = db_.t().audit.count(t_);
    if (!n) return n.error();
    r_.audit = *n;
    return {};
  }

 private:
  /// Walks a table: f(entry) or, for a damaged entry, f(nullptr) and the walk goes on; an LMDB
  /// failure stops it.
  template <class Table, class F>
  jubes::result<void> walk(const Table& table, F&& f) {
    auto sc = tables::scan<Table>::open(t_, table);
    if (!sc) return sc.error();
    for (auto e = sc->first();; e = sc->next()) {
      if (!e && e.error() != errc::corrupt) return e.error();
      if (e && !*e) return {};
      f(e ? &**e : nullptr);
    }
  }

  std::optional<codec::message_rec> message(std::uint64_t id) {
    auto m = db_.t().messages.get(t_, id);
    return m && *m ? std::move(*m) : std::nullopt;
  }

  jubes::result<void> messages() {
    return walk(db_.t().messages, [&](const tables::messages_db::entry* e) {
      ++r_.messages;
      if (!e) return problem("message: undecodable record");
      message_entry(*e);
    });
  }

  void message_entry(const tables::messages_db::entry& e) {
    const auto& rec = e.rec;
    const std::string id = to_string(e.id);
    const bool purged = rec.flags & codec::flag_purged;
    if (purged) ++r_.purged;
    if (rec.flags & codec::flag_parked) {
      if (!purged) ++parked_flagged_;
      // Parked with recipients: a partial delivery, parked for the missing recipient (issue 13); it says why.
      if (!rec.recipients.empty() && rec.park_reason.empty())
        problem("message " + id + ": parked with recipients but no reason");
    }
    routed_total_ += rec.recipients.size();
    // One reader for the walk: a sealed blob is opened (decrypted, decompressed) once, not per message.
    auto body = purged ? jubes::result<std::string_view>() : bodies_.body(db_, t_, rec);
    if (!purged) {
      const auto* blob = bodies_.current();
      if (!body && body.error() == errc::corrupt) {
        // Once per blob: a sealed blob that does not open takes all its messages with it.
        if (bad_blobs_.insert(rec.blob_id).second) problem("message " + id + ": " + body.error().detail);
      } else if (!body || !blob) {
        problem("message " + id + ": body missing from blob " + to_string(rec.blob_id));
      } else if (const auto ids = blob_ids(*blob); std::find(ids.begin(), ids.end(), e.id) == ids.end()) {
        problem("message " + id + ": blob " + to_string(rec.blob_id) + " does not list it");
      }
    }
    if (e.id > watermark_) {
      auto d = db_.t().dedup.get(t_, {rec.party, rec.refnr});
      if (!d || !*d || (*d)->message_id != e.id) return problem("message " + id + ": no dedup record pointing at it");
      // The body's hash was stored at ingest: garbage inside a blob decodes fine but not to it.
      std::array<unsigned char, 32> sha{};
      if (!purged && body && (!codec::sha256(*body, sha) || sha != (*d)->sha256))
        problem("message " + id + ": body does not match its SHA-256");
    }
  }

  /// Outboxes: gapless from 1, each entry names a message that lists the recipient, no repeats.
  jubes::result<void> outboxes() {
    std::string current;
    std::uint64_t expect = 1;
    std::unordered_set<std::uint64_t> seen;
    auto r = walk(db_.t().outbox, [&](const tables::outbox_db::entry* e) {
      ++r_.outbox_entries;
      if (!e) return problem("outbox: undecodable entry");
      if (e->recipient != current) {
        current.assign(e->recipient);
        expect = 1;
        seen.clear();
        ++r_.recipients;
      }
      const std::string where = "outbox " + current + " seq " + to_string(e->seq);
      if (e->seq != expect)
        problem("outbox " + current + ": gap after seq " + to_string(expect - 1) + " (next " + to_string(e->seq) + ")");
      expect = e->seq + 1;
      heads_[current] = e->seq;
      if (!seen.insert(e->message_id).second)
        problem("outbox " + current + ": message " + to_string(e->message_id) + " appears twice");
      auto m = message(e->message_id);
      if (!m) {
        problem(where + ": message " + to_string(e->message_id) + " missing");
      } else if (std::find(m->recipients.begin(), m->recipients.end(), current) == m->recipients.end()) {
        problem(where + ": message " + to_string(e->message_id) + " does not list this recipient");
      }
    });
    if (!r) return r;
    if (routed_total_ != r_.outbox_entries)
      problem("outboxes hold " + to_string(r_.outbox_entries) + " entries but messages name " +
              to_string(routed_total_) + " recipients");
    return {};
  }

  /// Cursors: never past the head.
  jubes::result<void> cursors() {
    return walk(db_.t().cursors, [&](const tables::cursors_db::entry* e) {
      if (!e) return problem("cursor: undecodable");
      std::string rcpt(e->recipient);
      std::uint64_t head = heads_.count(rcpt) ? heads_[rcpt] : 0;
      if (e->cursor > head)
        problem("cursor " + rcpt + ": " + to_string(e->cursor) + " is past the head " + to_string(head));
    });
  }

  /// Dedup: each record names a message with the same key and time.
  jubes::result<void> dedup() {
    return walk(db_.t().dedup, [&](const tables::dedup_db::entry* e) {
      ++r_.dedup;
      if (!e) return problem("dedup: undecodable record");
      auto m = message(e->rec.message_id);
      if (!m) {
        problem("dedup: message " + to_string(e->rec.message_id) + " missing");
      } else if (m->party != e->party || m->refnr != e->refnr || m->accepted_at_ms != e->rec.accepted_at_ms) {
        problem("dedup: record disagrees with message " + to_string(e->rec.message_id));
      }
    });
  }

  /// Parked: each names a parked, unpurged message; counts agree.
  jubes::result<void> parked() {
    auto r = walk(db_.t().parked, [&](const tables::parked_db::entry* e) {
      ++r_.parked;
      auto m = e ? message(e->id) : std::nullopt;
      if (!m) {
        problem("parked: entry without message");
      } else if (!(m->flags & codec::flag_parked) || (m->flags & codec::flag_purged)) {
        problem("parked: message " + to_string(e->id) + " is not parked");
      }
    });
    if (!r) return r;
    if (r_.parked != parked_flagged_)
      problem("parked index holds " + to_string(r_.parked) + " entries, messages flag " + to_string(parked_flagged_));
    return {};
  }

  const std::vector<std::uint64_t>& blob_ids(const tables::blobs_db::entry& b) {
    if (ids_of_ != b.id) {
      ids_ = b.ids();
      ids_of_ = b.id;
    }
    return ids_;
  }

  /// Blobs: every listed message points back at the blob; a sealed one opens (its tag verifies,
  /// it decompresses to its length).
  jubes::result<void> blobs() {
    return walk(db_.t().blobs, [&](const tables::blobs_db::entry* e) {
      ++r_.blobs;
      if (!e) return problem("blob: undecodable");
      if (!e->sealed) ++r_.plain_blobs;
      auto opened = *e;
      if (auto o = db_.t().blobs.open_bodies(opened); !o && !bad_blobs_.contains(e->id)) problem(o.error().detail);
      for (auto id : e->ids()) {
        auto m = message(id);
        if (!m || m->blob_id != e->id || (m->flags & codec::flag_purged))
          problem("blob " + to_string(e->id) + ": message " + to_string(id) + " does not point at it");
      }
    });
  }

  const database& db_;
  const lmdb::txn& t_;
  check_report& r_;
  std::uint64_t watermark_ = 0, routed_total_ = 0, parked_flagged_ = 0;
  std::unordered_map<std::string, std::uint64_t> heads_;
  reads::body_reader bodies_;
  std::unordered_set<std::uint64_t> bad_blobs_;  // reported once, by the first message in them
  std::uint64_t ids_of_ = 0;
  std::vector<std::uint64_t> ids_;
};

}  // namespace

check_report check(const database& db) {
  check_report r;
  auto res = db.read([&](const lmdb::txn& t) { return checker(db, t, r).run(); });
  if (!res) {
    constexpr std::size_t max_problems = 1000;
    if (r.problems.size() < max_problems)
      r.problems.push_back("check could not read the store: " + res.error().message());
  }
  // A backup (or a restore not yet opened for writing) must still be the file its manifest names.
  if (files::has_manifest(db.dir()))
    if (auto v = files::verify_backup(db.dir()); !v) r.problems.push_back("backup: " + v.error().message());
  return r;
}

}  // namespace jubes::storage
