// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A small Prometheus metrics registry (prometheus-cpp is not in Debian 12).
//
// Families (counter, gauge, histogram) are created on first use by name; each series is one label
// set. References returned by counter()/gauge()/histogram() stay valid for the registry's lifetime,
// so hot paths look a series up once and keep the reference.
//
// Threading: every member is thread-safe. Series updates are lock-free atomics; lookups and
// render() take the registry mutex. Collectors run inside render(), on the scraping thread.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jubes::gateway {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) {
    double cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
  }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class histogram {
 public:
  /// @param bounds upper bounds of the buckets, ascending; +Inf is implicit.
  explicit histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  /// @return cumulative counts per bound (+Inf last), the sum and the count.
  void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;
  /// Replaces the state with a snapshot taken elsewhere (e.g. the store's writer statistics).
  /// @param cumulative counts per bound, +Inf last (bounds().size() + 1 values; fewer are padded)
  void load(const std::vector<std::uint64_t>& cumulative, double sum);

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

class registry {
 public:
  /// @return the series `name{labels}`, created on first use with `help`.
  counter& get_counter(std::string_view name, std::string_view help, const labels& l = {});
  gauge& get_gauge(std::string_view name, std::string_view help, const labels& l = {});
  histogram& get_histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                           const labels& l = {});
  /// A counter whose total is kept elsewhere and copied in by a collector at each scrape (process
  /// CPU seconds, the store's commit count): exported as TYPE counter, with a fractional value.
  /// The caller sets only values that never decrease.
  gauge& get_sampled_counter(std::string_view name, std::string_view help, const labels& l = {});

  /// Registers a function run at the start of every render(), e.g. to copy store statistics into
  /// gauges. It must not call render().
  void add_collector(std::function<void(registry&)> f);

  /// Drops every series of a family (e.g. an info metric whose label changed). References to its
  /// series must not be held.
  void clear(std::string_view name);

  /// @return every family in Prometheus text exposition format 0.0.4.
  std::string render();

  /// Escapes a label value (backslash, double quote, newline).
  static std::string escape(std::string_view v);

 private:
  enum class type { counter, gauge, histogram, sampled_counter };
  struct family {
    type t;
    std::string help;
    // label text "{a=\"b\"}" -> series; deque keeps references stable.
    std::map<std::string, std::size_t> index;
    std::deque<counter> counters;
    std::deque<gauge> gauges;
    std::deque<histogram> histograms;
    std::vector<std::string> keys;  // label text per series, in creation order
  };
  family& fam(std::string_view name, std::string_view help, type t);
  /// The series `name{l}` of one family member kind, created with `args` on first use.
  template <class Series, class... Args>
  Series& series(std::deque<Series> family::*store, type t, std::string_view name, std::string_view help,
                 const labels& l, Args&&... args);
  static std::string label_text(const labels& l);

  std::mutex mu_;
  std::map<std::string, family, std::less<>> families_;
  std::vector<std::function<void(registry&)>> collectors_;
};

}  // namespace jubes::gateway
