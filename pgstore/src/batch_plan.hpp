// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private to the batch (batch.cpp: round trips and requests; corrections.cpp: corrections and
// withdrawals; purge.cpp: retention): what round trip 1 read and what the batch writes, built
// request by request, and the helpers the three share. See batch.hpp for the transaction's shape.
//
// Threading: the writer thread only.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "batch.hpp"
#include "storage/audit_chain.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore::detail {

using storage::errc;
using status = batch_result::status;
constexpr std::size_t max_body = 256u << 20;
constexpr auto i64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

struct head_row {
  std::uint64_t head = 0, acked = 0;
  bool found = false, changed = false, moved = false;  // moved: the head itself changed
};
struct dedup_row {
  std::string sha;
  std::uint64_t id = 0;
  std::int64_t at = 0;
  bool added = false;
};
struct msg_row {
  std::string party, route_version;
  std::vector<std::string> recipients;
  bool parked = false, purged = false, dirty = false;
  // Read only when the batch holds a correction or withdrawal (w_msg_lock_refs).
  std::string message_type;
  std::uint64_t superseded_by = 0;
  std::uint8_t superseded_kind = 0;
};
/// A message this batch stores: what a correction later in the same batch needs of it.
struct fresh_msg {
  std::string message_type;
  std::vector<std::string> recipients;
  std::uint64_t superseded_by = 0;
  std::uint8_t superseded_kind = 0;
};
using dedup_key = std::pair<std::string, std::string>;

inline pq::command cmd(const char* name, pq::params p = {}) {
  return pq::command{name, std::move(p), true, true};
}
inline pq::command sql(const char* text) {
  return pq::command{text, {}, false, false};
}

/// The audit chain inside one transaction: the ends as locked (w_chain_lock), the records
/// appended to it (sealed in order, storage/audit_chain.hpp), and the writes that store them.
struct chain_writes {
  storage::chain_point head, anchor;
  bool changed = false;
  std::vector<std::int64_t> seq, at, kind, id;
  std::vector<std::string> party, detail, prev, hash;

  void locked(const pq::res& r) {
    auto point = [&](int col) {
      storage::chain_point p;
      p.seq = static_cast<std::uint64_t>(r.i64(0, col));
      storage::audit_chain::parse_hex(r.str(0, col + 1), p.hash);
      p.at_ms = r.i64(0, col + 2);
      return p;
    };
    head = point(0);
    anchor = point(3);
  }
  storage::audit_record append(storage::audit_record a) {
    a.seq = head.seq + 1;
    storage::audit_chain::seal(a, head.hash);
    head = storage::chain_point{a.seq, a.hash, a.at_ms};
    changed = true;
    seq.push_back(static_cast<std::int64_t>(a.seq)), at.push_back(a.at_ms);
    kind.push_back(static_cast<std::int64_t>(a.kind)), id.push_back(static_cast<std::int64_t>(a.message_id));
    party.push_back(a.party), detail.push_back(a.detail);
    prev.push_back(storage::audit_chain::hex(a.prev_hash)), hash.push_back(storage::audit_chain::hex(a.hash));
    return a;
  }
  /// The inserts and the chain row's update (nothing if nothing changed).
  void write(std::vector<pq::command>& cmds) const {
    if (!seq.empty())
      cmds.push_back(cmd("w_audit", std::move(pq::params()
                                                  .i64_array(seq)
                                                  .i64_array(at)
                                                  .i64_array(kind)
                                                  .i64_array(id)
                                                  .array(party)
                                                  .array(detail)
                                                  .array(prev)
                                                  .array(hash))));
    if (!changed) return;
    pq::params p;
    p.u64(head.seq).text(storage::audit_chain::hex(head.hash)).i64(head.at_ms);
    p.u64(anchor.seq).text(storage::audit_chain::hex(anchor.hash)).i64(anchor.at_ms);
    cmds.push_back(cmd("w_chain_set", std::move(p)));
  }
};

