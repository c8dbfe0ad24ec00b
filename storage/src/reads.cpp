// SPDX-License-Identifier: EUPL-1.2
#include "reads.hpp"

#include "codec.hpp"
#include "storage/errc.hpp"

namespace jubes::storage::reads {

namespace {

/// A message an index points at must exist: its absence is damage, not "not found".
jubes::result<codec::message_rec> referenced_message(const database& db, const lmdb::txn& t, std::uint64_t id) {
  auto rec = db.t().messages.get(t, id);
  if (!rec) return rec.error();
  if (!*rec) return fail(errc::corrupt, "message " + std::to_string(id) + " is referenced but missing");
  return std::move(**rec);
}

jubes::result<outbox_state> state_in(const database& db, const lmdb::txn& t, std::string_view recipient) {
  outbox_state s;
  auto head = db.t().outbox.head(t, recipient);
  if (!head) return head.error();
  s.head = *head;
  auto cur = db.t().cursors.get(t, recipient);
  if (!cur) return cur.error();
  s.cursor = cur->value_or(0);
  if (s.head > s.cursor) {
    auto id = db.t().outbox.get(t, {recipient, s.cursor + 1});
    if (!id) return id.error();
    if (!*id) return fail(errc::corrupt, "outbox " + std::string(recipient) + ": gap after the cursor");
    auto rec = referenced_message(db, t, **id);
    if (!rec) return rec.error();
    s.oldest_unacked_ms = rec->accepted_at_ms;
  }
  return s;
}

}  // namespace

jubes::result<std::string_view> body_reader::body(const database& db, const lmdb::txn& t,
                                                  const codec::message_rec& rec) {
  if (rec.flags & codec::flag_purged) return std::string_view{};
  if (!blob_ || blob_->id != rec.blob_id) {
    blob_.reset();
    auto b = db.t().blobs.get(t, rec.blob_id);
    if (!b) return b.error();
    if (!*b) return fail(errc::corrupt, "blob " + std::to_string(rec.blob_id) + " missing");
    blob_ = std::move(**b);
  }
  return tables::blobs_db::body(*blob_, rec);
}

jubes::result<std::vector<std::pair<std::string, outbox_state>>> list_outboxes(const database& db, const lmdb::txn& t,
                                                                               bool full) {
  std::vector<std::pair<std::string, outbox_state>> out;
  std::string name;
  for (;;) {
    auto next = db.t().outbox.next_recipient(t, name);
    if (!next) return next.error();
    if (!*next) return out;
    name = std::move(**next);
    outbox_state s;
    if (full) {
      auto st = state_in(db, t, name);
      if (!st) return st.error();
      s = *st;
    } else {
      auto head = db.t().outbox.head(t, name);
      if (!head) return head.error();
      s.head = *head;
    }
    out.emplace_back(name, s);
  }
}

jubes::result<outbox_batch> read_outbox(const database& db, std::string_view recipient, std::uint64_t after,
                                        std::size_t max, std::size_t max_bytes) {
  if (!codec::valid_name(recipient) || max == 0 || after == UINT64_MAX) return outbox_batch{};
  return db.read([&](const lmdb::txn& t) -> jubes::result<outbox_batch> {
    outbox_batch out;
    auto sc = tables::scan<tables::outbox_db>::open(t, db.t().outbox);
    if (!sc) return sc.error();
    body_reader bodies;
    codec::message_rec rec;  // one record decoded into again and again: its strings keep their capacity
    std::size_t bytes = 0;
    for (auto e = sc->seek({recipient, after + 1});; e = sc->next()) {
      if (!e) return e.error();
      if (!*e || (*e)->recipient != recipient) break;
      if (out.entries.size() >= max) {
        out.more = true;
        break;
      }
      auto found = db.t().messages.get_into(t, (*e)->message_id, rec);
      if (!found) return found.error();
      if (!*found)
        return fail(errc::corrupt, "message " + std::to_string((*e)->message_id) + " is referenced but missing");
      // A corrected or withdrawn entry is a marker: its body is never delivered.
      const bool marker = (*e)->link == entry_link::superseded_by || (*e)->link == entry_link::withdrawn_by;
      auto body = marker ? jubes::result<std::string_view>(std::string_view{}) : bodies.body(db, t, rec);
      if (!body) return body.error();
      // The byte cap is checked before the body is copied: the first entry always goes.
      if (!out.entries.empty() && body->size() > max_bytes - std::min(bytes, max_bytes)) {
        out.more = true;
        break;
      }
      bytes += body->size();
      outbox_entry x;
      x.seq = (*e)->seq;
      x.message_id = (*e)->message_id;
      x.body.assign(*body);
      x.message_type = rec.message_type;
      x.source_party = rec.party;
      x.accepted_at_ms = rec.accepted_at_ms;
      x.purged = (rec.flags & codec::flag_purged) != 0;
      x.deadline_ms = (*e)->deadline_ms;
      x.at_risk_from_ms = (*e)->at_risk_from_ms;
      x.link = (*e)->link;
      x.link_id = (*e)->link_id;
      out.entries.push_back(std::move(x));
    }
    return out;
  });
}

namespace {

enum class walk { next_entry, next_box, stop };

/// Walks every unacknowledged outbox entry, box by box in name order. For each entry `want`
/// accepts, reads its message record and calls visit(recipient, entry, record), whose answer
/// says where to go on. The one walk of late_entries and unacked_due_for_purge.
template <class Want, class Visit>
jubes::result<void> each_unacked(const database& db, const lmdb::txn& t, Want&& want, Visit&& visit) {
  auto boxes = list_outboxes(db, t, false);
  if (!boxes) return boxes.error();
  auto sc = tables::scan<tables::outbox_db>::open(t, db.t().outbox);
  if (!sc) return sc.error();
  codec::message_rec rec;
  for (const auto& [name, st] : *boxes) {
    auto cur = db.t().cursors.get(t, name);
    if (!cur) return cur.error();
    const std::uint64_t cursor = cur->value_or(0);
    if (cursor >= st.head) continue;
    for (auto e = sc->seek({name, cursor + 1});; e = sc->next()) {
      if (!e) return e.error();
      if (!*e || (*e)->recipient != name) break;
      if (!want(**e)) continue;
      auto found = db.t().messages.get_into(t, (*e)->message_id, rec);
      if (!found) return found.error();
      if (!*found)
        return fail(errc::corrupt, "message " + std::to_string((*e)->message_id) + " is referenced but missing");
      const walk w = visit(name, **e, rec);
      if (w == walk::stop) return {};
      if (w == walk::next_box) break;
    }
  }
  return {};
}

/// An entry as late_entries and unacked_due_for_purge list it: no body.
late_entry late_of(const std::string& recipient, const tables::outbox_db::entry& e, const codec::message_rec& rec) {
  return late_entry{recipient,          e.seq,         e.message_id,     rec.message_type, rec.party,
                    rec.accepted_at_ms, e.deadline_ms, e.at_risk_from_ms};
}

}  // namespace

jubes::result<std::vector<late_entry>> late_entries(const database& db, std::int64_t now_ms, std::size_t max) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<std::vector<late_entry>> {
    std::vector<late_entry> out;
    auto at_risk = [&](const tables::outbox_db::entry& e) { return e.deadline_ms != 0 && e.at_risk_from_ms <= now_ms; };
    auto r = each_unacked(
        db, t, at_risk, [&](const std::string& name, const tables::outbox_db::entry& e, const codec::message_rec& rec) {
          if (out.size() >= max) return walk::stop;
          out.push_back(late_of(name, e, rec));
          return walk::next_entry;
        });
    if (!r) return r.error();
    return out;
  });
}

