// SPDX-License-Identifier: EUPL-1.2
#include "rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace jubes::gateway::detail {

rate_limiter::rate_limiter(double rate, double burst, clock_fn now)
    : rate_(rate), burst_(burst), now_(std::move(now)) {}

rate_limiter::clock_fn rate_limiter::steady_clock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
}

unsigned rate_limiter::take(std::string_view party) {
  const std::int64_t now = now_();
  std::lock_guard lk(mu_);
  auto it = buckets_.find(party);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(party), bucket{burst_, now}).first;
  } else {
    // A clock that steps back (it should not: it is monotonic) refills nothing rather than draining.
    double dt = static_cast<double>(std::max<std::int64_t>(0, now - it->second.last_ms)) / 1000.0;
    it->second.tokens = std::min(burst_, it->second.tokens + dt * rate_);
    it->second.last_ms = now;
  }
  auto& b = it->second;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return static_cast<unsigned>(std::max(1.0, std::ceil((1 - b.tokens) / rate_)));
}

}  // namespace jubes::gateway::detail
