// SPDX-License-Identifier: EUPL-1.2
#include "panels.hpp"

#include <algorithm>
#include <vector>

#include "common/metric_names.hpp"

namespace jubes::dashboard::detail {
namespace mn = jubes::metric_names;
namespace json = boost::json;

namespace {

using reading = snapshot_builder::reading;

// Per second over the interval; null on the first snapshot. A counter that went back (a restart
// between two readings of one stream) counts from zero.
json::value rate(double now_v, std::optional<double> before, double dt) {
  if (!before || dt <= 0) return nullptr;
  double d = now_v >= *before ? now_v - *before : now_v;
  return num(round3(d / dt));
}

std::optional<double> before_of(const std::map<std::string, double>* m, const std::string& key) {
  if (!m) return std::nullopt;
  auto it = m->find(key);
  return it == m->end() ? 0.0 : it->second;  // a label first seen now was 0 before
}

// From the store, not from process counters: these survive a restart of the gateway.
json::object store_totals(const index& ix) {
  json::object t;
  t["accepted"] = opt(ix.sum(mn::store_messages_accepted_total));
  t["held"] = opt(ix.sum(mn::store_messages));
  t["delivered"] = opt(ix.sum(mn::outbox_cursor));  // acked entries; 0 before any outbox exists
  if (t["delivered"].is_null() && ix.has(mn::store_messages)) t["delivered"] = 0;
  t["parked"] = opt(ix.sum(mn::parked_messages));
  return t;
}

json::object connections(const index& ix) {
  json::object c;
  c["open"] = opt(ix.sum(mn::api_connections));
  c["preauth"] = opt(ix.sum(mn::preauth_connections));
  return c;
}

json::object tls(const index& ix, const reading& cur, const reading* prev, double dt) {
  json::object t;
  double failures = 0;
  json::object by_reason, rates;
  for (const auto& [reason, v] : cur.tls_failures) {
    failures += v;
    by_reason[reason] = num(v);
    rates[reason] = rate(v, before_of(prev ? &prev->tls_failures : nullptr, reason), dt);
  }
  std::optional<double> failures_before;
  if (prev) {
    failures_before = 0;
    for (const auto& [reason, v] : prev->tls_failures) *failures_before += v;
  }
  t["failures_total"] = cur.tls_failures.empty() ? json::value(nullptr) : num(failures);
  t["failures_per_s"] = cur.tls_failures.empty() ? json::value(nullptr) : rate(failures, failures_before, dt);
  t["failures_by_reason"] = std::move(by_reason);
  t["failure_rates"] = std::move(rates);
  t["handshakes_per_s"] =
      cur.handshakes ? rate(*cur.handshakes, prev ? prev->handshakes : std::nullopt, dt) : json::value(nullptr);
  std::optional<double> server, ca;
  ix.each(mn::tls_certificate_expiry_timestamp_seconds, [&](const sample& s) {
    if (s.label("certificate") == "server") server = s.value;
    if (s.label("certificate") == "ca") ca = s.value;
  });
  t["server_not_after"] = opt(server);
  t["ca_not_after"] = opt(ca);
  return t;
}

json::array sources(const reading& cur, const reading* prev, double dt) {
  json::array out;
  for (const auto& [party, v] : cur.sources) {
    json::object e;
    e["party"] = party;
    e["accepted"] = num(v);
    e["rate"] = rate(v, before_of(prev ? &prev->sources : nullptr, party), dt);
    out.push_back(std::move(e));
  }
  return out;
}

// Every recipient's outbox (not only the largest), by recipient; the page sorts it.
json::array backlog(const index& ix) {
  std::map<std::string, std::pair<double, std::optional<double>>, std::less<>> rows;
  ix.each(mn::outbox_backlog, [&](const sample& s) { rows[std::string(s.label("recipient"))].first = s.value; });
  ix.each(mn::outbox_oldest_unacked_age_seconds, [&](const sample& s) {
    if (auto it = rows.find(s.label("recipient")); it != rows.end()) it->second.second = s.value;
  });
  json::array out;
  for (const auto& [recipient, r] : rows) {
    json::object e;
    e["recipient"] = recipient;
    e["backlog"] = num(r.first);
    e["oldest_unacked_s"] = r.first > 0 ? opt(r.second) : json::value(0);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

void read_panels(const index& ix, reading& cur) {
  ix.each(mn::ingest_accepted_total, [&](const sample& s) {
    if (auto p = s.label("party"); !p.empty()) cur.sources[std::string(p)] += s.value;
  });
  ix.each(mn::tls_handshake_failures_total, [&](const sample& s) {
    std::string reason(s.label("reason"));
    cur.tls_failures[reason.empty() ? "other" : reason] += s.value;
  });
  cur.handshakes = ix.sum(mn::tls_handshakes_total);
}

void put_panels(json::object& o, const index& ix, const reading& cur, const reading* prev, double dt) {
  o["store_totals"] = store_totals(ix);
  o["connections"] = connections(ix);
  o["tls"] = tls(ix, cur, prev, dt);
  o["sources"] = sources(cur, prev, dt);
  o["backlog"] = backlog(ix);
}

}  // namespace jubes::dashboard::detail
