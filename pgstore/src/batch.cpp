// SPDX-License-Identifier: EUPL-1.2
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "batch_plan.hpp"
#include "common/log.hpp"
#include "listener.hpp"
#include "storage/audit_chain.hpp"
#include "storage/errc.hpp"
#include "text.hpp"

namespace jubes::pgstore::detail {

/// The outcome of a statement that failed inside the transaction.
batch_result failed_with(PGconn* c, const pq::res& r, std::string_view what) {
  batch_result b;
  const std::string s = r.state();
  b.st = s == "23505" || s == "40P01" || s == "40001" ? status::retry : status::failed;
  b.error = pq::error_of(c, r, what);
  b.connection_lost = pq::broken(c);
  if (!b.connection_lost) pq::res rb = pq::exec(c, "ROLLBACK", {}, false);
  return b;
}

batch_result lost(PGconn* c, const jubes::error& e) {
  batch_result b;
  b.st = status::failed;
  b.error = e;
  b.connection_lost = pq::broken(c);
  if (!b.connection_lost) pq::res rb = pq::exec(c, "ROLLBACK", {}, false);
  return b;
}

/// @return the first failed result of a pipeline (index), or -1.
int first_failure(const pq::pipeline_run& run) {
  for (std::size_t i = 0; i < run.results.size(); ++i)
    if (!run.results[i].ok()) return static_cast<int>(i);
  return -1;
}

namespace {

/// Recipients in first-seen order without repeats (a rule set may name one recipient twice).
std::vector<std::string> unique_names(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

bool valid_ingest(const ingest_op& o) {
  const auto& r = o.req;
  return o.sha_ok && valid_name(r.party) && valid_name(r.referentienummer) && !r.message_type.empty() &&
         valid_text(r.message_type) && r.body.size() <= max_body && valid_names(r.recipients) &&
         (!r.unrouted || r.recipients.empty()) && valid_text(r.park_reason) && valid_text(r.route_version) &&
         std::all_of(r.matched_rules.begin(), r.matched_rules.end(), [](const auto& s) { return valid_text(s); }) &&
         (r.mutation_kind == storage::mutation::none ||
          ((r.mutation_kind == storage::mutation::correction || r.mutation_kind == storage::mutation::withdrawal) &&
           valid_name(r.cross_ref) && r.cross_ref != r.referentienummer));
}

/// A forward's refusal (result<bool> does not convert from an error: bool would be ambiguous).
jubes::result<bool> refuse(jubes::error e) {
  return jubes::result<bool>(boost::system::in_place_error, std::move(e));
}
template <class E>
jubes::result<bool> refuse(E e, std::string detail = {}) {
  return refuse(fail(e, std::move(detail)));
}

bool valid_id(std::uint64_t id) {
  return id >= 1 && id <= i64_max;
}

/// The names, keys and ids round trip 1 must lock or read.
struct wants {
  std::set<std::string> grow, lock;
  std::set<dedup_key> keys;
  std::set<dedup_key> refs;  ///< (party, crossRefnummer) of the corrections and withdrawals
  std::set<std::uint64_t> ids;
  std::map<std::string, std::uint64_t> ack_upto;  ///< highest ack per recipient (its audit needs the ids)
};

wants collect(const std::vector<op>& ops) {
  wants w;
  auto grow = [&](const std::string& r) {
    if (valid_name(r)) w.grow.insert(r), w.lock.insert(r);
  };
  for (const auto& o : ops) {
    if (auto* i = std::get_if<ingest_op>(&o); i && valid_ingest(*i)) {
      w.keys.emplace(i->req.party, i->req.referentienummer);
      if (i->req.mutation_kind != storage::mutation::none) w.refs.emplace(i->req.party, i->req.cross_ref);
      for (const auto& r : i->req.recipients) grow(r);
    } else if (auto* a = std::get_if<ack_op>(&o); a && valid_name(a->recipient) && a->upto <= i64_max) {
      w.lock.insert(a->recipient);
      auto& u = w.ack_upto[a->recipient];
      u = std::max(u, a->upto);
    } else if (auto* f = std::get_if<forward_op>(&o)) {
      grow(f->to);
      if (valid_id(f->id)) w.ids.insert(f->id);
    } else if (auto* rr = std::get_if<reroute_op>(&o)) {
      for (const auto& r : rr->recipients) grow(r);
      if (valid_id(rr->id)) w.ids.insert(rr->id);
    } else if (auto* pk = std::get_if<park_op>(&o)) {
      if (pk->d.act == storage::park_decision::action::assign) grow(pk->d.recipient);
      if (valid_id(pk->d.message_id)) w.ids.insert(pk->d.message_id);
    }
  }
  return w;
}

/// Round trip 1: BEGIN, head rows, messages to change, dedup rows. @return false with `fail` set
///
/// Corrections and withdrawals (w.refs) lock what they read here, in the one lock order (heads in
/// recipient order, messages in id order, outbox rows, the audit chain last), so that nothing can
/// change it before the batch commits:
/// - the outbox heads of the earlier messages' recipients: an ack of such an outbox (which locks
///   its head first) waits for this batch, or this batch for it; either way the cursor the batch
///   reads is the one its outcome holds for (acked before: delivered as related; after: the entry
///   was a marker when the recipient acknowledged it), and no other writer appends there meanwhile;
/// - the earlier messages themselves: a second correction of the same notice (on this node or
///   another) waits for this one to commit and then reads superseded_by set: 409, or, if it is
///   the same correction again, a duplicate, because the dedup rows are read only after the locks
///   (each statement sees what committed before it started);
/// - their unacknowledged entries (FOR UPDATE OF o), which only a correction changes.
/// A recipient the earlier message gained after the heads were locked (a forward committed
/// between the two statements) is not covered: apply() then sets plan::race and the batch runs
/// again, reading the new recipients.
/// Where each of round trip 1's results stands in the pipeline (-1: not sent).
struct round1 {
  int heads = -1, msgs = -1, entries = -1, dedup = -1, acks = -1, chain = -1, key = -1;
};

round1 round1_commands(const wants& w, std::vector<pq::command>& cmds) {
  round1 at;
  cmds.push_back(sql("BEGIN"));
  std::vector<std::string> grow(w.grow.begin(), w.grow.end()), lock(w.lock.begin(), w.lock.end());
  std::vector<std::string> ref_parties, ref_nrs;
  for (const auto& [party, ref] : w.refs) ref_parties.push_back(party), ref_nrs.push_back(ref);
  const bool refs = !w.refs.empty();
  const auto next = [&] { return static_cast<int>(cmds.size()); };
  if (!grow.empty()) cmds.push_back(cmd("w_heads_add", std::move(pq::params().array(grow))));
  if (refs) {
    at.heads = next();
    cmds.push_back(cmd("w_heads_lock_refs", std::move(pq::params().array(lock).array(ref_parties).array(ref_nrs))));
  } else if (!lock.empty()) {
    at.heads = next();
    cmds.push_back(cmd("w_heads_lock", std::move(pq::params().array(lock))));
  }
  if (refs) {
    at.msgs = next();
    cmds.push_back(
        cmd("w_msg_lock_refs",
            std::move(pq::params().i64_array({w.ids.begin(), w.ids.end()}).array(ref_parties).array(ref_nrs))));
    at.entries = next();
    cmds.push_back(cmd("w_refs_entries", std::move(pq::params().array(ref_parties).array(ref_nrs))));
  } else if (!w.ids.empty()) {
    at.msgs = next();
    cmds.push_back(cmd("w_msg_lock", std::move(pq::params().i64_array({w.ids.begin(), w.ids.end()}))));
  }
  if (!w.keys.empty() || refs) {
    at.dedup = next();
    std::vector<std::string> parties, nrs;
    for (const auto& [party, ref] : w.keys) parties.push_back(party), nrs.push_back(ref);
    parties.insert(parties.end(), ref_parties.begin(), ref_parties.end());
    nrs.insert(nrs.end(), ref_nrs.begin(), ref_nrs.end());
    cmds.push_back(cmd("w_dedup_get", std::move(pq::params().array(parties).array(nrs))));
  }
  if (!w.ack_upto.empty()) {
    at.acks = next();
    std::vector<std::string> names;
    std::vector<std::int64_t> upto;
    for (const auto& [r, u] : w.ack_upto) names.push_back(r), upto.push_back(static_cast<std::int64_t>(u));
    cmds.push_back(cmd("w_ack_ids", std::move(pq::params().array(names).i64_array(upto))));
  }
  at.chain = next();
  cmds.push_back(cmd("w_chain_lock"));
  if (!w.keys.empty()) {
    at.key = next();
    cmds.push_back(cmd("w_active_key"));
  }
  return at;
}

/// Reads round trip 1's rows into the plan. @return false if the audit chain has no row
bool read_round1(const pq::pipeline_run& run, const round1& at, bool refs, plan& p) {
  if (at.heads >= 0) {
    const auto& r = run.results[at.heads];
    for (int i = 0; i < r.rows(); ++i)
      p.heads[r.str(i, 0)] = head_row{static_cast<std::uint64_t>(r.i64(i, 1)), static_cast<std::uint64_t>(r.i64(i, 2)),
                                      true, false, false};
  }
  if (at.dedup >= 0) {
    const auto& r = run.results[at.dedup];
    for (int i = 0; i < r.rows(); ++i)
      p.dedup[{r.str(i, 0), r.str(i, 1)}] =
          dedup_row{r.str(i, 2), static_cast<std::uint64_t>(r.i64(i, 3)), r.i64(i, 4), false};
  }
  if (at.msgs >= 0) {
    const auto& r = run.results[at.msgs];
    for (int i = 0; i < r.rows(); ++i) {
      auto& m = p.msgs[static_cast<std::uint64_t>(r.i64(i, 0))];
      m.party = r.str(i, 1), m.route_version = r.str(i, 5), m.recipients = r.text_array(i, 2);
      m.parked = r.boolean(i, 3), m.purged = r.boolean(i, 4);
      if (refs) {
        m.message_type = r.str(i, 6);
        m.superseded_by = static_cast<std::uint64_t>(r.i64(i, 7));
        m.superseded_kind = static_cast<std::uint8_t>(r.i64(i, 8));
      }
    }
  }
  if (at.entries >= 0) {
    const auto& r = run.results[at.entries];
    for (int i = 0; i < r.rows(); ++i)
      p.earlier_entries[{r.str(i, 0), static_cast<std::uint64_t>(r.i64(i, 1))}] =
          static_cast<std::uint64_t>(r.i64(i, 2));
  }
  if (at.acks >= 0) {
    const auto& r = run.results[at.acks];
    for (int i = 0; i < r.rows(); ++i)
      p.ack_ids[{r.str(i, 0), static_cast<std::uint64_t>(r.i64(i, 1))}] = static_cast<std::uint64_t>(r.i64(i, 2));
  }
  const auto& ch = run.results[at.chain];
  if (ch.rows() != 1) return false;
  p.chain.locked(ch);
  if (at.key >= 0) p.active_key = static_cast<std::uint32_t>(run.results[at.key].i64(0, 0));
  return true;
}

bool read_phase(PGconn* c, const wants& w, plan& p, batch_result& fail) {
  std::vector<pq::command> cmds;
  const round1 at = round1_commands(w, cmds);
  pq::pipeline_run run;
  if (auto r = pq::pipeline(c, cmds, run); !r) return fail = lost(c, r.error()), false;
  if (int f = first_failure(run); f >= 0) return fail = failed_with(c, run.results[f], cmds[f].stmt), false;
  if (!read_round1(run, at, !w.refs.empty(), p))
    return fail = lost(c, jubes::error(errc::corrupt, "audit_chain has no row")), false;
  return true;
}

/// Round trip 2: ids for the new messages (at most one per key not stored yet).
bool take_ids(PGconn* c, const wants& w, plan& p, batch_result& fail) {
  std::size_t n = 0;
  for (const auto& k : w.keys)
    if (!p.dedup.count(k)) ++n;
  if (n == 0) return true;
  pq::params prm;
  prm.u64(n);
  auto v = prm.raw();
  pq::res ids(PQexecPrepared(c, "w_ids", prm.size(), v.values.data(), v.lengths.data(), v.formats.data(), 1));
  if (!ids.ok()) return fail = failed_with(c, ids, "w_ids"), false;
  for (int i = 0; i < ids.rows(); ++i) p.ids.push_back(static_cast<std::uint64_t>(ids.i64(i, 0)));
  return true;
}

}  // namespace

namespace {

jubes::result<storage::ingest_result> apply(plan& p, const ingest_op& o) {
  const auto& r = o.req;
  if (!valid_ingest(o)) return fail(errc::invalid_argument, "invalid ingest request");
  if (!o.sealed_ok) return fail(errc::io_error, "sealing the body failed (compression or encryption)");
  const std::string sha(reinterpret_cast<const char*>(o.sha.data()), o.sha.size());
  dedup_key key{r.party, r.referentienummer};
  if (auto it = p.dedup.find(key); it != p.dedup.end()) {
    if (it->second.sha == sha) {
      ++p.out->duplicate;
      return storage::ingest_result{storage::ingest_outcome::duplicate,
                                    storage::receipt{it->second.id, r.referentienummer, it->second.at}};
    }
    ++p.out->conflict;
    return storage::ingest_result{storage::ingest_outcome::conflict, {}};
  }
  // A correction or withdrawal: the earlier message is checked before anything is planned, so a
  // bad reference is this request's answer and leaves the rest of the batch alone.
  auto earlier = find_earlier(p, r);
  if (!earlier) return earlier.error();
  if (p.race) return fail(errc::io_error, "a concurrent writer changed a corrected message (the batch runs again)");
  if (p.next_id >= p.ids.size()) return fail(errc::io_error, "no message id left in the batch (a bug)");
  const std::uint64_t id = p.ids[p.next_id++];
  auto to = unique_names(r.recipients);
  if (earlier->id) supersede(p, r, *earlier, id, to);
  p.fresh[id] = fresh_msg{r.message_type, to, 0, 0};
  p.dedup.emplace(std::move(key), dedup_row{sha, id, p.now, true});
  pq::params m;
  m.u64(id).text(r.party).text(r.referentienummer).text(r.message_type).i64(r.received_at_ms).i64(p.now);
  // Parked: no recipient, or a partial delivery (recipients and a reason why one is missing), as in LMDB.
  const bool park = (to.empty() && !r.unrouted) || (!to.empty() && !r.park_reason.empty());
  m.text(r.route_version).array(r.matched_rules).array(to).boolean(park);
  // Sealed on the submitting thread; again here when a rotation made another key active since.
  std::string resealed;
  if (o.key_id != p.active_key) {
    std::uint32_t kid = 0;
    if (auto s = p.keys->seal(r.body, r.party, r.referentienummer, resealed, kid); !s) return s.error();
  }
  m.text(park ? r.park_reason : std::string()).bytes(o.key_id != p.active_key ? resealed : o.stored);
  p.msg_inserts.push_back(cmd("w_msg", std::move(m)));
  // One audit record per message covers acceptance and routing (as in the LMDB store).
  std::string detail = r.message_type;
  detail += to.empty() ? (r.unrouted ? " not routed: " : " parked: ") + r.park_reason : " to=";
  for (std::size_t i = 0; i < to.size(); ++i) (detail += i ? "," : "") += to[i];
  if (park && !to.empty()) detail += " parked: " + r.park_reason;
  if (earlier->id)
    detail +=
        (r.mutation_kind == storage::mutation::withdrawal ? " withdraws=" : " corrects=") + std::to_string(earlier->id);
  p.audit(park && to.empty() ? storage::audit_kind::parked : storage::audit_kind::accepted, id, r.party,
          std::move(detail));
  for (const auto& rc : to) {
    // An entry tells a recipient of the earlier message which one it corrects or withdraws.
    const bool had = earlier->id &&
                     std::find(earlier->recipients.begin(), earlier->recipients.end(), rc) != earlier->recipients.end();
    p.append(rc, id, r.deadline_ms, r.at_risk_from_ms,
             had ? storage::entry_link::relates_to : storage::entry_link::none, had ? earlier->id : 0);
  }
  if (park) ++p.out->parked_delta;
  ++p.out->accepted;
  p.out->last_id = std::max(p.out->last_id, id);
  return storage::ingest_result{storage::ingest_outcome::accepted, storage::receipt{id, r.referentienummer, p.now}};
}

jubes::result<std::uint64_t> apply(plan& p, const ack_op& o) {
  if (!valid_name(o.recipient)) return fail(errc::invalid_argument, "recipient name");
  auto it = p.heads.find(o.recipient);
  const std::uint64_t cur = it == p.heads.end() ? 0 : it->second.acked;
  const std::uint64_t head = it == p.heads.end() ? 0 : it->second.head;
  if (o.upto <= cur) return cur;
  if (o.upto > head)
    return fail(errc::beyond_head, "ack " + std::to_string(o.upto) + " above the head; cursor " + std::to_string(cur));
  for (std::uint64_t seq = cur + 1; seq <= o.upto; ++seq) {
    auto id = p.ack_ids.find({o.recipient, seq});
    p.audit(storage::audit_kind::acked, id == p.ack_ids.end() ? 0 : id->second, o.recipient, std::to_string(seq));
  }
  it->second.acked = o.upto;
  it->second.changed = true;
  ++p.out->acks;
  return o.upto;
}

jubes::result<bool> apply(plan& p, const forward_op& o) {
  if (!valid_name(o.from) || !valid_name(o.to)) return refuse(errc::invalid_argument, "recipient name");
  if (!storage::valid(o.by) || !valid_text(o.by.identity) || !valid_text(o.by.reason) || !valid_text(o.by.note))
    return refuse(errc::invalid_argument, "operator identity");
  auto it = p.msgs.find(o.id);
  if (it == p.msgs.end()) return refuse(errc::not_found, "message " + std::to_string(o.id));
  auto& m = it->second;
  if (std::find(m.recipients.begin(), m.recipients.end(), o.from) == m.recipients.end())
    return refuse(errc::not_recipient);
  if (o.to == m.party) return refuse(errc::invalid_argument, "forward to the source");
  // Exactly once per (message, target): a repeat changes nothing.
  if (std::find(m.recipients.begin(), m.recipients.end(), o.to) != m.recipients.end()) return false;
  m.recipients.push_back(o.to);
  m.dirty = true;
  p.append(o.to, o.id, o.deadline.deadline_ms, o.deadline.at_risk_from_ms);
  p.audit(storage::audit_kind::forwarded, o.id, o.from, o.to);
  // An operator's forward and its record commit together or not at all (one batch, one transaction).
  if (!o.by.identity.empty())
    p.audit(storage::audit_kind::forward_override, o.id, o.by.identity,
            storage::operator_detail("forwarded from " + o.from + " to " + o.to, o.by));
  ++p.out->forwards;
  return true;
}

jubes::result<void> apply(plan& p, const reroute_op& o) {
  auto to = unique_names(o.recipients);
  if (to.empty() || !valid_names(to) || !valid_text(o.route_version))
    return fail(errc::invalid_argument, "reroute needs valid recipients");
  if (!storage::valid(o.by) || !valid_text(o.by.identity) || !valid_text(o.by.reason) || !valid_text(o.by.note))
    return fail(errc::invalid_argument, "operator identity");
  auto it = p.msgs.find(o.id);
  if (it == p.msgs.end()) return fail(errc::not_found, "message " + std::to_string(o.id));
  auto& m = it->second;
  if (!m.parked || m.purged) return fail(errc::not_parked);
  m.parked = false;
  // A partial delivery keeps the recipients it has; only the new ones get an entry.
  std::vector<std::string> fresh;
  for (const auto& r : to)
    if (std::find(m.recipients.begin(), m.recipients.end(), r) == m.recipients.end()) fresh.push_back(r);
  m.recipients.insert(m.recipients.end(), fresh.begin(), fresh.end());
  m.route_version = o.route_version;
  m.dirty = true;
  --p.out->parked_delta;
  if (!o.by.identity.empty()) {
    std::string what = "re-routed to ";
    for (std::size_t i = 0; i < to.size(); ++i) (what += i ? "," : "") += to[i];
    p.audit(storage::audit_kind::reroute_ordered, o.id, o.by.identity, storage::operator_detail(what, o.by));
  }
  for (const auto& r : fresh) {
    p.append(r, o.id, o.deadline.deadline_ms, o.deadline.at_risk_from_ms);
    p.audit(storage::audit_kind::rerouted, o.id, r, o.route_version);
  }
  ++p.out->reroutes;
  return {};
}

jubes::result<bool> apply(plan& p, const park_op& o) {
  const auto& d = o.d;
  const bool assign = d.act == storage::park_decision::action::assign;
  if (!storage::valid(d) || !valid_id(d.message_id)) return refuse(errc::invalid_argument, "park decision");
  auto it = p.msgs.find(d.message_id);
  if (it == p.msgs.end()) return refuse(errc::not_found, "message " + std::to_string(d.message_id));
  auto& m = it->second;
  if (!m.parked || m.purged) {
    // A repeat changes nothing: the message went to that recipient already, or it was closed.
    const auto& rs = m.recipients;
    bool repeat = assign ? std::find(rs.begin(), rs.end(), d.recipient) != rs.end() : rs.empty() && !m.purged;
    if (repeat) return false;
    return refuse(errc::not_parked);
  }
  m.parked = false;
  // A partial delivery keeps the recipients it was delivered to; the assigned one is added (once).
  const bool has = std::find(m.recipients.begin(), m.recipients.end(), d.recipient) != m.recipients.end();
  if (assign && !has) m.recipients.push_back(d.recipient);
  m.dirty = true;
  --p.out->parked_delta;
  if (assign && !has) p.append(d.recipient, d.message_id, d.deadline.deadline_ms, d.deadline.at_risk_from_ms);
  p.audit(assign ? storage::audit_kind::parked_assigned : storage::audit_kind::parked_closed, d.message_id,
          d.operator_party, storage::audit_detail(d));
  return true;
}

jubes::result<void> apply(plan& p, const read_op& o) {
  if (!valid_name(o.party) || !valid_id(o.id)) return fail(errc::invalid_argument, "party name or id");
  p.audit(storage::audit_kind::read, o.id, o.party, {});
  return {};
}

jubes::result<storage::audit_record> apply(plan& p, const audit_op& o) {
  const auto& e = o.ev;
  if (e.party.size() > max_name || !valid_text(e.party) || !valid_text(e.detail) || e.message_id > i64_max)
    return fail(errc::invalid_argument, "audit party, detail or id");
  if (e.kind != storage::audit_kind::checkpoint && e.party.empty())
    return fail(errc::invalid_argument, "an operator action needs the operator's identity");
  return p.audit(e.kind, e.message_id, e.party, e.detail);
}

/// Decides every request in order; their completions go into p.out->fire.
void apply_all(plan& p, std::vector<op>& ops) {
  for (auto& o : ops)
    std::visit(
        [&](auto& x) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(x)>, purge_op>) {
            auto answer = apply(p, x);
            if (x.done) p.out->fire.push_back([&x, v = std::move(answer)]() mutable { x.done(std::move(v)); });
          }
        },
        o);
}

/// Round trip 3's commands: every write of the batch, then the notifications and COMMIT.
std::vector<pq::command> writes(plan& p) {
  std::vector<pq::command> cmds = std::move(p.msg_inserts);
  std::vector<std::string> parties, refs, shas;
  std::vector<std::int64_t> ids, ats;
  for (const auto& [k, d] : p.dedup)  // sorted by key: concurrent writers insert keys in one order
    if (d.added) {
      parties.push_back(k.first), refs.push_back(k.second), shas.push_back(hex(d.sha));
      ids.push_back(static_cast<std::int64_t>(d.id)), ats.push_back(d.at);
    }
  if (!ids.empty())
    cmds.push_back(
        cmd("w_dedup", std::move(pq::params().array(parties).array(refs).array(shas).i64_array(ids).i64_array(ats))));
  if (!p.ob_seq.empty())
    cmds.push_back(cmd("w_outbox", std::move(pq::params()
                                                 .array(p.ob_rcpt)
                                                 .i64_array(p.ob_seq)
                                                 .i64_array(p.ob_id)
                                                 .i64_array(p.ob_deadline)
                                                 .i64_array(p.ob_risk)
                                                 .i64_array(p.ob_link)
                                                 .i64_array(p.ob_link_id))));
  if (!p.lk_seq.empty())
    cmds.push_back(
        cmd("w_outbox_link",
            std::move(pq::params().array(p.lk_rcpt).i64_array(p.lk_seq).i64_array(p.lk_kind).i64_array(p.lk_id))));
  for (const auto& [id, m] : p.msgs)
    if (m.dirty)
      cmds.push_back(cmd("w_msg_update",
                         std::move(pq::params().u64(id).array(m.recipients).boolean(m.parked).text(m.route_version))));
  if (!p.sup_id.empty())
    cmds.push_back(
        cmd("w_msg_supersede", std::move(pq::params().i64_array(p.sup_id).i64_array(p.sup_by).i64_array(p.sup_kind))));
  p.chain.write(cmds);
  std::vector<std::string> names, notes;
  std::vector<std::int64_t> heads, acked;
  for (const auto& [r, h] : p.heads) {
    if (!h.changed) continue;
    names.push_back(r), heads.push_back(static_cast<std::int64_t>(h.head)),
        acked.push_back(static_cast<std::int64_t>(h.acked));
    if (h.moved) notes.push_back(std::to_string(h.head) + " " + r), p.out->heads[r] = h.head;
  }
  if (!names.empty())
    cmds.push_back(cmd("w_heads", std::move(pq::params().array(names).i64_array(heads).i64_array(acked))));
  // One notification per recipient per batch, never per message.
  if (!notes.empty()) cmds.push_back(cmd("w_notify", std::move(pq::params().text(notify_channel).array(notes))));
  cmds.push_back(sql("COMMIT"));
  return cmds;
}

}  // namespace

