// SPDX-License-Identifier: EUPL-1.2
// One retention pass on PostgreSQL (batch.hpp, purge_pass): bodies, dedup rows and a prefix of the
// audit trail, in one transaction; a body purged before every recipient acknowledged it is audited.
#include <algorithm>
#include <cstdlib>

#include "batch_plan.hpp"

namespace jubes::pgstore::detail {

jubes::result<void> purge_pass(PGconn* c, std::int64_t now, std::int64_t body_cut, std::int64_t dedup_cut,
                               std::int64_t audit_cut, std::size_t limit, storage::purge_result& acc) {
  const std::string lim = std::to_string(limit);
  std::vector<pq::command> cmds;
  cmds.push_back(sql("BEGIN"));
  pq::params b;
  b.i64(body_cut).text(lim);
  // Bodies: the message row stays as the purge record; a parked message leaves the parked list.
  cmds.push_back(pq::command{
      "WITH p AS (SELECT id FROM messages WHERE NOT purged AND accepted_at_ms < $1::bigint ORDER BY accepted_at_ms, "
      "id LIMIT $2::bigint FOR UPDATE) UPDATE messages m SET body = NULL, purged = true, parked = false FROM p WHERE "
      "m.id = p.id RETURNING m.id, (SELECT string_agg(o.recipient, ',' ORDER BY o.recipient) FROM outbox o JOIN "
      "outbox_heads h ON h.recipient = o.recipient WHERE o.recipient = ANY (m.recipients) AND o.seq > h.acked AND "
      "o.message_id = m.id AND o.link NOT IN (1, 2))",
      std::move(b), false, true});  // binary results: res::i64 reads 8-byte integers
  pq::params d;
  d.i64(dedup_cut).text(lim);
  cmds.push_back(
      pq::command{"DELETE FROM dedup WHERE ctid = ANY (ARRAY(SELECT ctid FROM dedup WHERE accepted_at_ms < "
                  "$1::bigint LIMIT $2::bigint))",
                  std::move(d), false, false});
  // Audit records: a prefix in seq order only, up to the first one not expired (clocks of several
  // nodes need not agree), so that the chain stays gapless after its anchor.
  pq::params a;
  a.i64(audit_cut).text(lim);
  cmds.push_back(pq::command{
      "DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE seq < coalesce((SELECT seq FROM audit WHERE at_ms "
      ">= $1::bigint ORDER BY seq LIMIT 1), 9223372036854775807) ORDER BY seq LIMIT $2::bigint) RETURNING seq, "
      "encode(hash, 'hex'), at_ms",
      std::move(a), false, true});
  cmds.push_back(cmd("w_chain_lock"));  // the last lock, as in a batch
  pq::pipeline_run run;
  auto sent = pq::pipeline(c, cmds, run);
  if (int f = first_failure(run); f >= 0) return failed_with(c, run.results[f], "purge").error;
  if (!sent) return lost(c, sent.error()).error;
  if (run.results[4].rows() != 1) return lost(c, jubes::error(errc::corrupt, "audit_chain has no row")).error;
  chain_writes chain;
  chain.locked(run.results[4]);
  const auto& dead = run.results[3];
  for (int i = 0; i < dead.rows(); ++i)
    if (auto seq = static_cast<std::uint64_t>(dead.i64(i, 0)); seq > chain.anchor.seq) {
      // The last record removed becomes the anchor (a record from before the chain never does).
      chain.anchor = storage::chain_point{seq, {}, dead.i64(i, 2)};
      if (!dead.null(i, 1)) storage::audit_chain::parse_hex(dead.str(i, 1), chain.anchor.hash);
      chain.changed = true;
    }
  // Never silently: a body some recipient had not acknowledged gets an audit record naming them.
  std::vector<std::pair<std::uint64_t, std::string>> ids;
  for (int i = 0; i < run.results[1].rows(); ++i)
    ids.emplace_back(static_cast<std::uint64_t>(run.results[1].i64(i, 0)),
                     run.results[1].null(i, 1) ? std::string() : run.results[1].str(i, 1));
  std::sort(ids.begin(), ids.end());
  for (auto& [id, undelivered] : ids) {
    storage::audit_record r;
    r.at_ms = now;
    r.kind = storage::audit_kind::purged;
    r.message_id = id;
    if (!undelivered.empty()) {
      r.detail = "undelivered to " + undelivered;
      ++acc.undelivered;
    }
    chain.append(std::move(r));
  }
  std::vector<pq::command> writes;
  chain.write(writes);
  writes.push_back(sql("COMMIT"));
  pq::pipeline_run run2;
  auto sent2 = pq::pipeline(c, writes, run2);
  if (int f = first_failure(run2); f >= 0) return failed_with(c, run2.results[f], "purge").error;
  if (!sent2) return lost(c, sent2.error()).error;
  auto n = [&](int i) { return std::strtoull(PQcmdTuples(run.results[i].get()), nullptr, 10); };
  acc.bodies += n(1);
  acc.dedup += n(2);
  acc.audit += n(3);
  acc.more = n(1) == limit || n(2) == limit || n(3) == limit;
  return {};
}

}  // namespace jubes::pgstore::detail
