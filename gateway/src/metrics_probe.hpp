// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API's view of the metric registry. Every series whose labels are known at start is
// registered in the constructor, so it exists from the first scrape (at 0) and the request path
// never looks a name up: the store and route gauges, the ingest refusal reasons, the hot-path
// counters. Series whose labels come from traffic (per party, per recipient) are added when first
// seen. Names come from common/metric_names.hpp, which the dashboard reads too.
//
// Lifecycle: built by the api after the store and pipeline are open; collect() is registered as a
// registry collector and runs at each scrape. Threading: as the registry (thread-safe).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "gateway/metrics.hpp"
#include "pipeline.hpp"
#include "storage/backend.hpp"

namespace jubes::gateway::detail {

/// The reasons of jubes_ingest_rejected_total{reason}, registered at start (codecs' errc names
/// come on top: they are the codec's own refusal reasons).
inline constexpr std::string_view ingest_reject_reasons[] = {"forbidden",    "zender",   "media_type", "draining",
                                                             "rate_limited", "conflict", "overloaded", "store_full",
                                                             "invalid",      "io_error"};

class metrics_probe {
 public:
  explicit metrics_probe(registry& r);

  /// Counts one refused ingest. A reason outside the registered set is added on first use.
  void count_rejected(const std::string& reason);
  /// Reads the process's, the store's and the routing table's state into their series (at each scrape).
  void collect(storage::backend& store, const pipeline& pipe, std::int64_t now_ms);

 private:
  registry& r_;
  gauge &queue_depth_, &queue_capacity_, &map_size_, &map_used_, &parked_, &commits_, &commit_failures_, &acks_,
      &forwards_, &route_reloads_;
  histogram &group_size_, &commit_seconds_;
  gauge &process_cpu_, &process_rss_, &process_fds_, &process_start_;
  std::map<std::string, counter*, std::less<>> rejected_;  ///< filled in the constructor; read-mostly
};

}  // namespace jubes::gateway::detail
