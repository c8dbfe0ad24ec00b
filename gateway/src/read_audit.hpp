// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Coalescing of "read" audit records: GET /v1/messages/{id} by one party of one message is recorded
// once per window, not once per request, so that a client that re-reads a message in a loop cannot
// grow the audit trail (and the store) without bound. Backend-neutral: the gateway decides which
// reads to record, the store records what it is given.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace jubes::gateway::detail {

class read_coalescer {
 public:
  /// `window_ms` 0: every read is recorded. At most `max_tracked` (message, party) pairs are
  /// remembered; beyond that the oldest windows are forgotten (those reads are recorded again:
  /// more records, never fewer than one per window).
  explicit read_coalescer(std::int64_t window_ms, std::size_t max_tracked = 100000);

  /// @return true if this read opens a new window for (message_id, party) and must be recorded.
  /// Thread-safe.
  bool admit(std::uint64_t message_id, std::string_view party, std::int64_t now_ms);

  std::size_t tracked() const;

 private:
  void prune(std::int64_t now_ms);

  const std::int64_t window_ms_;
  const std::size_t max_tracked_;
  mutable std::mutex mu_;
  /// key: party + '\0' + decimal id; value: when the current window opened (Unix ms)
  std::unordered_map<std::string, std::int64_t> opened_;
};

}  // namespace jubes::gateway::detail
