// SPDX-License-Identifier: EUPL-1.2
#include "preauth.hpp"

#include <cstdio>

namespace jubes::gateway::detail {

struct preauth_pool::slot {
  std::string address;
  std::function<void()> evict;
  bool in_pool = true;  // guarded by the pool's mutex
  std::list<ticket>::iterator pos;
};

std::list<preauth_pool::ticket>::iterator preauth_pool::oldest_of(const std::string& address) {
  for (auto it = order_.begin(); it != order_.end(); ++it)
    if ((*it)->address == address) return it;
  return order_.end();
}

preauth_pool::admission preauth_pool::admit(const std::string& address, std::function<void()> evict, bool need_room) {
  admission a;
  std::lock_guard lk(mu_);
  auto victim = order_.end();
  if (auto it = per_address_.find(address); it != per_address_.end() && it->second >= lim_.per_address) {
    victim = oldest_of(address);
    a.why = eviction::address_cap;
  } else if (order_.size() >= lim_.cap) {
    victim = order_.begin();
    a.why = eviction::preauth_cap;
  } else if (need_room && !order_.empty()) {
    victim = order_.begin();
    a.why = eviction::connection_cap;
  }
  if (victim != order_.end()) {
    auto& v = **victim;
    v.in_pool = false;
    if (--per_address_[v.address] == 0) per_address_.erase(v.address);
    a.evict = std::move(v.evict);
    order_.erase(victim);
  } else {
    a.why = eviction::none;
  }
  auto s = std::make_shared<slot>();
  s->address = address;
  s->evict = std::move(evict);
  order_.push_back(s);
  s->pos = std::prev(order_.end());
  ++per_address_[address];
  a.t = std::move(s);
  return a;
}

void preauth_pool::release(const ticket& t) {
  if (!t) return;
  std::lock_guard lk(mu_);
  if (!t->in_pool) return;
  t->in_pool = false;
  if (--per_address_[t->address] == 0) per_address_.erase(t->address);
  t->evict = nullptr;
  order_.erase(t->pos);
}

std::size_t preauth_pool::size() const {
  std::lock_guard lk(mu_);
  return order_.size();
}

std::string_view to_string(preauth_pool::eviction e) {
  switch (e) {
    case preauth_pool::eviction::none:
      return "none";
    case preauth_pool::eviction::address_cap:
      return "address_cap";
    case preauth_pool::eviction::preauth_cap:
      return "preauth_cap";
    case preauth_pool::eviction::connection_cap:
      return "connection_cap";
  }
  return "?";
}

std::optional<std::string> failure_summary::record(std::string_view reason, clock::time_point now) {
  std::lock_guard lk(mu_);
  auto it = counts_.find(reason);
  if (it == counts_.end())
    counts_.emplace(std::string(reason), 1);
  else
    ++it->second;
  // The first failure is reported at once; later ones at most once per interval, all counted.
  if (last_ && now - *last_ < interval_) return std::nullopt;
  last_ = now;
  std::string out;
  for (const auto& [r, n] : counts_) out += (out.empty() ? "" : " ") + r + "=" + std::to_string(n);
  counts_.clear();
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace jubes::gateway::detail
