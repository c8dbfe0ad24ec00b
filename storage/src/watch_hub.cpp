// SPDX-License-Identifier: EUPL-1.2
#include "storage/watch_hub.hpp"

#include <algorithm>

namespace jubes::storage {

std::uint64_t watch_hub::raise(const std::string& r, std::uint64_t head) {
  auto& known = heads_[r];
  known = std::max(known, head);
  return known;
}

void watch_hub::init(const heads& h) {
  std::lock_guard lk(mu_);
  for (const auto& [r, head] : h) raise(r, head);
}

std::uint64_t watch_hub::watch(std::string recipient, std::uint64_t after, std::function<void()> wake) {
  {
    std::lock_guard lk(mu_);
    std::uint64_t head = 0;
    if (auto it = heads_.find(recipient); it != heads_.end()) head = it->second;
    if (!closed_ && head <= after) {
      std::uint64_t token = next_token_++;
      token_recipient_.emplace(token, recipient);
      watchers_[recipient].push_back(watcher{token, after, std::move(wake)});
      return token;
    }
  }
  wake();
  return 0;
}

void watch_hub::unwatch(std::uint64_t token) {
  std::lock_guard lk(mu_);
  auto it = token_recipient_.find(token);
  if (it == token_recipient_.end()) return;
  if (auto wit = watchers_.find(it->second); wit != watchers_.end()) {
    wit->second.remove_if([token](const watcher& w) { return w.token == token; });
    if (wit->second.empty()) watchers_.erase(wit);
  }
  token_recipient_.erase(it);
}

std::vector<std::function<void()>> watch_hub::publish(const heads& h) {
  std::vector<std::function<void()>> wakes;
  std::lock_guard lk(mu_);
  for (const auto& [r, head] : h) {
    const std::uint64_t known = raise(r, head);
    auto it = watchers_.find(r);
    if (it == watchers_.end()) continue;
    auto& l = it->second;
    for (auto w = l.begin(); w != l.end();) {
      if (known > w->after) {
        token_recipient_.erase(w->token);
        wakes.push_back(std::move(w->wake));
        w = l.erase(w);
      } else {
        ++w;
      }
    }
    if (l.empty()) watchers_.erase(it);
  }
  return wakes;
}

std::vector<std::string> watch_hub::watched() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  out.reserve(watchers_.size());
  for (const auto& [r, l] : watchers_) out.push_back(r);
  return out;
}

void watch_hub::close() {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    for (auto& [r, l] : watchers_)
      for (auto& w : l) wakes.push_back(std::move(w.wake));
    watchers_.clear();
    token_recipient_.clear();
  }
  for (auto& w : wakes) w();
}

}  // namespace jubes::storage
