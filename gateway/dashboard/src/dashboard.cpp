// SPDX-License-Identifier: EUPL-1.2
#include "dashboard/dashboard.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/metric_names.hpp"
#include "metrics_index.hpp"
#include "panels.hpp"

namespace jubes::dashboard {
namespace mn = jubes::metric_names;
namespace json = boost::json;
using detail::index;
using detail::num;
using detail::opt;
using detail::round3;

namespace {

// ---- assets ----------------------------------------------------------------------------------

struct asset_entry {
  std::string_view target;
  std::string_view file;
  std::string_view type;
};

// The allow-list. uPlot comes from npm (gateway/dashboard/node_modules, installed by
// scripts/install-deps), never from a CDN: the dashboard must work without internet.
constexpr asset_entry assets[] = {
    {"/dashboard", "index.html", "text/html; charset=utf-8"},
    {"/dashboard/", "index.html", "text/html; charset=utf-8"},
    {"/dashboard/index.html", "index.html", "text/html; charset=utf-8"},
    {"/dashboard/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/dashboard/style.css", "style.css", "text/css; charset=utf-8"},
    {"/dashboard/parked", "parked.html", "text/html; charset=utf-8"},
    {"/dashboard/parked.js", "parked.js", "text/javascript; charset=utf-8"},
    {"/dashboard/uplot.iife.min.js", "node_modules/uplot/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/dashboard/uplot.min.css", "node_modules/uplot/dist/uPlot.min.css", "text/css; charset=utf-8"},
};

// ---- Prometheus text -------------------------------------------------------------------------

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

bool parse_value(std::string_view s, double& out) {
  if (s == "+Inf" || s == "Inf") {
    out = HUGE_VAL;
    return true;
  }
  if (s == "-Inf") {
    out = -HUGE_VAL;
    return true;
  }
  if (s == "NaN") {
    out = std::nan("");
    return true;
  }
  // std::from_chars for double is in libstdc++ 12; strtod needs a terminated copy.
  std::string tmp(s);
  char* end = nullptr;
  out = std::strtod(tmp.c_str(), &end);
  return !tmp.empty() && end == tmp.c_str() + tmp.size();
}

// Parses one non-comment line; false if malformed.
bool parse_line(std::string_view line, sample& out) {
  std::size_t i = 0;
  while (i < line.size() && is_name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  out.name.assign(line.substr(0, i));
  out.labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i;
      if (i >= line.size()) return false;
      if (line[i] == '}') {
        ++i;
        break;
      }
      std::size_t k = i;
      while (i < line.size() && is_name_char(line[i], i == k)) ++i;
      if (i == k || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return false;
      std::string key(line.substr(k, i - k));
      i += 2;
      std::string value;
      for (;;) {
        if (i >= line.size()) return false;
        char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return false;
          char e = line[i++];
          value.push_back(e == 'n' ? '\n' : e);
        } else {
          value.push_back(c);
        }
      }
      out.labels.emplace_back(std::move(key), std::move(value));
    }
  }
  while (i < line.size() && line[i] == ' ') ++i;
  std::size_t v = i;
  while (i < line.size() && line[i] != ' ') ++i;
  return parse_value(line.substr(v, i - v), out.value);  // an optional timestamp may follow
}

std::optional<double> first_of(const index& ix, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (auto v = ix.sum(n)) return v;
  return std::nullopt;
}

std::optional<double> counter(const index& ix, std::string_view logical) {
  if (logical == "accepted") return ix.sum(mn::ingest_accepted_total);
  if (logical == "duplicates") return ix.sum(mn::ingest_duplicates_total);
  if (logical == "delivered") {
    // The sum of the recipients' acknowledged cursors counts every entry ever delivered and acked
    // (seqs are dense per recipient) and, unlike a counter, survives a restart of the gateway; before
    // any recipient has an outbox there are no cursors, and the ack counter says 0.
    return first_of(ix, {mn::outbox_cursor, mn::outbox_acked_total});
  }
  return std::nullopt;
}

const std::string latency_name = std::string(mn::accept_latency_seconds) + "_bucket";

std::optional<double> percentile(const std::vector<std::pair<double, double>>& now,
                                 const std::vector<std::pair<double, double>>* before, double q) {
  // Delta of cumulative bucket counts over the interval (or since start if there is no earlier one).
  std::vector<std::pair<double, double>> d = now;
  if (before && before->size() == now.size()) {
    for (std::size_t i = 0; i < d.size(); ++i) d[i].second -= (*before)[i].second;
  }
  if (d.empty()) return std::nullopt;
  double total = d.back().second;
  if (total <= 0) return std::nullopt;
  double rank = q * total;
  double lo_le = 0, lo_count = 0;
  for (auto [le, c] : d) {
    if (c >= rank) {
      if (std::isinf(le)) return lo_le;  // beyond the last finite bound: report that bound
      double span = c - lo_count;
      double frac = span > 0 ? (rank - lo_count) / span : 1.0;
      return lo_le + (le - lo_le) * frac;
    }
    lo_le = std::isinf(le) ? lo_le : le;
    lo_count = c;
  }
  return lo_le;
}

}  // namespace

