// SPDX-License-Identifier: EUPL-1.2
#pragma once
// jubesd's server: the mutual-TLS API listener and the plain-HTTP ops listener on one io_context.
//
// Lifecycle: construct with a loaded config, start() (TLS context, store, routes, codec, bind both
// listeners), then run() on the calling thread until a SIGTERM/SIGINT or stop() has drained it:
// stop accepting, wake long polls with an empty batch, let requests in flight finish (bounded by
// drain_timeout_ms), close the store. SIGHUP reloads the routing file and the TLS files (a bad
// file is logged and the old table or certificates keep serving; open connections keep theirs).
// Destroy after run() returns.
//
// Threading: run() starts cfg.io_threads IO threads and joins them before it returns. Each
// connection runs as one coroutine on its own strand. stop() and the endpoint getters are
// thread-safe; everything else is called from the owning thread only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "storage/types.hpp"

namespace jubes::gateway {

/// A reply of the ops listener's extension hook (/dashboard, /events are added by the dashboard).
struct ops_reply {
  int status = 200;
  std::string content_type;
  std::string body;
  /// When set, the reply is a stream (Server-Sent Events): the server writes the head and `body`,
  /// then next() every `stream_interval` until it returns nullopt, the client goes away or the
  /// gateway drains. Called on the connection's IO thread; must not block.
  std::function<std::optional<std::string>()> next;
  std::chrono::milliseconds stream_interval{1000};
};
/// Called for ops paths the server does not serve itself; nullopt falls through to 404.
/// Runs on an IO thread; must not block. Never return message contents.
using ops_hook = std::function<std::optional<ops_reply>(std::string_view method, std::string_view target)>;

class server {
 public:
  explicit server(config cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Prepares everything that can fail at start and binds both listeners.
  /// @return nothing, or the error with a one-line detail (the caller logs it and exits non-zero).
  jubes::result<void> start();

  /// Serves until drained. @return the process exit code (0 after a clean drain).
  int run();

  /// Begins a drain, as SIGTERM does. Thread-safe, idempotent.
  void stop();

  /// @return the bound addresses (valid after start(); port 0 in the config is resolved here).
  endpoint api_endpoint() const;
  endpoint ops_endpoint() const;

  registry& metrics();

  /// The parked messages as the dashboard's parked view lists them: ids, source, type, reason and
  /// time, never contents.
  struct parked_view {
    std::uint64_t total = 0;                    ///< every parked message
    std::vector<storage::parked_entry> oldest;  ///< at most `max` of them, the oldest first
  };
  /// Thread-safe between start() and the end of run(). @return the view, or why it cannot be read
  jubes::result<parked_view> parked(std::size_t max) const;
  /// The entries at risk of missing their legal deadline or past it, and those due for purge
  /// unacknowledged, as JSON: the same view as `jubesctl outbox late --json` (gateway/src/late_view.hpp;
  /// ids, recipients, types, times and counts, never contents). Thread-safe like parked().
  jubes::result<std::string> late_json() const;

  /// Installs the ops extension hook; call before run().
  void set_ops_hook(ops_hook h);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace jubes::gateway
