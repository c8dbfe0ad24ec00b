// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A disk that refuses to flush, injected at the syscall boundary: a test executable that compiles
// fault_sync.cpp defines fdatasync(2) and fsync(2) itself. LMDB is a shared library and calls them
// through the PLT, so the executable's definitions are the ones it reaches (symbol interposition);
// they pass every call on to libc's until a test arms a failure, then fail with EIO, exactly as a
// disk with a write error makes the kernel answer.
//
// Threading: the counters are atomics; arm before the writes that should fail.
#include <atomic>

namespace jubes::testing::fault {

/// Calls to let through before failing (decremented per call while armed).
inline std::atomic<int> pass_before_failing{0};
/// Whether calls fail once pass_before_failing reaches 0.
inline std::atomic<bool> armed{false};
/// Calls that were failed so far.
inline std::atomic<int> failed_calls{0};

/// Let `pass` more flushes succeed, then fail every flush until disarm().
inline void fail_flushes_after(int pass) {
  pass_before_failing = pass;
  failed_calls = 0;
  armed = true;
}
inline void disarm() {
  armed = false;
}

}  // namespace jubes::testing::fault
