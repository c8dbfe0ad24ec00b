// SPDX-License-Identifier: EUPL-1.2
#include "group.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {

constexpr std::string_view log_c = "storage";
constexpr std::size_t max_body = 256u << 20;

template <class T>
applied<T> abort_txn(jubes::error e) {
  return applied<T>(boost::system::in_place_error, std::move(e));
}
template <class T>
applied<T> answer(jubes::result<T> r) {
  return applied<T>(boost::system::in_place_value, std::move(r));
}
applied<void> answer_ok() {
  return answer<void>(jubes::result<void>{});
}
/// A damaged record fails the request that read it; any other failure fails the transaction.
template <class T>
applied<T> read_failure(jubes::error e) {
  if (e == errc::corrupt) return answer<T>(std::move(e));
  return abort_txn<T>(std::move(e));
}

/// Recipients in first-seen order without repeats (a rule set may name one recipient twice).
std::vector<std::string> unique_names(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

bool valid_names(const std::vector<std::string>& v) {
  return std::all_of(v.begin(), v.end(), [](const std::string& s) { return codec::valid_name(s); });
}

bool valid_ingest(const ingest_op& o) {
  const auto& r = o.req;
  return o.sha_ok && codec::valid_name(r.party) && !r.referentienummer.empty() &&
         r.referentienummer.size() <= codec::max_name && !r.message_type.empty() && r.body.size() <= max_body &&
         valid_names(r.recipients) && (!r.unrouted || r.recipients.empty()) &&
         (r.mutation_kind == mutation::none
              ? true
              : codec::valid_name(r.cross_ref) && r.cross_ref != r.referentienummer &&
                    (r.mutation_kind == mutation::correction || r.mutation_kind == mutation::withdrawal));
}

}  // namespace

group::group(const database& db, const options& opt, const writer_state& ws, const lmdb::txn& t, level lvl,
             std::int64_t now)
    : db_(db), opt_(opt), ws_(ws), t_(t), lvl_(lvl), now_(now) {
  st_.next_id = ws.next_id;
  st_.audit_head = ws.audit_head;
}

std::uint64_t group::head_of(const std::string& recipient) const {
  if (auto it = st_.heads.find(recipient); it != st_.heads.end()) return it->second;
  if (auto it = ws_.heads.find(recipient); it != ws_.heads.end()) return it->second;
  return 0;
}

jubes::result<void> group::put_audit(audit_kind kind, std::uint64_t id, std::string_view party, std::string_view detail,
                                     audit_record* out) {
  audit_record a;
  a.at_ms = now_;
  a.kind = kind;
  a.message_id = id;
  a.party.assign(party);
  a.detail.assign(detail);
  if (auto w = db_.t().audit.append_chained(t_, st_.audit_head, a); !w) return w;
  if (out) *out = std::move(a);
  return {};
}

jubes::result<void> group::append_outbox(const std::string& recipient, std::uint64_t id, std::int64_t deadline_ms,
                                         std::int64_t at_risk_from_ms, entry_link link, std::uint64_t link_id) {
  std::uint64_t seq = head_of(recipient) + 1;
  auto r = db_.t().outbox.put(t_, {recipient, seq}, id, deadline_ms, at_risk_from_ms, link, link_id);
  if (r) st_.heads[recipient] = seq;
  return r;
}

codec::message_rec group::stage_body(const ingest_request& r, std::uint64_t id) {
  if (blobs_.empty() ||
      (!blobs_.back().bodies.empty() && blobs_.back().bodies.size() + r.body.size() > opt_.blob_bytes))
    blobs_.push_back(blob_builder{id, {}, {}});
  auto& b = blobs_.back();
  codec::message_rec rec;
  rec.received_at_ms = r.received_at_ms;
  rec.accepted_at_ms = now_;
  rec.blob_id = b.id;
  rec.body_offset = static_cast<std::uint32_t>(b.bodies.size());
  rec.body_len = static_cast<std::uint32_t>(r.body.size());
  b.ids.push_back(id);
  b.bodies.append(r.body);
  return rec;
}

