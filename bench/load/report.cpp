// SPDX-License-Identifier: EUPL-1.2
// jubes-bench reporting: the progress line while a run goes, and at its end the per-role
// reports on stderr and the one summary line on stdout (docs/BENCHMARKS.md; tests/load parses it).
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "app.hpp"

namespace jubes::bench {
namespace {

std::string fmt_ms(std::uint64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(us) / 1000.0);
  return b;
}

// The per-connection results of the senders, merged.
struct sender_totals {
  histogram hist;
  std::vector<target_stats> per_target;
  std::vector<outcome> outcomes;
  std::map<int, std::uint64_t> errors_by_status;
  std::vector<std::string> replay_failures;
  std::string last_error;
};

sender_totals merge_senders(app& a) {
  sender_totals t;
  t.per_target.resize(a.opt.targets.size());
  for (auto& r : a.senders) {
    t.hist.merge(r->hist);
    for (std::size_t i = 0; i < r->per_target.size() && i < t.per_target.size(); ++i)
      t.per_target[i].merge(r->per_target[i]);
    for (auto& x : r->outcomes) t.outcomes.push_back(std::move(x));
    for (auto [s, n] : r->errors_by_status) t.errors_by_status[s] += n;
    for (auto& f : r->replay_failures) t.replay_failures.push_back(std::move(f));
    if (!r->last_error.empty()) t.last_error = r->last_error;
  }
  return t;
}

// @return 1 if a replayed message did not come back as expected, else 0
int report_sends(const app& a, const sender_totals& t) {
  if (!t.errors_by_status.empty()) {
    std::cerr << "jubes-bench: errors by status:";
    for (auto [s, n] : t.errors_by_status) std::cerr << ' ' << (s ? std::to_string(s) : "no-reply") << '=' << n;
    std::cerr << "; last: " << t.last_error << '\n';
  }
  if (!t.replay_failures.empty()) {
    std::cerr << "jubes-bench: replay: " << t.replay_failures.size() << " messages did not come back as expected:\n";
    for (std::size_t i = 0; i < t.replay_failures.size() && i < 20; ++i)
      std::cerr << "  " << t.replay_failures[i] << '\n';
    return 1;
  }
  if (!a.opt.replay.empty())
    std::cerr << "jubes-bench: replay: all " << a.replayed.outcomes.size()
              << " recorded messages came back as expected\n";
  return 0;
}

// With several nodes: one line per node on stderr (what it answered, its share of the rate).
void report_targets(const app& a, const sender_totals& t, bench_clock::time_point until) {
  if (t.per_target.size() < 2) return;
  const double secs = std::chrono::duration<double>(until - a.start).count();
  for (std::size_t i = 0; i < t.per_target.size(); ++i) {
    const auto& n = t.per_target[i];
    char rate[32];
    const auto ok = static_cast<double>(n.accepted + n.duplicates);
    std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? ok / secs : 0.0);
    std::cerr << "jubes-bench target " << a.target(i).str() << ": sent=" << n.sent << " accepted=" << n.accepted
              << " duplicates=" << n.duplicates << " errors=" << n.errors << " failovers=" << n.failovers
              << " msgs_per_s=" << rate << " p50_ms=" << fmt_ms(n.hist.quantile(0.5))
              << " p99_ms=" << fmt_ms(n.hist.quantile(0.99)) << '\n';
  }
}

// @return 1 if a poller failed, else 0
int report_polls(const app& a, bench_clock::time_point end) {
  int rc = 0;
  std::uint64_t delivered = 0, polls = 0;
  for (auto& p : a.pollers) {
    delivered += p->delivered.size();
    polls += p->polls;
    if (!p->error.empty()) {
      std::cerr << "jubes-bench: poll: " << p->error << '\n';
      rc = 1;
    }
  }
  double secs = std::chrono::duration<double>(end - a.start).count();
  char b[64];
  std::snprintf(b, sizeof b, "%.1f", secs > 0 ? static_cast<double>(delivered) / secs : 0.0);
  std::cerr << "jubes-bench poll: delivered=" << delivered << " polls=" << polls << " delivered_per_s=" << b
            << " seconds=" << secs << '\n';
  return rc;
}

