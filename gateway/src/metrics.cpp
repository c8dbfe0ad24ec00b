// SPDX-License-Identifier: EUPL-1.2
#include "gateway/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace jubes::gateway {

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

void histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const {
  cumulative.assign(bounds_.size() + 1, 0);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = acc;
  }
  sum = sum_.load(std::memory_order_relaxed);
  // The count is the +Inf bucket, so the exposition stays self-consistent under concurrent observe().
  count = acc;
}

void histogram::load(const std::vector<std::uint64_t>& cumulative, double sum) {
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    std::uint64_t c = i < cumulative.size() ? cumulative[i] : prev;
    buckets_[i].store(c >= prev ? c - prev : 0, std::memory_order_relaxed);
    prev = std::max(prev, c);
  }
  sum_.store(sum, std::memory_order_relaxed);
  count_.store(prev, std::memory_order_relaxed);
}

void registry::clear(std::string_view name) {
  std::lock_guard lk(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto& f = it->second;
  f.index.clear();
  f.keys.clear();
  f.counters.clear();
  f.gauges.clear();
  f.histograms.clear();
}

std::string registry::escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string registry::label_text(const labels& l) {
  if (l.empty()) return {};
  std::string s = "{";
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) s += ',';
    s += l[i].first;
    s += "=\"";
    s += escape(l[i].second);
    s += '"';
  }
  s += '}';
  return s;
}

registry::family& registry::fam(std::string_view name, std::string_view help, type t) {
  auto it = families_.find(name);
  if (it == families_.end())
    it = families_.emplace(std::string(name), family{t, std::string(help), {}, {}, {}, {}, {}}).first;
  return it->second;
}

template <class Series, class... Args>
Series& registry::series(std::deque<Series> family::*store, type t, std::string_view name, std::string_view help,
                         const labels& l, Args&&... args) {
  std::lock_guard lk(mu_);
  auto& f = fam(name, help, t);
  auto key = label_text(l);
  auto& all = f.*store;
  if (auto it = f.index.find(key); it != f.index.end()) return all[it->second];
  f.index.emplace(key, all.size());
  f.keys.push_back(key);
  return all.emplace_back(std::forward<Args>(args)...);
}

counter& registry::get_counter(std::string_view name, std::string_view help, const labels& l) {
  return series(&family::counters, type::counter, name, help, l);
}

gauge& registry::get_gauge(std::string_view name, std::string_view help, const labels& l) {
  return series(&family::gauges, type::gauge, name, help, l);
}

gauge& registry::get_sampled_counter(std::string_view name, std::string_view help, const labels& l) {
  return series(&family::gauges, type::sampled_counter, name, help, l);
}

histogram& registry::get_histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                                   const labels& l) {
  return series(&family::histograms, type::histogram, name, help, l, bounds);
}

void registry::add_collector(std::function<void(registry&)> f) {
  std::lock_guard lk(mu_);
  collectors_.push_back(std::move(f));
}

namespace {
std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double ("0.0005", not "0.00050000000000000001").
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
// Inserts `le="x"` into a label text "{...}" or makes one.
std::string with_le(const std::string& key, const std::string& le) {
  if (key.empty()) return "{le=\"" + le + "\"}";
  return key.substr(0, key.size() - 1) + ",le=\"" + le + "\"}";
}
}  // namespace

std::string registry::render() {
  std::vector<std::function<void(registry&)>> cs;
  {
    std::lock_guard lk(mu_);
    cs = collectors_;
  }
  for (auto& c : cs) c(*this);

  std::lock_guard lk(mu_);
  std::string out;
  out.reserve(16384);
  for (auto& [name, f] : families_) {
    if (f.keys.empty()) continue;
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " +
           (f.t == type::counter || f.t == type::sampled_counter ? "counter"
            : f.t == type::gauge                                 ? "gauge"
                                                                 : "histogram") +
           "\n";
    for (std::size_t i = 0; i < f.keys.size(); ++i) {
      const auto& key = f.keys[i];
      std::size_t idx = f.index[key];
      if (f.t == type::counter) {
        out += name + key + " " + std::to_string(f.counters[idx].value()) + "\n";
      } else if (f.t == type::gauge || f.t == type::sampled_counter) {
        out += name + key + " " + num(f.gauges[idx].value()) + "\n";
      } else {
        const auto& h = f.histograms[idx];
        std::vector<std::uint64_t> cum;
        double sum = 0;
        std::uint64_t count = 0;
        h.snapshot(cum, sum, count);
        for (std::size_t b = 0; b < h.bounds().size(); ++b)
          out += name + "_bucket" + with_le(key, num(h.bounds()[b])) + " " + std::to_string(cum[b]) + "\n";
        out += name + "_bucket" + with_le(key, "+Inf") + " " + std::to_string(cum.back()) + "\n";
        out += name + "_sum" + key + " " + num(sum) + "\n";
        out += name + "_count" + key + " " + std::to_string(count) + "\n";
      }
    }
  }
  return out;
}

}  // namespace jubes::gateway