jubes::result<group::earlier_message> group::find_earlier(const ingest_request& r) {
  earlier_message e;
  if (r.mutation_kind == mutation::none) return e;
  const auto& tb = db_.t();
  auto d = tb.dedup.get(t_, {r.party, r.cross_ref});
  if (!d) return d.error();
  if (!*d)
    return fail(errc::unknown_reference, "crossRefnummer '" + r.cross_ref + "' names no message of " + r.party +
                                             " (unknown, another sender's, or purged)");
  e.id = (*d)->message_id;
  auto found = tb.messages.get_into(t_, e.id, e.rec);
  if (!found) return found.error();
  if (!*found) return fail(errc::corrupt, "message " + std::to_string(e.id) + " of a dedup record is missing");
  if (e.rec.message_type != r.message_type)
    return fail(errc::unknown_reference,
                "crossRefnummer '" + r.cross_ref + "' names a " + e.rec.message_type + ", not a " + r.message_type);
  if (e.rec.superseded_by)
    return fail(
        errc::already_superseded,
        "'" + r.cross_ref + "' (message " + std::to_string(e.id) + ") was already " +
            (e.rec.superseded_kind == static_cast<std::uint8_t>(mutation::withdrawal) ? "withdrawn" : "corrected") +
            " by message " + std::to_string(e.rec.superseded_by) + ": refer to that one");
  return e;
}

jubes::result<void> group::supersede(const ingest_request& r, earlier_message& e, std::uint64_t id,
                                     std::vector<std::string>& to) {
  const auto& tb = db_.t();
  const entry_link mark =
      r.mutation_kind == mutation::withdrawal ? entry_link::withdrawn_by : entry_link::superseded_by;
  for (const std::string& rc : e.rec.recipients) {
    if (std::find(to.begin(), to.end(), rc) == to.end()) to.push_back(rc);
    auto cur = tb.cursors.get(t_, rc);
    if (!cur) return cur.error();
    const std::uint64_t cursor = cur->value_or(0), head = head_of(rc);
    // Its entries there that the recipient has not acknowledged (a forward target may hold one too).
    std::vector<std::uint64_t> seqs;
    if (head > cursor) {
      auto sc = tables::scan<tables::outbox_db>::open(t_, tb.outbox);
      if (!sc) return sc.error();
      for (auto en = sc->seek({rc, cursor + 1});; en = sc->next()) {
        if (!en) return en.error();
        if (!*en || (*en)->recipient != rc) break;
        if ((*en)->message_id == e.id && (*en)->link != entry_link::superseded_by &&
            (*en)->link != entry_link::withdrawn_by)
          seqs.push_back((*en)->seq);
      }
    }
    for (std::uint64_t seq : seqs)
      if (auto w = tb.outbox.put(t_, {rc, seq}, e.id, 0, 0, mark, id); !w) return w;
  }
  e.rec.superseded_by = id;
  e.rec.superseded_kind = static_cast<std::uint8_t>(r.mutation_kind);
  return tb.messages.put(t_, e.id, e.rec);
}

jubes::result<void> group::write_new_message(const ingest_op& o, std::uint64_t id, const std::vector<std::string>& to,
                                             const earlier_message& earlier) {
  const auto& r = o.req;
  const auto& tb = db_.t();
  codec::message_rec rec = stage_body(r, id);
  // Parked: no recipient, or a partial delivery (recipients and a reason why one is missing).
  const bool park = (to.empty() && !r.unrouted) || (!to.empty() && !r.park_reason.empty());
  rec.flags = park ? codec::flag_parked : 0;
  rec.party = r.party;
  rec.refnr = r.referentienummer;
  rec.message_type = r.message_type;
  rec.route_version = r.route_version;
  rec.park_reason = park ? r.park_reason : std::string();
  rec.recipients = to;
  rec.matched_rules = r.matched_rules;
  if (auto w = tb.messages.put(t_, id, rec, true); !w) return w;
  codec::dedup_rec d{o.sha, id, now_};
  auto inserted = tb.dedup.insert(t_, {r.party, r.referentienummer}, d);
  if (!inserted) return inserted.error();
  // apply() looked the key up in this transaction a moment ago; a key that appeared since would
  // break exactly-once, so the whole group fails rather than store the message twice.
  if (!*inserted) return fail(errc::io_error, "dedup key of " + r.party + " appeared during the group");
  // One audit record per message covers acceptance and routing: 1+R records cost about a quarter
  // of ingest throughput at 3 recipients (measured, docs/storage.md).
  std::string detail = r.message_type;
  detail += to.empty() ? (r.unrouted ? " not routed: " : " parked: ") + r.park_reason : " to=";
  for (std::size_t i = 0; i < to.size(); ++i) (detail += i ? "," : "") += to[i];
  if (park && !to.empty()) detail += " parked: " + r.park_reason;
  if (earlier.id)
    detail += (r.mutation_kind == mutation::withdrawal ? " withdraws=" : " corrects=") + std::to_string(earlier.id);
  if (auto w = put_audit(park && to.empty() ? audit_kind::parked : audit_kind::accepted, id, r.party, detail); !w)
    return w;
  for (const auto& rcpt : to) {
    // An entry tells a recipient of the earlier message which one it corrects or withdraws.
    const bool had = earlier.id && std::find(earlier.rec.recipients.begin(), earlier.rec.recipients.end(), rcpt) !=
                                       earlier.rec.recipients.end();
    if (auto w = append_outbox(rcpt, id, r.deadline_ms, r.at_risk_from_ms,
                               had ? entry_link::relates_to : entry_link::none, had ? earlier.id : 0);
        !w)
      return w;
  }
  if (park) {
    if (auto w = tb.parked.put(t_, id); !w) return w;
    ++st_.parked_delta;
  }
  return {};
}

