// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Retention: expired message bodies (whole blobs), then dedup records, then audit records, each
// in bounded batches (options::retention_batch) so that a pass never holds the writer for long;
// and the background task that asks the writer for a pass every options::retention_interval.
//
// Threading: purge_once runs on the writer thread (it writes, and changes writer_state).
// retention_task owns its own thread, which only queues passes through the writer.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "common/result.hpp"
#include "database.hpp"
#include "state.hpp"

namespace jubes::storage {

/// One bounded retention transaction at time `now`; adds what it purged to `acc` and sets
/// acc.more if a batch limit was hit (another pass would purge more).
/// @return errc::store_full when the map is full (the caller may grow it and retry), another
///         error if LMDB failed.
jubes::result<void> purge_once(const database& db, const options& opt, writer_state& ws, counters& c, std::int64_t now,
                               purge_result& acc);

/// Asks for a retention pass every `interval` until stopped.
/// Lifecycle: start() launches the thread; stop() (or the destructor) joins it.
class retention_task {
 public:
  ~retention_task() { stop(); }
  /// @param request queues one pass (it ignores the call while one is pending)
  void start(std::chrono::milliseconds interval, std::function<void()> request);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace jubes::storage
