#pragma once
// The single writer: a bounded queue of operations and the thread that takes everything queued,
// applies it in one write transaction (group.hpp), commits durably, and only then completes the
// requests and wakes the long polls they satisfy. Retention passes run on it too, alone.
//
// Lifecycle: start() launches the thread (not for a read-only store); stop() lets it drain the
// queue (every queued request completes) and joins it. After stop() submits complete at once with
// errc::closed. Threading: submit() from any thread; everything else runs on the writer thread.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "database.hpp"
#include "group.hpp"
#include "state.hpp"
#include "watch.hpp"

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

 private:
  std::optional<jubes::error> enqueue(op& o, bool bypass_capacity);
  void loop();
  void run_group(std::vector<op>& batch);
  /// One attempt at a group. @return false if the transaction failed with `failure`.
  bool try_group(std::vector<op>& batch, level lvl, jubes::error& failure);
  void run_purge(purge_op& o);
  void fail_all(std::vector<op>& batch, const jubes::error& e);

  database& db_;
  const options& opt_;
  counters& counters_;
  watch_hub& watch_;
  writer_state ws_;  // writer thread only after start()

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<op> q_;
  std::size_t q_bytes_ = 0;  // body bytes of the queued ingests
  bool started_ = false;
  std::atomic<bool> purge_inflight_{false};  // at most one background pass queued or running
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace jubes::storage
