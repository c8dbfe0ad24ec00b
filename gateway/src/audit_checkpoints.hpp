// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Periodic audit chain checkpoints (retention.audit_checkpoint_interval_s): every interval, when
// the chain moved since the last one, jubesd appends a `checkpoint` record naming the head
// (seq, hash) to the trail and logs it as an `audit_checkpoint` line, so that log shipping keeps
// a copy of the head elsewhere (docs/operations.md, "Audit trail"). On demand: `jubesctl audit
// checkpoint`.
//
// Lifecycle: start() once the store is open; stop() (or the destructor) before the store closes.
// Threading: one thread of its own; it only calls the store's thread-safe functions.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "storage/backend.hpp"

namespace jubes::gateway::detail {

class audit_checkpoints {
 public:
  audit_checkpoints() = default;
  ~audit_checkpoints() { stop(); }
  audit_checkpoints(const audit_checkpoints&) = delete;
  audit_checkpoints& operator=(const audit_checkpoints&) = delete;

  /// @param interval zero: no periodic checkpoints (nothing started)
  void start(storage::backend& store, std::chrono::seconds interval);
  void stop();
  /// Records one checkpoint now if the chain moved since the last one. @return false if it did
  /// not need one or could not read the head (logged).
  bool once(storage::backend& store);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::uint64_t last_seq_ = 0;  // seq of the last checkpoint record written (0: none yet)
  std::thread thread_;
};

}  // namespace jubes::gateway::detail
