// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API behind the mTLS listener (PRODUCT.md "The contract"): the pipeline, the store,
// the per-party token bucket and the route table of handlers (handlers/).
//
// Lifecycle: constructed by the server, open() at start (pipeline: registry, catalog, routes; then
// the store), handle() for every request from any IO thread, drain() once on SIGTERM (wakes long
// polls with an empty batch), close() after the IO threads have stopped.
// Threading: handle(), ready(), reload_routes() and drain() are thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "gateway/server.hpp"
#include "handlers/handler.hpp"
#include "net.hpp"
#include "request_log.hpp"
#include "storage/types.hpp"

namespace jubes::gateway::detail {

/// Readiness from what the api knows, without Asio (unit-tested).
/// @param health the store's own state (storage::backend::health): full or failed is not ready
/// @param used_bytes, max_bytes the store's map use and the most it may grow to (store.map_size_bytes)
/// @param max_used_percent store.ready_max_used_percent
/// @return "" when ready, else the reason
std::string readiness(bool open, bool draining, const storage::store_health& health, std::uint64_t used_bytes,
                      std::uint64_t max_bytes, unsigned max_used_percent);

class api {
 public:
  api(const config& cfg, registry& metrics);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  /// Loads the pipeline and opens the store. @return the first error, its detail naming the key
  jubes::result<void> open();
  /// Answers one request of `c`: 403 without a party, 429 over its rate, else the route's handler.
  /// @param stream set when the reply's body comes from a source (the response is then its head)
  net::awaitable<response> handle(request& req, const caller& c, std::unique_ptr<body_source>& stream);
  /// Counts in jubes_http_requests_total a reply the server gave before handle() (a party over its
  /// connection limit: 503), under the endpoint that `method` and `target` name.
  void count_refused(const caller& who, http::verb method, std::string_view target, unsigned status);
  /// @return "" when ready to take traffic, else why not ("draining", "store full: ...")
  std::string not_ready_reason() const;
  bool ready() const { return not_ready_reason().empty(); }
  /// Recompiles the routes file; on error logs it and keeps the old table.
  jubes::result<void> reload_routes();
  void drain();
  void close();

  /// Lets POST /v1/admin/tls/reload reach the server's TLS context (call after open()).
  void set_tls_reload(std::function<jubes::result<std::string>()> reload);
  /// @return the number of parked messages and the oldest `max` of them (ids, source, type, reason,
  ///         time; never contents), for the dashboard
  jubes::result<server::parked_view> parked(std::size_t max) const;
  /// @return the late view (late_view.hpp) as JSON, judged at the handlers' clock: what
  ///         `jubesctl outbox late --json` prints, for the dashboard
  jubes::result<std::string> late_json() const;
  /// The request log, for the server's lines about refused handshakes.
  request_log& requests();

  /// What the handlers share (valid between open() and close()); for tests that run one handler.
  services& handler_services();

  struct state;

 private:
  std::unique_ptr<state> st_;
};

}  // namespace jubes::gateway::detail