applied<ingest_result> group::apply(ingest_op& o) {
  const auto& r = o.req;
  if (!valid_ingest(o)) return answer<ingest_result>(fail(errc::invalid_argument, "invalid ingest request"));
  auto existing = db_.t().dedup.get(t_, {r.party, r.referentienummer});
  if (!existing) {
    if (existing.error() == errc::corrupt) log::error(log_c, "corrupt_dedup_record", {{"party", r.party}});
    return read_failure<ingest_result>(existing.error());
  }
  if (*existing) {
    const auto& d = **existing;
    if (d.sha256 == o.sha) {
      ++st_.duplicate;
      return answer<ingest_result>(
          ingest_result{ingest_outcome::duplicate, receipt{d.message_id, r.referentienummer, d.accepted_at_ms}});
    }
    ++st_.conflict;
    return answer<ingest_result>(ingest_result{ingest_outcome::conflict, {}});
  }
  if (lvl_ >= level::no_growth) {
    ++st_.store_full;
    return answer<ingest_result>(fail(errc::store_full));
  }
  // A correction or withdrawal: the earlier message is checked before anything is written, so a
  // bad reference is this request's answer and leaves the rest of the group alone.
  auto earlier = find_earlier(r);
  if (!earlier) {
    if (earlier.error() == errc::unknown_reference || earlier.error() == errc::already_superseded)
      return answer<ingest_result>(jubes::result<ingest_result>(earlier.error()));
    return read_failure<ingest_result>(earlier.error());
  }
  const std::uint64_t id = st_.next_id++;
  auto to = unique_names(r.recipients);
  if (earlier->id)
    if (auto w = supersede(r, *earlier, id, to); !w) return abort_txn<ingest_result>(w.error());
  if (auto w = write_new_message(o, id, to, *earlier); !w) return abort_txn<ingest_result>(w.error());
  ++st_.accepted;
  return answer<ingest_result>(ingest_result{ingest_outcome::accepted, receipt{id, r.referentienummer, now_}});
}

applied<std::uint64_t> group::apply(ack_op& o) {
  if (!codec::valid_name(o.recipient)) return answer<std::uint64_t>(fail(errc::invalid_argument, "recipient name"));
  auto stored = db_.t().cursors.get(t_, o.recipient);
  if (!stored) return read_failure<std::uint64_t>(stored.error());
  const std::uint64_t cur = stored->value_or(0);
  if (o.upto <= cur) return answer<std::uint64_t>(cur);
  if (o.upto > head_of(o.recipient))
    return answer<std::uint64_t>(
        fail(errc::beyond_head, "ack " + std::to_string(o.upto) + " above the head; cursor " + std::to_string(cur)));
  for (std::uint64_t seq = cur + 1; seq <= o.upto; ++seq) {
    auto id = db_.t().outbox.get(t_, {o.recipient, seq});
    if (!id) return read_failure<std::uint64_t>(id.error());
    if (auto w = put_audit(audit_kind::acked, id->value_or(0), o.recipient, std::to_string(seq)); !w)
      return abort_txn<std::uint64_t>(w.error());
  }
  if (auto w = db_.t().cursors.put(t_, o.recipient, o.upto); !w) return abort_txn<std::uint64_t>(w.error());
  ++st_.acks;
  return answer<std::uint64_t>(o.upto);
}