// @return 1 if verification failed, else 0
int report_verify(app& a, const std::vector<outcome>& list) {
  auto vr = verify(a, list);
  std::cerr << "jubes-bench: verify: acked=" << vr.acked << " expected_entries=" << vr.expected_entries
            << " checked_entries=" << vr.checked_entries << " lost=" << vr.lost << " duplicated=" << vr.duplicated
            << " seq_gaps=" << vr.seq_gaps << " unexpected=" << vr.unexpected << " not_atomic=" << vr.not_atomic
            << " two_ids=" << vr.two_ids << " read_errors=" << vr.errors << " replaced=" << vr.replaced
            << " related=" << vr.related << " bad_links=" << vr.bad_links << '\n';
  if (vr.ok) {
    std::cerr << "jubes-bench: verify: ok: " << vr.expected_entries << " expected outbox entries present exactly once, "
              << vr.checked_entries << " entries checked, nothing unexpected\n";
    return 0;
  }
  std::cerr << "jubes-bench: verify: FAILED:\n";
  for (auto& p : vr.problems) std::cerr << "  " << p << '\n';
  return 1;
}

// The one line on stdout that scripts and tests read (format in options.cpp's usage and
// docs/BENCHMARKS.md).
void print_summary(const app& a, const histogram& hist, bench_clock::time_point until,
                   std::optional<double> server_cpu_us, double client_cpu_us) {
  double secs = std::chrono::duration<double>(until - a.start).count();
  std::uint64_t ok = a.accepted.load() + a.duplicates.load();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? static_cast<double>(ok) / secs : 0.0);
  std::cout << "jubes-bench: sent=" << a.sent.load() << " accepted=" << a.accepted.load()
            << " duplicates=" << a.duplicates.load() << " errors=" << a.errors.load() << " msgs_per_s=" << rate
            << " p50_ms=" << fmt_ms(hist.quantile(0.5)) << " p99_ms=" << fmt_ms(hist.quantile(0.99))
            << " p999_ms=" << fmt_ms(hist.quantile(0.999));
  if (server_cpu_us) {
    char cpu[32];
    std::snprintf(cpu, sizeof cpu, "%.1f", *server_cpu_us);
    std::cout << " server_cpu_us_per_msg=" << cpu;
  }
  // The tool's own CPU per request sent (it shares the cores with the gateway in docs/BENCHMARKS.md).
  char own[32];
  std::snprintf(own, sizeof own, "%.1f", client_cpu_us);
  std::cout << " client_cpu_us_per_msg=" << own << std::endl;
}

// Prints the gateway's own figures of interest from its ops listener (--ops) to stderr.
void print_ops(const std::string& metrics) {
  std::string_view body = metrics;
  while (!body.empty()) {
    auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (line.starts_with("#")) continue;
    if (line.find("group_commit") != std::string_view::npos || line.find("ingest") != std::string_view::npos ||
        line.find("parked") != std::string_view::npos || line.find("store_") != std::string_view::npos ||
        line.starts_with("process_"))
      if (line.find("_bucket") == std::string_view::npos) std::cerr << "jubes-bench ops: " << line << '\n';
  }
}

// The gateway's own accept latency during the run (its histogram, before and after): the bucket
// bounds that hold p50 and p99.
void print_accept_latency(const app& a, const std::string& after) {
  constexpr std::string_view name = "jubes_accept_latency_seconds";
  const auto b = histogram_buckets(a.ops_before, name), e = histogram_buckets(after, name);
  const auto p50 = bucket_quantile(b, e, 0.5), p99 = bucket_quantile(b, e, 0.99);
  if (!p50 || !p99) return;
  auto ms = [](double s) { return std::isinf(s) ? std::string("+Inf") : fmt_ms(static_cast<std::uint64_t>(s * 1e6)); };
  std::cerr << "jubes-bench ops: accept_latency (gateway histogram, bucket bounds) p50<=" << ms(*p50)
            << "ms p99<=" << ms(*p99) << "ms\n";
}

}  // namespace

void target_stats::merge(const target_stats& o) {
  hist.merge(o.hist);
  sent += o.sent, accepted += o.accepted, duplicates += o.duplicates, errors += o.errors, failovers += o.failovers;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::optional<std::string> fetch_ops_metrics(const options& o) {
  // A plain-HTTP GET of /metrics on the gateway's ops listener.
  try {
    asio::io_context io;
    tcp::resolver res(io);
    beast::tcp_stream s(io);
    s.expires_after(std::chrono::seconds(5));
    s.connect(res.resolve(o.ops_host, o.ops_port));
    http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, o.ops_host);
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> resp;
    http::read(s, b, resp);
    if (resp.result_int() != 200) throw std::runtime_error("status " + std::to_string(resp.result_int()));
    return std::move(resp.body());
  } catch (const std::exception& e) {
    std::cerr << "jubes-bench: --ops " << o.ops_host << ":" << o.ops_port << ": " << e.what() << '\n';
    return std::nullopt;
  }
}