std::optional<asset> find_asset(const std::filesystem::path& root, std::string_view target) {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  for (const auto& a : assets) {
    if (a.target == target) return asset{root / std::string(a.file), a.type};
  }
  return std::nullopt;
}

std::filesystem::path default_root() {
  return JUBES_DASHBOARD_ROOT;
}

std::string_view sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return {};
}

std::vector<sample> parse_prometheus(std::string_view text, std::size_t* malformed) {
  std::vector<sample> out;
  std::size_t bad = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    sample s;
    if (parse_line(line, s)) {
      out.push_back(std::move(s));
    } else {
      ++bad;
    }
  }
  if (malformed) *malformed = bad;
  return out;
}

namespace {

// ---- the steps of a snapshot -----------------------------------------------------------------

using reading = snapshot_builder::reading;
constexpr std::string_view logical_counters[] = {"accepted", "duplicates", "delivered"};

// The figures of one /metrics text that the next reading's rates and percentiles need.
reading read_figures(const index& ix, std::chrono::system_clock::time_point now) {
  reading cur;
  cur.at = now;
  for (auto name : logical_counters) {
    if (auto v = counter(ix, name)) cur.counters[std::string(name)] = *v;
  }
  ix.each(mn::ingest_rejected_total, [&](const sample& s) {
    std::string reason(s.label("reason"));
    cur.rejected[reason.empty() ? "other" : reason] += s.value;
  });
  ix.each(latency_name, [&](const sample& s) {
    double le = 0;
    if (parse_value(s.label("le"), le)) cur.latency_buckets.emplace_back(le, s.value);
  });
  // Several label sets would each carry a full histogram; this metric has none besides le.
  std::sort(cur.latency_buckets.begin(), cur.latency_buckets.end());
  const std::string group(mn::group_commit_size);
  if (auto c = ix.sum(group + "_count")) {
    cur.group_count = *c;
    cur.group_sum = ix.sum(group + "_sum").value_or(0);
  }
  return cur;
}

// This reading beside the previous one (if any): what rates are computed over.
struct interval {
  const reading& cur;
  const reading* prev;
  double dt;