applied<codec::message_rec> group::load_for_update(std::uint64_t id) {
  auto rec = db_.t().messages.get(t_, id);
  if (!rec) return read_failure<codec::message_rec>(rec.error());
  if (!*rec) return answer<codec::message_rec>(fail(errc::not_found, "message " + std::to_string(id)));
  return answer<codec::message_rec>(std::move(**rec));
}

applied<bool> group::apply(forward_op& o) {
  if (!codec::valid_name(o.from) || !codec::valid_name(o.to))
    return answer<bool>(tables::failed<bool>(fail(errc::invalid_argument, "recipient name")));
  if (!valid(o.by)) return answer<bool>(tables::failed<bool>(fail(errc::invalid_argument, "operator identity")));
  auto loaded = load_for_update(o.id);
  if (!loaded) return abort_txn<bool>(loaded.error());
  if (!*loaded) return answer<bool>(tables::failed<bool>(loaded->error()));
  auto& rec = **loaded;
  auto& rs = rec.recipients;
  if (std::find(rs.begin(), rs.end(), o.from) == rs.end())
    return answer<bool>(tables::failed<bool>(fail(errc::not_recipient)));
  if (o.to == rec.party)
    return answer<bool>(tables::failed<bool>(fail(errc::invalid_argument, "forward to the source")));
  // Exactly once per (message, target): a repeat changes nothing.
  if (std::find(rs.begin(), rs.end(), o.to) != rs.end()) return answer<bool>(false);
  if (lvl_ >= level::no_growth) return answer<bool>(tables::failed<bool>(fail(errc::store_full)));
  rs.push_back(o.to);
  if (auto w = db_.t().messages.put(t_, o.id, rec); !w) return abort_txn<bool>(w.error());
  if (auto w = append_outbox(o.to, o.id, o.deadline.deadline_ms, o.deadline.at_risk_from_ms); !w)
    return abort_txn<bool>(w.error());
  if (auto w = put_audit(audit_kind::forwarded, o.id, o.from, o.to); !w) return abort_txn<bool>(w.error());
  // An operator's forward and its record commit together or not at all.
  if (!o.by.identity.empty())
    if (auto w = put_audit(audit_kind::forward_override, o.id, o.by.identity,
                           operator_detail("forwarded from " + o.from + " to " + o.to, o.by));
        !w)
      return abort_txn<bool>(w.error());
  ++st_.forwards;
  return answer<bool>(true);
}

applied<void> group::apply(reroute_op& o) {
  auto recipients = unique_names(o.recipients);
  if (recipients.empty() || !valid_names(recipients))
    return answer<void>(fail(errc::invalid_argument, "reroute needs valid recipients"));
  if (!valid(o.by)) return answer<void>(fail(errc::invalid_argument, "operator identity"));
  auto loaded = load_for_update(o.id);
  if (!loaded) return abort_txn<void>(loaded.error());
  if (!*loaded) return answer<void>(loaded->error());
  auto& rec = **loaded;
  if (!(rec.flags & codec::flag_parked) || (rec.flags & codec::flag_purged))
    return answer<void>(fail(errc::not_parked));
  if (lvl_ >= level::no_growth) return answer<void>(fail(errc::store_full));
  rec.flags = static_cast<std::uint8_t>(rec.flags & ~codec::flag_parked);
  // A partial delivery keeps the recipients it has; only the new ones get an entry.
  std::vector<std::string> fresh;
  for (const auto& r : recipients)
    if (std::find(rec.recipients.begin(), rec.recipients.end(), r) == rec.recipients.end()) fresh.push_back(r);
  rec.recipients.insert(rec.recipients.end(), fresh.begin(), fresh.end());
  rec.route_version = o.route_version;
  const auto& tb = db_.t();
  if (auto w = tb.messages.put(t_, o.id, rec); !w) return abort_txn<void>(w.error());
  auto was_parked = tb.parked.del(t_, o.id);
  if (!was_parked) return abort_txn<void>(was_parked.error());
  if (*was_parked) --st_.parked_delta;
  if (!o.by.identity.empty()) {
    std::string what = "re-routed to ";
    for (std::size_t i = 0; i < recipients.size(); ++i) (what += i ? "," : "") += recipients[i];
    if (auto w = put_audit(audit_kind::reroute_ordered, o.id, o.by.identity, operator_detail(what, o.by)); !w)
      return abort_txn<void>(w.error());
  }
  for (const auto& r : fresh) {
    if (auto w = append_outbox(r, o.id, o.deadline.deadline_ms, o.deadline.at_risk_from_ms); !w)
      return abort_txn<void>(w.error());
    if (auto w = put_audit(audit_kind::rerouted, o.id, r, o.route_version); !w) return abort_txn<void>(w.error());
  }
  ++st_.reroutes;
  return answer_ok();
}