jubes::result<due_for_purge> unacked_due_for_purge(const database& db, std::int64_t before_ms,
                                                   std::size_t max_entries) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<due_for_purge> {
    due_for_purge out;
    // A superseded or withdrawn entry is delivered without its body: nothing of it to lose.
    auto holds_body = [](const tables::outbox_db::entry& e) {
      return e.link != entry_link::superseded_by && e.link != entry_link::withdrawn_by;
    };
    auto r =
        each_unacked(db, t, holds_body,
                     [&](const std::string& name, const tables::outbox_db::entry& e, const codec::message_rec& rec) {
                       // Entries come in acceptance order: the rest of this box is newer.
                       if (rec.accepted_at_ms >= before_ms) return walk::next_box;
                       if (rec.flags & codec::flag_purged) return walk::next_entry;
                       if (out.counts.empty() || out.counts.back().first != name) out.counts.emplace_back(name, 0);
                       ++out.counts.back().second;
                       if (out.entries.size() < max_entries) out.entries.push_back(late_of(name, e, rec));
                       return walk::next_entry;
                     });
    if (!r) return r.error();
    return out;
  });
}

jubes::result<outbox_state> outbox(const database& db, std::string_view recipient) {
  if (!codec::valid_name(recipient)) return outbox_state{};
  return db.read([&](const lmdb::txn& t) { return state_in(db, t, recipient); });
}

