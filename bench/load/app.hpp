// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private to the jubes-bench executable: the state one run shares between its coroutines, and the
// roles that run on it (senders.cpp, pollers.cpp, verify.cpp, report.cpp; trivial_server.cpp is
// separate). See jubes_bench.cpp for the shape of a run.
//
// Lifecycle: run() builds one app, spawns the roles on its io_context, runs it, then reports.
// Threading: the roles run on --threads threads; what they share is atomic or written before the
// io_context starts; each coroutine writes only its own sender_result / poller_result.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "batch.hpp"
#include "conn.hpp"
#include "generator.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "record.hpp"
#include "verify_check.hpp"

namespace jubes::bench {

using bench_clock = std::chrono::steady_clock;

/// What one node (--target) answered, as seen by the senders.
struct target_stats {
  histogram hist;  ///< latency of the messages this node acknowledged (failovers before it included)
  std::uint64_t sent = 0, accepted = 0, duplicates = 0, errors = 0;
  std::uint64_t failovers = 0;  ///< messages sent again on the next node after this one gave no reply
  void merge(const target_stats& o);
};

/// What one sender coroutine saw; merged after the io_context stops.
struct sender_result {
  std::vector<target_stats> per_target;  ///< indexed like options::targets
  histogram hist;
  std::vector<outcome> outcomes;
  std::map<int, std::uint64_t> errors_by_status;  // 0 = transport
  std::vector<std::string> replay_failures;
  std::string last_error;
};

/// What one poller coroutine delivered and acked.
struct poller_result {
  std::size_t index = 0;  ///< the poller's number: which node it starts on
  std::string recipient;
  std::vector<batch_entry> delivered;  // in order, acked
  std::uint64_t acked_upto = 0;
  std::uint64_t polls = 0;
  std::string error;
};

struct app {
  options opt;
  spread nodes;  ///< over opt.targets
  const endpoint& target(std::size_t i) const { return opt.targets.at(i); }
  generator gen{generator_options{}};  ///< builds this run's fresh messages
  /// The generator of each outcome (outcome::gen): the headers of the --replay or --verify record,
  /// else just `gen`.
  std::vector<generator> gens;
  const generator& gen_of(const outcome& o) const { return gens.at(o.gen); }
  asio::io_context ioc;
  std::unique_ptr<ssl::context> source_ctx[4];
  std::map<std::string, std::unique_ptr<ssl::context>> recipient_ctx;
  record_writer rec;
  bool keep_outcomes = false;

  // generation
  std::atomic<std::uint64_t> issued{0};
  std::atomic<std::uint64_t> fresh[4]{};
  // --corrections: the slots (per party) that are corrections or withdrawals, and of what; written
  // under amend_mu together with taking the slot, so a --duplicates repeat finds it
  std::mutex amend_mu;
  std::unordered_map<std::uint64_t, amendment> amendments[4];
  bench_clock::time_point start{}, deadline{}, send_end{};
  // replay
  record_file replayed;
  std::vector<std::vector<std::size_t>> replay_queue{4};
  std::atomic<std::size_t> replay_next[4]{};
  std::unordered_map<std::string, std::pair<std::string, std::uint64_t>> replay_receipt;  // ref -> (id, fp)

  // live counters (progress line)
  std::atomic<std::uint64_t> sent{0}, accepted{0}, duplicates{0}, errors{0}, retries{0}, delivered{0}, failovers{0};
  std::atomic<int> senders_running{0};
  std::atomic<bool> senders_done{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> idle_open{0}, idle_failed{0};  // --idle-polls: polls that completed once / failed

  std::vector<std::unique_ptr<sender_result>> senders;
  std::vector<std::unique_ptr<poller_result>> pollers;

  // --ops: the gateway's process_cpu_seconds_total when the run started
  std::optional<double> ops_cpu_before;
  std::string ops_before;  // and its whole /metrics text (the accept-latency histogram's buckets)
  // this process's CPU time (user + system) when the run started: client_cpu_us_per_msg
  double cpu_start_s = 0;
};

/// @return this process's CPU time so far (user + system, all threads), seconds
double process_cpu_seconds();

/// GET /metrics from the gateway's ops listener (--ops). @return the text, or nullopt (said on stderr)
std::optional<std::string> fetch_ops_metrics(const options& o);
/// @return the value of process_cpu_seconds_total in a /metrics text, if present
std::optional<double> cpu_seconds_of(std::string_view metrics);

/// The cumulative buckets (upper bound in seconds, count) of an unlabelled histogram `name` in a
/// /metrics text, in the order written (ascending bounds, +Inf last as infinity).
std::vector<std::pair<double, double>> histogram_buckets(std::string_view metrics, std::string_view name);
/// @return the upper bound (seconds) of the bucket holding quantile `q` of the observations between
/// two scrapes of the same histogram, or nullopt when there were none
std::optional<double> bucket_quantile(const std::vector<std::pair<double, double>>& before,
                                      const std::vector<std::pair<double, double>>& after, double q);

/// The per-request timeout of --timeout.
inline std::chrono::milliseconds request_timeout(const app& a) {
  return std::chrono::milliseconds(static_cast<long>(a.opt.timeout_s * 1000));
}

/// Sends this party's share of the work over one connection until there is none left.
/// @param party index into sources(); @param index the sender's number (seeds its randomness)
asio::awaitable<void> sender(app& a, int party, int index, sender_result& r);

/// @return the GET /v1/outbox target; without `after`, the gateway starts at the acked cursor
std::string outbox_target(std::optional<std::uint64_t> after, int max, int wait);

/// Drains one recipient's outbox and acks, until the senders are done and a poll comes back empty.
asio::awaitable<void> poller(app& a, std::string recipient, poller_result& r);

/// A long poll that is only held open (the idle-connections benchmark), re-issued when it returns.
asio::awaitable<void> idle_poll(app& a, std::string recipient, int index);

/// Reads every known recipient's whole outbox (on a.ioc, which must have stopped) and checks it
/// against `outcomes` (check_outboxes, verify_check.hpp).
verify_report verify(app& a, const std::vector<outcome>& outcomes);

/// Prints a progress line to stderr once a second (unless --quiet) until `live` reaches 0.
asio::awaitable<void> progress(app& a, std::atomic<int>& live);

/// The end of a run: per-role reports on stderr, --verify, --ops, then the summary line on stdout.
/// @param recorded with --verify --record FILE and nothing sent: the record to verify, else nullptr
/// @param end when the io_context stopped; @param sending whether this run sent messages
/// @return the exit code: 0, 1 (replay, poll or verify failed) or 3 (some requests failed)
int report(app& a, const record_file* recorded, bench_clock::time_point end, bool sending);

/// Runs --serve-trivial until SIGINT/SIGTERM. @return the exit code
int serve_trivial(const options& o);

}  // namespace jubes::bench
