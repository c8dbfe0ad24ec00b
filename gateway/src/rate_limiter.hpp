// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the per-party token bucket behind 429 (limits.rate_per_party, limits.burst_per_party).
//
// Each party starts with a full bucket of `burst` tokens; a request takes one; tokens come back at
// `rate` per second, never above `burst`. Time comes from an injected clock (model: envoy's
// TimeSource), so the unit test drives it by hand instead of sleeping.
//
// Lifecycle: built once with the API; buckets are created on a party's first request and live as
// long as the limiter (one per configured party, plus municipalities seen by CN: bounded).
// Threading: take() is thread-safe (one mutex; held for a map lookup and a few flops).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace jubes::gateway::detail {

class rate_limiter {
 public:
  /// Milliseconds on a monotonic clock.
  using clock_fn = std::function<std::int64_t()>;

  /// @param rate tokens per second (> 0) @param burst bucket size (>= 1) @param now the clock
  rate_limiter(double rate, double burst, clock_fn now);

  /// @return a steady-clock clock_fn for production use.
  static clock_fn steady_clock();

  /// Takes one token of `party`'s bucket.
  /// @return 0 if the request may go ahead, else the whole seconds (>= 1) until a token is back
  unsigned take(std::string_view party);

 private:
  struct bucket {
    double tokens = 0;
    std::int64_t last_ms = 0;
  };
  const double rate_, burst_;
  clock_fn now_;
  std::mutex mu_;
  std::map<std::string, bucket, std::less<>> buckets_;
};

}  // namespace jubes::gateway::detail
