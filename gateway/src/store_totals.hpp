// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: figures read from the store itself (storage::backend::stats), so that they survive a
// restart of the gateway, unlike its process counters: messages accepted since the store was made
// (the highest message id) and messages held. (The store's capacity is metrics_probe's.)
// The dashboard shows them as its totals (docs/dashboard.md).
//
// Lifecycle: built by the api after the store is open; collect() runs as a registry collector at
// every scrape. It reads the store's stats at most once per `min_interval` (a PostgreSQL store
// counts rows for them) and keeps the last figures in between and after a failed read.
// Threading: collect() is thread-safe (scrapes may come from several IO threads).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "gateway/metrics.hpp"
#include "storage/backend.hpp"

namespace jubes::gateway::detail {

class store_totals {
 public:
  store_totals(registry& r, std::chrono::milliseconds min_interval);
  void collect(const storage::backend& store, std::chrono::steady_clock::time_point now);

 private:
  gauge& accepted_;
  gauge& held_;
  std::chrono::milliseconds min_interval_;
  std::mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> last_;
};

}  // namespace jubes::gateway::detail