std::optional<double> cpu_seconds_of(std::string_view metrics) {
  constexpr std::string_view name = "process_cpu_seconds_total ";
  for (std::size_t at = 0; (at = metrics.find(name, at)) != std::string_view::npos; at += name.size()) {
    if (at != 0 && metrics[at - 1] != '\n') continue;
    auto v = metrics.substr(at + name.size());
    v = v.substr(0, v.find('\n'));
    try {
      return std::stod(std::string(v));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::vector<std::pair<double, double>> histogram_buckets(std::string_view metrics, std::string_view name) {
  std::vector<std::pair<double, double>> out;
  const std::string prefix = std::string(name) + "_bucket{le=\"";
  for (std::size_t at = 0; (at = metrics.find(prefix, at)) != std::string_view::npos; at += prefix.size()) {
    if (at != 0 && metrics[at - 1] != '\n') continue;
    auto line = metrics.substr(at + prefix.size());
    line = line.substr(0, line.find('\n'));
    const auto close = line.find("\"} ");
    if (close == std::string_view::npos) continue;
    try {
      const auto le = line.substr(0, close);
      const double bound = le == "+Inf" ? INFINITY : std::stod(std::string(le));
      out.emplace_back(bound, std::stod(std::string(line.substr(close + 3))));
    } catch (const std::exception&) {
      return {};
    }
  }
  return out;
}

std::optional<double> bucket_quantile(const std::vector<std::pair<double, double>>& before,
                                      const std::vector<std::pair<double, double>>& after, double q) {
  if (after.empty()) return std::nullopt;
  auto delta = [&](std::size_t i) { return after[i].second - (i < before.size() ? before[i].second : 0.0); };
  const double total = delta(after.size() - 1);
  if (total <= 0) return std::nullopt;
  for (std::size_t i = 0; i < after.size(); ++i)
    if (delta(i) >= q * total) return after[i].first;
  return after.back().first;
}

// Prints the progress line once a second while tasks run.
asio::awaitable<void> progress(app& a, std::atomic<int>& live) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  std::uint64_t last = 0;
  auto next = bench_clock::now();
  for (int s = 1; live.load() > 0; ++s) {
    next += std::chrono::seconds(1);
    // Wake often enough to notice the end promptly, print once a second.
    while (live.load() > 0 && bench_clock::now() < next) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (live.load() == 0) break;
    std::uint64_t sent = a.sent.load();
    if (!a.opt.quiet)
      std::cerr << "jubes-bench: t=" << s << "s sent=" << sent << " accepted=" << a.accepted.load()
                << " duplicates=" << a.duplicates.load() << " errors=" << a.errors.load()
                << " retries=" << a.retries.load() << " failovers=" << a.failovers.load()
                << " delivered=" << a.delivered.load() << " last_s=" << sent - last << '\n';
    last = sent;
  }
}

int report(app& a, const record_file* recorded, bench_clock::time_point end, bool sending) {
  sender_totals t = merge_senders(a);
  int rc = report_sends(a, t);
  report_targets(a, t, sending ? a.send_end : end);
  if (a.opt.poll) rc = std::max(rc, report_polls(a, end));
  if (a.opt.verify) rc = std::max(rc, report_verify(a, recorded ? recorded->outcomes : t.outcomes));
  if (a.opt.idle_polls)
    std::cerr << "jubes-bench idle: polls=" << a.opt.idle_polls << " held_a_full_wait=" << a.idle_open.load()
              << " failed=" << a.idle_failed.load() << '\n';
  std::optional<double> server_cpu_us;
  if (!a.opt.ops_host.empty()) {
    if (auto m = fetch_ops_metrics(a.opt)) {
      print_ops(*m);
      // The gateway's CPU per accepted message: the figure that stays stable on a shared machine.
      auto after = cpu_seconds_of(*m);
      if (after && a.ops_cpu_before && a.accepted.load() > 0)
        server_cpu_us = (*after - *a.ops_cpu_before) * 1e6 / static_cast<double>(a.accepted.load());
      print_accept_latency(a, *m);
    }
  }
  const std::uint64_t sent = a.sent.load();
  const double client_cpu_us = sent ? (process_cpu_seconds() - a.cpu_start_s) * 1e6 / static_cast<double>(sent) : 0.0;
  print_summary(a, t.hist, sending ? a.send_end : end, server_cpu_us, client_cpu_us);
  if (rc == 0 && a.errors.load() > 0) rc = 3;
  return rc;
}

}  // namespace jubes::bench
