// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The single writer of a process: a bounded queue, the thread that takes up to max_group queued
// requests into one transaction (batch.hpp), retries a batch that lost a race to another node,
// replaces a broken connection (target_session_attrs=read-write finds the new primary), and only
// after the COMMIT returned completes the requests and wakes this node's watchers. Retention
// passes run on it too, alone, and a timer thread queues them.
//
// Lifecycle: start() connects and launches the threads; stop() drains the queue (every queued
// request completes), then joins. After stop() submits complete at once with errc::closed.
// Threading: submit() from any thread; completions and wakes run on the writer thread.
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "at_rest.hpp"
#include "ops.hpp"
#include "pgstore/pgstore.hpp"
#include "pq.hpp"
#include "storage/op_queue.hpp"
#include "storage/watch_hub.hpp"

namespace jubes::pgstore::detail {

using storage::watch_hub;

struct counters {
  std::atomic<std::uint64_t> rejected{0}, commits{0}, commit_failures{0}, retries{0}, unknown{0};
  std::array<std::atomic<std::uint64_t>, storage::group_size_buckets.size() + 1> group_hist{};
  std::atomic<std::uint64_t> group_sum{0};
  std::array<std::atomic<std::uint64_t>, storage::commit_seconds_buckets.size() + 1> commit_hist{};
  std::atomic<std::uint64_t> commit_ns_sum{0};
  std::atomic<std::uint64_t> accepted{0}, duplicate{0}, conflict{0}, io_error{0}, store_full{0}, acks{0}, forwards{0},
      reroutes{0}, purged_bodies{0}, purged_dedup{0}, purged_audit{0}, last_id{0};
  std::atomic<std::int64_t> parked{0};

  void record_commit(std::size_t n, std::chrono::steady_clock::duration d);
  void fill(storage::metrics_snapshot& m) const;
};

class writer {
 public:
  writer(const options& o, counters& c, watch_hub& hub, at_rest& keys)
      : opt_(o), counters_(c), hub_(hub), keys_(keys) {}
  ~writer() { stop(); }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  /// Connects and prepares. @return errc::io_error naming the cause
  jubes::result<void> start();
  void stop();
  /// Queues `o`, or completes it at once with errc::overloaded or errc::closed.
  void submit(op o);
  /// Queues a background retention pass unless one is queued or running already.
  void submit_background_purge();
  std::size_t depth() const;

 private:
  std::optional<jubes::error> enqueue(op& o);
  void loop();
  bool take(std::vector<op>& batch);
  void run_group(std::vector<op>& batch);
  void run_purge(purge_op& o);
  void fail_all(std::vector<op>& batch, const jubes::error& e);
  /// Makes sure a connection is there. @return false (after logging) if it cannot be had now
  bool ensure_connection(jubes::error& why);
  void retention_loop();
  std::int64_t now_ms() const;

  const options& opt_;
  counters& counters_;
  watch_hub& hub_;
  at_rest& keys_;
  pq::conn conn_;  // writer thread only after start()

  mutable std::mutex mu_;
  std::condition_variable cv_, retention_cv_;
  storage::op_queue<op, ingest_op, purge_op, read_op, audit_op> q_;
  bool started_ = false, stopping_ = false;
  std::atomic<bool> purge_inflight_{false};
  std::thread thread_, retention_;
};

}  // namespace jubes::pgstore::detail
