// SPDX-License-Identifier: EUPL-1.2
#pragma once
// State shared by the writer, retention and the read side: the writer's caches of what is
// committed, and the counters behind metrics().
//
// Threading: writer_state belongs to the writer thread once open() loaded it (retention runs on
// the writer thread too). counters are atomics: the writer adds, any thread reads.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/result.hpp"
#include "database.hpp"
#include "storage/types.hpp"

namespace jubes::storage {

/// What the writer knows about committed data, so that it need not look it up per request.
/// Changed only after a successful commit.
struct writer_state {
  std::uint64_t next_id = 1;
  chain_point audit_head;             ///< the newest audit record
  chain_point audit_anchor;           ///< as stored, or implied (see load)
  bool chain_stored = false;          ///< meta holds the chain's ends (false: a store from before the chain)
  std::uint64_t dedup_watermark = 0;  ///< dedup records of ids <= this are purged
  std::uint64_t purged_count = 0;     ///< bodies purged so far (meta)
  std::unordered_map<std::string, std::uint64_t> heads;  ///< committed outbox heads

  /// Loads everything from what is committed.
  static jubes::result<writer_state> load(const database& db, const lmdb::txn& t);
};

/// Writes the audit chain's head into meta within `t` (a group or retention pass that appended
/// audit records), and the anchor: `anchor` if given (retention removed records), else the
/// implied one the first time (a store from before the chain: its old records stay pre-chain).
jubes::result<void> store_chain_ends(const database& db, const lmdb::txn& t, const writer_state& ws,
                                     const chain_point& head, const chain_point* anchor = nullptr);

struct counters {
  std::atomic<std::uint64_t> rejected{0}, commits{0}, commit_failures{0}, map_grows{0};
  std::array<std::atomic<std::uint64_t>, group_size_buckets.size() + 1> group_hist{};
  std::atomic<std::uint64_t> group_sum{0};
  std::array<std::atomic<std::uint64_t>, commit_seconds_buckets.size() + 1> commit_hist{};
  std::atomic<std::uint64_t> commit_ns_sum{0};
  std::atomic<std::uint64_t> parked{0}, accepted{0}, duplicate{0}, conflict{0}, store_full{0}, io_error{0}, acks{0},
      forwards{0}, reroutes{0}, purged_bodies{0}, purged_dedup{0}, purged_audit{0}, purged_undelivered{0}, last_id{0};

  /// One committed group of `n` requests that took `d`.
  void record_commit(std::size_t n, std::chrono::steady_clock::duration d);
  /// One committed retention pass, which unparked `parked_delta` (<= 0) messages.
  void record_purge(const purge_result& p, std::int64_t parked_delta);
  /// Fills everything but the queue depth and the map figures.
  void fill(metrics_snapshot& m) const;
};

}  // namespace jubes::storage
