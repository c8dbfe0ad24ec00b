// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The operators' live dashboard, server side: which static files /dashboard may serve, and the JSON
// snapshot that /events streams once a second as Server-Sent Events (format: docs/dashboard.md).
//
// Why the snapshot is built from the Prometheus text and not from the gateway's registry: the ops
// listener already renders /metrics, so the dashboard shows exactly the figures Prometheus scrapes
// (the browser test checks that), and this library needs nothing from gateway internals.
// No message contents and no BSNs can reach a snapshot: metric labels are party ids, reasons and
// versions only.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace jubes::dashboard {

/// A file the ops listener may serve under /dashboard.
struct asset {
  std::filesystem::path file;     ///< absolute or root-relative path of the file on disk
  std::string_view content_type;  ///< e.g. "text/html; charset=utf-8"
};

/// Maps a request target to one of a fixed allow-list of files; nothing from the request is used as a
/// path, so no traversal is possible. Query strings are ignored.
///   /dashboard, /dashboard/, /dashboard/index.html -> <root>/index.html
///   /dashboard/app.js, /dashboard/style.css        -> <root>/app.js, <root>/style.css
///   /dashboard/uplot.iife.min.js, /dashboard/uplot.min.css -> <root>/node_modules/uplot/dist/...
/// @param root the dashboard directory (the source tree's gateway/dashboard, or an installed copy)
/// @param target the HTTP request target
/// @return the asset, or nullopt for any other target (reply 404)
std::optional<asset> find_asset(const std::filesystem::path& root, std::string_view target);

/// @return the dashboard directory of this source tree (the tests use it; jubesd serves the
/// configuration's `dashboard_dir`).
std::filesystem::path default_root();

/// One sample of the Prometheus text exposition format.
struct sample {
  std::string name;                                         ///< metric name incl. _bucket/_sum/_count suffix
  std::vector<std::pair<std::string, std::string>> labels;  ///< in the order written
  double value = 0;
  /// @return the value of label `key`, or "" if absent
  std::string_view label(std::string_view key) const;
};

/// Parses Prometheus text format 0.0.4 (comments and blank lines skipped, label values unescaped).
/// Malformed lines are skipped and counted, never thrown on.
/// @param text the /metrics body
/// @param malformed if non-null, receives the number of lines that could not be parsed
/// @return the samples in text order
std::vector<sample> parse_prometheus(std::string_view text, std::size_t* malformed = nullptr);

/// Turns successive /metrics texts into dashboard snapshots (JSON objects, one line each).
/// Rates and latency percentiles are computed over the interval since the previous call, so keep one
/// builder per event stream (or one shared by all streams, called by one timer).
/// Lifecycle: default-constructed, then next() once per tick. Threading: not thread-safe; one
/// builder is used by one strand or guarded by the caller.
class snapshot_builder {
 public:
  /// @param metrics_text the exact text /metrics would return now
  /// @param now wall-clock time of the reading (rates divide by the time since the previous call)
  /// @return one JSON object without newlines (schema "jubes.dashboard.v1", see docs/dashboard.md)
  std::string next(std::string_view metrics_text, std::chrono::system_clock::time_point now);

  /// The figures of one /metrics text that the next snapshot's rates and percentiles are computed
  /// from (the builder keeps the previous one).
  struct reading {
    std::chrono::system_clock::time_point at{};
    std::map<std::string, double> counters;                  // key: logical name, e.g. "accepted"
    std::map<std::string, double> rejected;                  // reason -> total
    std::vector<std::pair<double, double>> latency_buckets;  // (le seconds, cumulative count)
    double group_sum = 0, group_count = 0;
    std::map<std::string, double> sources;       // source party -> messages accepted (since start)
    std::map<std::string, double> tls_failures;  // reason -> failed handshakes (since start)
    std::optional<double> handshakes;            // successful handshakes (since start)
  };

 private:
  std::optional<reading> prev_;
};

/// One parked message as the parked view shows it: ids and the reason, never contents.
struct parked_row {
  std::uint64_t message_id = 0;
  std::string source, message_type, reason;
  std::int64_t accepted_at_ms = 0;
};
/// How many messages are parked, and the oldest of them.
struct parked_list {
  std::uint64_t total = 0;
  std::vector<parked_row> rows;
};
/// @param max the most rows wanted (the oldest first)
/// @return the parked messages (e.g. from the store's parked list), or why they cannot be read
using parked_source = std::function<jubes::result<parked_list>(std::size_t max)>;
/// The most entries /dashboard/parked.json lists (the oldest); its `total` counts them all.
inline constexpr std::size_t max_parked_shown = 1000;

/// @return a JSON document (e.g. the gateway's late view), or why it cannot be read
using json_source = std::function<jubes::result<std::string>()>;

/// Everything the ops listener needs for the dashboard behind a plain request/response hook
/// (gateway::ops_hook): GET /dashboard... serves the allow-listed files (read once, then from
/// memory), GET /events answers one SSE snapshot with a `retry: 500` hint and ends the response,
/// so the browser's EventSource reconnects twice a second and gets the next snapshot. Snapshots are
/// built at most once per 900 ms and shared by all viewers, so rates always span about a second.
/// (A listener that can stream may instead write sse_frame(builder.next(...)) once a second.)
/// GET /dashboard/parked.json answers the parked view's list (schema jubes.parked.v1);
/// GET /dashboard/late.json the late view, exactly as `jubesctl outbox late --json` prints it
/// (entries at risk or overdue and entries due for purge unacknowledged; docs/dashboard.md).
/// Lifecycle: construct before the listener starts; destroy after it stopped.
/// Threading: handle() is thread-safe (one mutex around the file cache and the builder).
class ops_handler {
 public:
  struct reply {
    int status = 200;
    std::string content_type;
    std::string body;
  };
  /// @param root the dashboard directory (default_root() for the source tree)
  /// @param render_metrics returns the current /metrics text; called under the handler's mutex
  /// @param parked the parked list for GET /dashboard/parked.json (unset: that answers 503); called
  ///        on the requesting IO thread, outside the mutex
  /// @param late the late view for GET /dashboard/late.json (unset: 503); called like `parked`
  ops_handler(std::filesystem::path root, std::function<std::string()> render_metrics, parked_source parked = {},
              json_source late = {});
  ~ops_handler();
  ops_handler(const ops_handler&) = delete;
  ops_handler& operator=(const ops_handler&) = delete;

  /// @param method the HTTP method ("GET" or "HEAD" are served)
  /// @param target the request target
  /// @return the reply, or nullopt when the target is not the dashboard's (the caller answers 404);
  ///         a missing asset file (e.g. npm ci not run) is a 404 naming the file
  std::optional<reply> handle(std::string_view method, std::string_view target);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// @param json a snapshot from snapshot_builder::next
/// @return one SSE event: "event: snapshot\ndata: <json>\n\n"
std::string sse_frame(std::string_view json);

/// Headers of the /events response: Content-Type text/event-stream, Cache-Control no-cache; then
/// send sse_frame(...) once a second until the client goes away or the gateway drains.
inline constexpr std::string_view sse_content_type = "text/event-stream";

}  // namespace jubes::dashboard