  json::value rate(double now_v, std::optional<double> before) const {
    if (!prev || dt <= 0 || !before) return nullptr;
    return num(round3(std::max(0.0, now_v - *before) / dt));
  }
};

// "totals", "rates", "rejected_by_reason" and "rejected_rates".
void put_counters(json::object& o, const interval& iv) {
  json::object totals, rates;
  for (auto sv : logical_counters) {
    const std::string name(sv);
    auto it = iv.cur.counters.find(name);
    if (it == iv.cur.counters.end()) {
      totals[name] = nullptr;
      rates[name] = nullptr;
      continue;
    }
    totals[name] = num(it->second);
    std::optional<double> before;
    if (iv.prev)
      if (auto p = iv.prev->counters.find(name); p != iv.prev->counters.end()) before = p->second;
    rates[name] = iv.rate(it->second, before);
  }
  double rejected_total = 0;
  json::object rej_totals, rej_rates;
  for (const auto& [reason, v] : iv.cur.rejected) {
    rejected_total += v;
    rej_totals[reason] = num(v);
    std::optional<double> before;
    if (iv.prev) {
      auto p = iv.prev->rejected.find(reason);
      before = p == iv.prev->rejected.end() ? 0.0 : p->second;
    }
    rej_rates[reason] = iv.rate(v, before);
  }
  totals["rejected"] = num(rejected_total);
  o["totals"] = std::move(totals);
  o["rates"] = std::move(rates);
  o["rejected_by_reason"] = std::move(rej_totals);
  o["rejected_rates"] = std::move(rej_rates);
}

json::object accept_latency(const interval& iv) {
  json::object lat;
  const auto* before_b = iv.prev ? &iv.prev->latency_buckets : nullptr;
  auto p50 = percentile(iv.cur.latency_buckets, before_b, 0.50);
  auto p99 = percentile(iv.cur.latency_buckets, before_b, 0.99);
  lat["p50"] = p50 ? num(round3(*p50 * 1000.0)) : json::value(nullptr);
  lat["p99"] = p99 ? num(round3(*p99 * 1000.0)) : json::value(nullptr);
  return lat;
}

json::object group_commit(const interval& iv) {
  json::object gc;
  if (iv.prev && iv.cur.group_count > iv.prev->group_count) {
    double commits = iv.cur.group_count - iv.prev->group_count;
    gc["mean_size"] = num(round3((iv.cur.group_sum - iv.prev->group_sum) / commits));
    gc["commits_per_s"] = iv.dt > 0 ? num(round3(commits / iv.dt)) : json::value(nullptr);
  } else {
    gc["mean_size"] = nullptr;
    gc["commits_per_s"] = iv.prev ? json::value(0) : json::value(nullptr);
  }
  return gc;
}

// Top ten recipients by backlog, each with its oldest unacked age.
json::array backlog_top(const index& ix) {
  struct row {
    std::string recipient;
    double backlog;
    std::optional<double> age;
  };
  std::vector<row> rows;
  ix.each(mn::outbox_backlog, [&](const sample& s) {
    rows.push_back({std::string(s.label("recipient")), s.value, std::nullopt});
  });
  ix.each(mn::outbox_oldest_unacked_age_seconds, [&](const sample& s) {
    for (auto& r : rows)
      if (r.recipient == s.label("recipient")) r.age = s.value;
  });
  std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
    if (a.backlog != b.backlog) return a.backlog > b.backlog;
    return a.recipient < b.recipient;
  });
  if (rows.size() > 10) rows.resize(10);
  json::array top;
  for (auto& r : rows) {
    json::object e;
    e["recipient"] = r.recipient;
    e["backlog"] = num(r.backlog);
    e["oldest_unacked_s"] = opt(r.age);
    top.push_back(std::move(e));
  }
  return top;
}

json::object store_figures(const index& ix) {
  json::object store;
  auto used = ix.sum(mn::store_used_bytes);
  auto map = ix.sum(mn::store_map_size_bytes);
  auto capacity = ix.sum(mn::store_capacity_bytes);
  store["used_bytes"] = opt(used);
  store["map_bytes"] = opt(map);
  store["capacity_bytes"] = opt(capacity);
  // Use against the most the store may hold (the map grows up to it); no capacity (PostgreSQL): none
  // to show. Not rounded: a young store's use is far below 0.1 % and still shown (app.js).
  store["use_ratio"] = (used && capacity && *capacity > 0) ? num(*used / *capacity) : json::value(nullptr);
  return store;
}

json::value route_table_version(const index& ix) {
  json::value version = nullptr;
  ix.each(mn::route_table_info, [&](const sample& s) {
    if (auto v = s.label("version"); !v.empty()) version = json::string(v);
  });
  return version;
}

}  // namespace

std::string snapshot_builder::next(std::string_view metrics_text, std::chrono::system_clock::time_point now) {
  auto samples = parse_prometheus(metrics_text);
  index ix;
  for (const auto& s : samples) ix.by_name.emplace(s.name, &s);
  reading cur = read_figures(ix, now);
  detail::read_panels(ix, cur);
  const reading* prev = prev_ ? &*prev_ : nullptr;
  const interval iv{cur, prev, prev ? std::chrono::duration<double>(now - prev->at).count() : 0};

  json::object o;
  o["schema"] = "jubes.dashboard.v1";
  o["t"] = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  o["interval_s"] = prev ? num(round3(iv.dt)) : json::value(nullptr);
  put_counters(o, iv);
  o["accept_latency_ms"] = accept_latency(iv);
  o["group_commit"] = group_commit(iv);
  o["backlog_top"] = backlog_top(ix);
  o["parked"] = opt(ix.sum(mn::parked_messages));
  o["writer_queue_depth"] = opt(ix.sum(mn::writer_queue_depth));
  o["store"] = store_figures(ix);
  o["route_table_version"] = route_table_version(ix);
  detail::put_panels(o, ix, cur, prev, iv.dt);

  prev_ = std::move(cur);
  return json::serialize(o);
}

std::string sse_frame(std::string_view json) {
  std::string f;
  f.reserve(json.size() + 32);
  f += "event: snapshot\ndata: ";
  f += json;  // serialize() never emits a raw newline, so one data line suffices
  f += "\n\n";
  return f;
}

}  // namespace jubes::dashboard
