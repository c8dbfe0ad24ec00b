// SPDX-License-Identifier: EUPL-1.2
#include "state.hpp"

#include "reads.hpp"

namespace jubes::storage {

namespace {
template <std::size_t N>
std::size_t bucket_of(const std::array<double, N>& bounds, double v) {
  for (std::size_t i = 0; i < N; ++i)
    if (v <= bounds[i]) return i;
  return N;
}
}  // namespace

jubes::result<writer_state> writer_state::load(const database& db, const lmdb::txn& t) {
  writer_state s;
  const auto& tb = db.t();
  auto last = tb.messages.last_id(t);
  if (!last) return last.error();
  s.next_id = last->value_or(0) + 1;
  auto chain = reads::audit_chain(db, t);
  if (!chain) return chain.error();
  s.audit_head = chain->head;
  s.audit_anchor = chain->anchor;
  auto stored = tb.meta.get(t, tables::meta_db::point::audit_head);
  if (!stored) return stored.error();
  s.chain_stored = stored->has_value();
  // A damaged counter reads as 0: it only delays dedup purging or skews a statistic.
  auto wm = tb.meta.get(t, tables::meta_db::key::dedup_purged_upto);
  s.dedup_watermark = wm && *wm ? **wm : 0;
  auto pc = tb.meta.get(t, tables::meta_db::key::purged_bodies);
  s.purged_count = pc && *pc ? **pc : 0;
  auto all = reads::list_outboxes(db, t, false);
  if (!all) return all.error();
  for (auto& [r, st] : *all) s.heads.emplace(r, st.head);
  return s;
}

jubes::result<void> store_chain_ends(const database& db, const lmdb::txn& t, const writer_state& ws,
                                     const chain_point& head, const chain_point* anchor) {
  const auto& meta = db.t().meta;
  if (anchor || !ws.chain_stored)
    if (auto w = meta.put(t, tables::meta_db::point::audit_anchor, anchor ? *anchor : ws.audit_anchor); !w) return w;
  return meta.put(t, tables::meta_db::point::audit_head, head);
}

void counters::record_commit(std::size_t n, std::chrono::steady_clock::duration d) {
  ++commits;
  group_hist[bucket_of(group_size_buckets, static_cast<double>(n))]++;
  group_sum += n;
  double secs = std::chrono::duration<double>(d).count();
  commit_hist[bucket_of(commit_seconds_buckets, secs)]++;
  commit_ns_sum += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

void counters::record_purge(const purge_result& p, std::int64_t parked_delta) {
  parked += static_cast<std::uint64_t>(parked_delta);
  purged_bodies += p.bodies;
  purged_dedup += p.dedup;
  purged_audit += p.audit;
  purged_undelivered += p.undelivered;
}

void counters::fill(metrics_snapshot& m) const {
  m.rejected_overloaded = rejected;
  m.commits = commits;
  m.commit_failures = commit_failures;
  m.map_grows = map_grows;
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < m.group_size_hist.size(); ++i) m.group_size_hist[i] = (acc += group_hist[i]);
  m.group_size_sum = group_sum;
  acc = 0;
  for (std::size_t i = 0; i < m.commit_seconds_hist.size(); ++i) m.commit_seconds_hist[i] = (acc += commit_hist[i]);
  m.commit_seconds_sum = static_cast<double>(commit_ns_sum.load()) / 1e9;
  m.parked = parked;
  m.accepted = accepted;
  m.duplicate = duplicate;
  m.conflict = conflict;
  m.store_full = store_full;
  m.io_error = io_error;
  m.acks = acks;
  m.forwards = forwards;
  m.reroutes = reroutes;
  m.purged_bodies = purged_bodies;
  m.purged_dedup = purged_dedup;
  m.purged_audit = purged_audit;
  m.purged_undelivered = purged_undelivered;
  m.last_message_id = last_id;
}

}  // namespace jubes::storage
