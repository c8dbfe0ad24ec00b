// SPDX-License-Identifier: EUPL-1.2
#include "read_audit.hpp"

#include <charconv>

namespace jubes::gateway::detail {

read_coalescer::read_coalescer(std::int64_t window_ms, std::size_t max_tracked)
    : window_ms_(window_ms), max_tracked_(max_tracked == 0 ? 1 : max_tracked) {}

bool read_coalescer::admit(std::uint64_t message_id, std::string_view party, std::int64_t now_ms) {
  if (window_ms_ <= 0) return true;
  std::string key;
  key.reserve(party.size() + 21);
  key.append(party);
  key.push_back('\0');
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, message_id);
  key.append(digits, end);

  std::lock_guard lk(mu_);
  auto it = opened_.find(key);
  if (it != opened_.end()) {
    // Within the window: coalesced. A clock that went back opens a new window (one record more,
    // never one fewer), as does one that passed the window.
    if (now_ms >= it->second && now_ms - it->second < window_ms_) return false;
    it->second = now_ms;
    return true;
  }
  if (opened_.size() >= max_tracked_) prune(now_ms);
  opened_.emplace(std::move(key), now_ms);
  return true;
}

void read_coalescer::prune(std::int64_t now_ms) {
  for (auto it = opened_.begin(); it != opened_.end();)
    it = (now_ms < it->second || now_ms - it->second >= window_ms_) ? opened_.erase(it) : std::next(it);
  // Still full of live windows: forget them all; their next reads are recorded again.
  if (opened_.size() >= max_tracked_) opened_.clear();
}

std::size_t read_coalescer::tracked() const {
  std::lock_guard lk(mu_);
  return opened_.size();
}

}  // namespace jubes::gateway::detail
