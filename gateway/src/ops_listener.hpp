// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: what the ops listener (plain HTTP on loopback or a management network) answers:
// /healthz, /readyz, /metrics, then the hook (jubesd plugs the dashboard in), else 404; and how it
// writes a streaming reply (the dashboard's /events). The server owns the connections and calls
// these per request. Threading: as the server's session (one strand per connection).
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "gateway/server.hpp"
#include "net.hpp"

namespace jubes::gateway::detail {

/// What an ops request is answered from.
struct ops_sources {
  const std::atomic<bool>& draining;
  std::function<std::string()> not_ready_reason;  ///< empty: ready
  std::function<std::string()> render_metrics;    ///< the Prometheus text
  const ops_hook& hook;                           ///< may be empty
};

/// @return the reply to `req`; for a streaming reply (the hook set `next`) only its head, with the
///         stream's source moved into `streaming`
response ops_route(const request& req, ops_reply& streaming, const ops_sources& from);

/// Writes a streaming reply: the head and first chunk, then one chunk per interval. The connection
/// is closed afterwards (Connection: close), so no framing is needed. Ends on a write error (client
/// gone), at a drain, or when the source has nothing more.
net::awaitable<void> ops_stream(tcp_stream& stream, response head, ops_reply& r,
                                std::chrono::milliseconds write_timeout, const std::atomic<bool>& draining);

}  // namespace jubes::gateway::detail