applied<bool> group::apply(park_op& o) {
  const auto& d = o.d;
  const bool assign = d.act == park_decision::action::assign;
  if (!valid(d)) return answer<bool>(tables::failed<bool>(fail(errc::invalid_argument, "park decision")));
  auto loaded = load_for_update(d.message_id);
  if (!loaded) return abort_txn<bool>(loaded.error());
  if (!*loaded) return answer<bool>(tables::failed<bool>(loaded->error()));
  auto& rec = **loaded;
  const bool parked = (rec.flags & codec::flag_parked) && !(rec.flags & codec::flag_purged);
  if (!parked) {
    // A repeat changes nothing: the message went to that recipient already, or it was closed.
    const auto& rs = rec.recipients;
    bool repeat = assign ? std::find(rs.begin(), rs.end(), d.recipient) != rs.end()
                         : rs.empty() && !(rec.flags & codec::flag_purged);
    if (repeat) return answer<bool>(false);
    return answer<bool>(tables::failed<bool>(fail(errc::not_parked)));
  }
  if (assign && lvl_ >= level::no_growth) return answer<bool>(tables::failed<bool>(fail(errc::store_full)));
  rec.flags = static_cast<std::uint8_t>(rec.flags & ~codec::flag_parked);
  // A partial delivery keeps the recipients it was delivered to; the assigned one is added (once).
  const bool has = std::find(rec.recipients.begin(), rec.recipients.end(), d.recipient) != rec.recipients.end();
  if (assign && !has) rec.recipients.push_back(d.recipient);
  const auto& tb = db_.t();
  if (auto w = tb.messages.put(t_, d.message_id, rec); !w) return abort_txn<bool>(w.error());
  auto was_parked = tb.parked.del(t_, d.message_id);
  if (!was_parked) return abort_txn<bool>(was_parked.error());
  if (*was_parked) --st_.parked_delta;
  if (assign && !has)
    if (auto w = append_outbox(d.recipient, d.message_id, d.deadline.deadline_ms, d.deadline.at_risk_from_ms); !w)
      return abort_txn<bool>(w.error());
  auto kind = assign ? audit_kind::parked_assigned : audit_kind::parked_closed;
  if (auto w = put_audit(kind, d.message_id, d.operator_party, audit_detail(d)); !w) return abort_txn<bool>(w.error());
  return answer<bool>(true);
}

applied<void> group::apply(read_op& o) {
  if (!codec::valid_name(o.party)) return answer<void>(fail(errc::invalid_argument, "party name"));
  if (auto w = put_audit(audit_kind::read, o.id, o.party, {}); !w) return abort_txn<void>(w.error());
  return answer_ok();
}

applied<audit_record> group::apply(audit_op& o) {
  const auto& e = o.ev;
  if (e.party.size() > codec::max_name || e.party.find('\0') != std::string::npos)
    return answer<audit_record>(fail(errc::invalid_argument, "audit party name"));
  if (e.kind != audit_kind::checkpoint && e.party.empty())
    return answer<audit_record>(fail(errc::invalid_argument, "an operator action needs the operator's identity"));
  audit_record out;
  if (auto w = put_audit(e.kind, e.message_id, e.party, e.detail, &out); !w) return abort_txn<audit_record>(w.error());
  return answer<audit_record>(std::move(out));
}

jubes::result<void> group::finish() {
  for (auto& b : blobs_)
    if (!b.ids.empty())
      if (auto w = db_.t().blobs.put(t_, b.id, b.ids, b.bodies); !w) return w;
  if (st_.audit_head.seq == ws_.audit_head.seq) return {};
  return store_chain_ends(db_, t_, ws_, st_.audit_head);
}

}  // namespace jubes::storage