/// What round trip 1 read and what the batch writes, built request by request.
struct plan {
  std::int64_t now = 0;
  std::map<std::string, head_row> heads;
  std::map<dedup_key, dedup_row> dedup;
  std::map<std::uint64_t, msg_row> msgs;
  std::vector<std::uint64_t> ids;
  std::size_t next_id = 0;
  std::vector<pq::command> msg_inserts;
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> ack_ids;  ///< (recipient, seq) -> message id
  std::vector<std::string> ob_rcpt;
  std::vector<std::int64_t> ob_seq, ob_id, ob_deadline, ob_risk, ob_link, ob_link_id;
  chain_writes chain;
  batch_result* out = nullptr;
  at_rest* keys = nullptr;
  std::uint32_t active_key = 0;  ///< read after the chain's lock (bodies at rest)
  // Corrections and withdrawals: the messages this batch stores, the unacknowledged entries of
  // the earlier messages as locked in round trip 1 ((recipient, seq) -> message id), the entries
  // that become markers and the messages superseded.
  std::map<std::uint64_t, fresh_msg> fresh;
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> earlier_entries;
  std::vector<std::string> lk_rcpt;
  std::vector<std::int64_t> lk_seq, lk_kind, lk_id;
  std::vector<std::int64_t> sup_id, sup_by, sup_kind;
  /// Round trip 1 did not lock all a correction needs (a concurrent writer changed it between
  /// two of its statements): the batch is rolled back and run again.
  bool race = false;

  storage::audit_record audit(storage::audit_kind k, std::uint64_t id, std::string party, std::string detail) {
    storage::audit_record a;
    a.at_ms = now;
    a.kind = k;
    a.message_id = id;
    a.party = std::move(party);
    a.detail = std::move(detail);
    return chain.append(std::move(a));
  }
  void append(const std::string& r, std::uint64_t id, std::int64_t deadline_ms = 0, std::int64_t at_risk_from_ms = 0,
              storage::entry_link link = storage::entry_link::none, std::uint64_t link_id = 0) {
    auto& h = heads[r];  // locked in round trip 1 (the batch created it if it was new)
    h.head += 1;
    h.changed = h.moved = true;
    ob_rcpt.push_back(r);
    ob_seq.push_back(static_cast<std::int64_t>(h.head));
    ob_id.push_back(static_cast<std::int64_t>(id));
    ob_deadline.push_back(deadline_ms > 0 ? deadline_ms : 0);
    ob_risk.push_back(deadline_ms > 0 ? at_risk_from_ms : 0);
    ob_link.push_back(static_cast<std::int64_t>(link));
    ob_link_id.push_back(static_cast<std::int64_t>(link_id));
  }
};

/// The outcome of a statement that failed inside the transaction (rolled back unless the connection is lost).
batch_result failed_with(PGconn* c, const pq::res& r, std::string_view what);
/// A failure that is not a statement's (rolled back unless the connection is lost).
batch_result lost(PGconn* c, const jubes::error& e);
/// @return the first failed result of a pipeline (index), or -1.
int first_failure(const pq::pipeline_run& run);

/// The earlier message a correction or withdrawal names, as round trip 1 locked it or as this
/// batch stores it.
struct earlier_message {
  std::uint64_t id = 0;  ///< 0: the request is no correction or withdrawal
  std::vector<std::string> recipients;
};

/// @return the earlier message, or unknown_reference / already_superseded (as the LMDB store
/// says them); sets p.race if round trip 1 did not lock it and its recipients' heads.
jubes::result<earlier_message> find_earlier(plan& p, const storage::ingest_request& r);

/// Marks the earlier message's unacknowledged entries superseded_by / withdrawn_by `id` (no body,
/// no deadline), records that it was superseded, and adds its recipients to `to`.
void supersede(plan& p, const storage::ingest_request& r, const earlier_message& e, std::uint64_t id,
               std::vector<std::string>& to);

}  // namespace jubes::pgstore::detail