batch_result run_batch(PGconn* c, std::vector<op>& ops, std::int64_t now, at_rest& keys) {
  batch_result out;
  plan p;
  p.now = now;
  p.out = &out;
  p.keys = &keys;
  const wants w = collect(ops);
  batch_result failure;
  if (!read_phase(c, w, p, failure) || !take_ids(c, w, p, failure)) return failure;
  if (!w.keys.empty())
    if (auto k = keys.ensure_active(c, p.active_key); !k) return lost(c, k.error());
  apply_all(p, ops);
  if (p.race) {
    // Nothing was written and no completion fires: the writer runs the batch again (bounded).
    pq::res rb = pq::exec(c, "ROLLBACK", {}, false);
    batch_result again;
    again.st = status::retry;
    again.error = fail(errc::io_error, "a concurrent writer changed a corrected message");
    again.connection_lost = pq::broken(c);
    return again;
  }
  const auto cmds = writes(p);
  pq::pipeline_run run;
  auto sent = pq::pipeline(c, cmds, run);
  const int f = first_failure(run);
  if (f >= 0) return failed_with(c, run.results[f], cmds[f].stmt);
  if (!sent) {
    // The COMMIT may have reached the server and run: nobody can say whether the batch is stored.
    if (run.all_sent) {
      batch_result u;
      u.st = status::unknown;
      u.connection_lost = true;
      u.error = fail(errc::io_error, "PostgreSQL commit outcome unknown (" + sent.error().message() +
                                         "): not acknowledged; a retry is absorbed by dedup");
      return u;
    }
    return lost(c, sent.error());
  }
  out.st = status::committed;
  return out;
}

}  // namespace jubes::pgstore::detail
