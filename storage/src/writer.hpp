// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The single writer: a bounded queue of operations and the thread that takes everything queued,
// applies it in one write transaction (group.hpp), commits it, and only once the commit is on
// stable storage completes the requests and wakes the long polls they satisfy. Retention passes
// run on it too, alone.
//
// One flush per commit, pipelined (issue 11). A durable store runs LMDB with MDB_NOMETASYNC:
// mdb_txn_commit fdatasyncs the data pages, then writes the meta page without syncing it. A group
// is therefore committed but not yet durable when its commit returns; it waits in `pending_` until
// a later flush covers its meta page, which is either
//  - the next commit's data sync: LMDB 0.9.24 mdb.c, mdb_txn_commit calls mdb_env_sync(env, 0)
//    (fdatasync(me_fd) of the whole file) before mdb_env_write_meta, and mdb_env_write_meta writes
//    through me_fd (not the O_DSYNC me_mfd) when MDB_NOMETASYNC is set, so the previous group's
//    meta page is a dirty page of the same file that this fdatasync writes out; or
//  - an explicit mdb_env_sync(env, 1) on the sync thread, asked for whenever the writer finds its
//    queue empty after a commit (nobody else is going to commit soon).
// Whichever comes first releases the group on the writer thread: its completions run, then its
// wakes. Meanwhile the writer already builds the next group. See docs/storage.md, "Crash safety".
//
// A failed commit or flush stops the store for good (types.hpp, store_health): the writer fails
// every group still waiting for durability and everything queued, and refuses new requests with
// the cause (errc::io_error); it never acknowledges a group after a failed flush, not even when a
// later commit's own sync succeeds (the failed sync may have dropped the earlier pages).
//
// Lifecycle: start() launches the writer and the sync thread (not for a read-only store); stop()
// lets the writer drain the queue, flushes, completes everything and joins both. After stop()
// submits complete at once with errc::closed.
// Threading: submit() from any thread; completions and wakes run on the writer thread, one group
// at a time, in commit order. The sync thread only calls mdb_env_sync.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "database.hpp"
#include "group.hpp"
#include "state.hpp"
#include "storage/op_queue.hpp"
#include "storage/watch_hub.hpp"

namespace jubes::storage {

class writer {
 public:
  writer(database& db, const options& opt, counters& c, watch_hub& w) : db_(db), opt_(opt), counters_(c), watch_(w) {}
  ~writer() { stop(); }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  /// @param ws the committed state, loaded at open
  void start(writer_state ws);
  void stop();

  /// Queues `o`, or completes it at once on the calling thread with errc::overloaded (queue full),
  /// errc::closed (stopped) or errc::read_only (never started). Its `done` then runs exactly once.
  void submit(op o);
  /// Queues a background retention pass. @return false if refused (full queue is not a reason:
  /// retention bypasses the capacity so that it cannot starve).
  bool submit_background_purge();

  std::size_t depth() const;

  /// writable, full (the last group hit the map's maximum) or failed (a commit or flush failed).
  store_health health() const;

  /// Highest seq of `recipient`'s outbox that is on stable storage (0 if none). Polls do not show
  /// entries past it: a committed group is visible to read transactions before it is durable.
  std::uint64_t durable_head(std::string_view recipient) const;

 private:
  /// A committed group whose meta page may not be on disk yet.
  struct pending_group {
    std::uint64_t seq = 0;
    std::vector<op> batch;                    // owns the requests the completions refer to
    std::vector<std::function<void()>> fire;  // completions, in request order
    std::unordered_map<std::string, std::uint64_t> heads;
  };
  std::optional<jubes::error> enqueue(op& o);
  void loop();
  void run_group(std::vector<op>& batch);
  /// One attempt at a group. @return false if the transaction failed with `failure`; `disk` is
  /// then true when the failure was the disk's (begin or commit), not the group's content.
  bool try_group(std::vector<op>& batch, level lvl, jubes::error& failure, bool& disk);
  /// Is the live data of `t` above the high-water mark (map_size_max less the audit reserve)?
  bool above_high_water(const lmdb::txn& t) const;
  /// After a commit succeeded: may its fdatasync release the groups before it? Not while the
  /// sync thread is flushing (its failure would be ours too), not once the store failed.
  bool may_release_by_commit();
  /// Marks the store failed (first cause wins) and fails everything queued and pending.
  void fail_store(const jubes::error& cause);
  void run_purge(purge_op& o);
  void fail_all(std::vector<op>& batch, const jubes::error& e);
  enum class next { group, release, failed, stop };
  /// Waits for work: groups the sync thread made durable (release them first), else the next
  /// batch from the queue (lingering briefly, see options::group_linger), else stop.
  next take(std::vector<op>& batch);
  /// Runs the completions and wakes of every pending group with seq <= `upto`, in commit order.
  void release_upto(std::uint64_t upto);
  /// The sync thread: mdb_env_sync when the writer asks (it went idle with groups pending).
  void sync_loop();

  database& db_;
  const options& opt_;
  counters& counters_;
  watch_hub& watch_;
  writer_state ws_;  // writer thread only after start()

  mutable std::mutex mu_;
  std::condition_variable cv_;
  op_queue<op, ingest_op, purge_op, read_op, audit_op> q_;
  bool started_ = false;
  std::atomic<bool> purge_inflight_{false};  // at most one background pass queued or running
  bool stopping_ = false;
  std::optional<jubes::error> failed_;  // under mu_: set once, never cleared (restart the process)
  bool full_ = false;                   // under mu_
  bool sync_busy_ = false;              // under mu_: the sync thread is inside mdb_env_sync
  std::size_t last_group_ = 0;          // writer thread: size of the previous group (linger target)
  std::thread thread_;

  // Writer thread only: committed groups waiting for a flush, oldest first.
  std::deque<pending_group> pending_;
  std::uint64_t committed_seq_ = 0;
  // Under mu_: the writer asks the sync thread to flush up to sync_wanted_; the sync thread
  // reports synced_upto_; the writer has released up to released_upto_.
  std::condition_variable sync_cv_;
  std::uint64_t sync_wanted_ = 0, synced_upto_ = 0, released_upto_ = 0;
  bool sync_stop_ = false;
  mutable std::mutex pmu_;                                        // durable_heads_
  std::unordered_map<std::string, std::uint64_t> durable_heads_;  // for polls (durable_head)
  std::thread sync_thread_;
};

}  // namespace jubes::storage
