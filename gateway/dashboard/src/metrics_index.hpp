// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the samples of one /metrics text by name, and how figures become JSON numbers; shared by
// the snapshot's parts (dashboard.cpp, panels.cpp).
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "dashboard/dashboard.hpp"

namespace jubes::dashboard::detail {

// ---- reading the gateway's metric set --------------------------------------------------------
// Names are those of the gateway's /metrics (docs/dashboard.md lists them). Several spellings are
// accepted for a few figures so that a renamed metric degrades to "absent" (null in the JSON),
// never to a wrong figure.

struct index {
  std::multimap<std::string, const sample*, std::less<>> by_name;

  bool has(std::string_view name) const { return by_name.find(name) != by_name.end(); }

  // Sum of all samples of `name` whose label `key` equals `value` (or all, if key is empty).
  std::optional<double> sum(std::string_view name, std::string_view key = {}, std::string_view value = {}) const {
    auto [b, e] = by_name.equal_range(name);
    if (b == e) return std::nullopt;
    double s = 0;
    bool any = false;
    for (auto it = b; it != e; ++it) {
      if (!key.empty() && it->second->label(key) != value) continue;
      s += it->second->value;
      any = true;
    }
    if (!any) return std::nullopt;
    return s;
  }

  template <class F>
  void each(std::string_view name, F&& f) const {
    auto [b, e] = by_name.equal_range(name);
    for (auto it = b; it != e; ++it) f(*it->second);
  }
};

// Counts print as integers ("471", not "4.71E2"); other figures as doubles.
inline boost::json::value num(double v) {
  if (std::isnan(v) || std::isinf(v)) return nullptr;
  if (v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
  return v;
}

inline boost::json::value opt(std::optional<double> v) {
  if (!v) return nullptr;
  return num(*v);
}

inline double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

}  // namespace jubes::dashboard::detail