jubes::result<std::optional<stored_message>> get(const database& db, std::uint64_t id) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<std::optional<stored_message>> {
    auto found = db.t().messages.get(t, id);
    if (!found) return found.error();
    if (!*found) return std::optional<stored_message>{};
    auto& rec = **found;
    body_reader bodies;
    auto body = bodies.body(db, t, rec);
    if (!body) return body.error();
    stored_message m;
    m.body.assign(*body);
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

jubes::result<std::vector<parked_entry>> parked(const database& db, std::size_t max) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<std::vector<parked_entry>> {
    std::vector<parked_entry> out;
    auto sc = tables::scan<tables::parked_db>::open(t, db.t().parked);
    if (!sc) return sc.error();
    for (auto e = sc->first(); out.size() < max; e = sc->next()) {
      if (!e) return e.error();
      if (!*e) break;
      auto rec = referenced_message(db, t, (*e)->id);
      if (!rec) return rec.error();
      parked_entry p;
      p.message_id = (*e)->id;
      p.source_party = std::move(rec->party);
      p.referentienummer = std::move(rec->refnr);
      p.message_type = std::move(rec->message_type);
      p.park_reason = std::move(rec->park_reason);
      p.accepted_at_ms = rec->accepted_at_ms;
      out.push_back(std::move(p));
    }
    return out;
  });
}

jubes::result<std::vector<audit_record>> audit(const database& db, std::uint64_t message_id, std::size_t max) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<std::vector<audit_record>> {
    std::vector<audit_record> out;
    auto sc = tables::scan<tables::audit_db>::open(t, db.t().audit);
    if (!sc) return sc.error();
    for (auto e = sc->first(); out.size() < max; e = sc->next()) {
      if (!e) return e.error();
      if (!*e) break;
      if (message_id != 0 && (*e)->rec.message_id != message_id) continue;
      out.push_back(tables::audit_db::to_record(std::move(**e)));
    }
    return out;
  });
}

jubes::result<audit_chain_state> audit_chain(const database& db, const lmdb::txn& t) {
  const auto& meta = db.t().meta;
  auto head = meta.get(t, tables::meta_db::point::audit_head);
  if (!head) return head.error();
  auto anchor = meta.get(t, tables::meta_db::point::audit_anchor);
  if (!anchor) return anchor.error();
  audit_chain_state st;
  if (*head) {
    st.head = **head;
    st.anchor = anchor->value_or(chain_point{});
    return st;
  }
  auto last = db.t().audit.last_seq(t);
  if (!last) return last.error();
  st.head.seq = st.anchor.seq = last->value_or(0);
  return st;
}

jubes::result<void> scan_audit(const database& db, std::uint64_t from,
                               const std::function<bool(const audit_record&)>& visit, std::size_t page) {
  // Pages of read transactions, so that a long verify never pins old pages for its whole run.
  for (bool more = true; more;) {
    auto r = db.read([&](const lmdb::txn& t) -> jubes::result<void> {
      auto sc = tables::scan<tables::audit_db>::open(t, db.t().audit);
      if (!sc) return sc.error();
      more = false;
      std::size_t n = 0;
      for (auto e = sc->seek(from);; e = sc->next()) {
        if (!e && e.error() != errc::corrupt) return e.error();
        if (e && !*e) return {};
        audit_record rec;
        if (e) {
          rec = tables::audit_db::to_record(std::move(**e));
        } else {
          if (!codec::read_be64(sc->raw_key(), rec.seq)) rec.seq = from;  // the undecodable value's key
          rec.damage = e.error().message();
        }
        from = rec.seq + 1;
        if (!visit(rec)) return {};
        if (++n >= page) {
          more = true;
          return {};
        }
      }
    });
    if (!r) return r;
  }
  return {};
}

jubes::result<store_stats> stats(const database& db) {
  return db.read([&](const lmdb::txn& t) -> jubes::result<store_stats> {
    const auto& tb = db.t();
    store_stats s;
    auto ver = tb.meta.get(t, tables::meta_db::key::format_version);
    s.format_version = ver && *ver ? static_cast<std::uint32_t>(**ver) : 0;
    auto purged = tb.meta.get(t, tables::meta_db::key::purged_bodies);
    s.purged = purged && *purged ? **purged : 0;
    std::pair<const tables::table*, std::uint64_t*> counts[] = {
        {&tb.messages, &s.messages},     {&tb.parked, &s.parked}, {&tb.dedup, &s.dedup},
        {&tb.outbox, &s.outbox_entries}, {&tb.audit, &s.audit},   {&tb.blobs, &s.blobs}};
    for (auto& [table, out] : counts) {
      auto n = table->count(t);
      if (!n) return n.error();
      *out = *n;
    }
    auto all = list_outboxes(db, t, false);
    if (!all) return all.error();
    s.recipients = all->size();
    for (auto& [name, st] : *all) {
      auto cur = tb.cursors.get(t, name);
      if (!cur) return cur.error();
      s.unacked += st.head > cur->value_or(0) ? st.head - cur->value_or(0) : 0;
    }
    auto last = tb.messages.last_id(t);
    if (!last) return last.error();
    s.last_message_id = last->value_or(0);
    auto u = db.map_usage();
    s.map_size = u.map_size;
    s.map_used = u.used;
    s.page_size = u.page_size;
    return s;
  });
}

}  // namespace jubes::storage::reads
