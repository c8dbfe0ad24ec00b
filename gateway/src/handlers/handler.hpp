// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: what every API endpoint handler sees (model: redpanda src/v/kafka/server/handlers/).
// One endpoint, one small handler: a free function `net::awaitable<response> (services&, call&)`
// in handlers/<name>.cpp, found by the router (router.hpp) from method and path. A handler needs
// no socket: a test builds a request and a caller, and runs it on an io_context.
//
// Lifecycle: the api builds one `services` after opening the pipeline and the store, and keeps it
// until close(); a `call` lives for one request.
// Threading: handlers run on any IO thread, many at once; everything in `services` is thread-safe
// (the pipeline and the store are; the counters are atomic; long_polls has its own mutex).
#include <array>
#include <atomic>
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "../net.hpp"
#include "../pipeline.hpp"
#include "../read_audit.hpp"
#include "gateway/config.hpp"
#include "gateway/error_map.hpp"
#include "gateway/metrics.hpp"
#include "storage/store.hpp"

namespace jubes::gateway::detail {

/// The per-party series of one caller, looked up in the registry on first use and then kept (the
/// registry keeps series in place), so that a request builds no label text and takes no lock.
struct caller_series {
  counter* accepted = nullptr;  ///< jubes_ingest_accepted_total{party}
  /// One jubes_http_requests_total{party,status,endpoint} series.
  struct request_series {
    std::string_view endpoint;  ///< a route's pattern (static) or other_endpoint
    unsigned status = 0;
    counter* c = nullptr;
  };
  /// The caller's request series; one beyond these is looked up each time
  std::array<request_series, 6> requests{};
};

/// The endpoint label of a request no route matched (unknown path, other method, no party).
inline constexpr std::string_view other_endpoint = "other";

/// Who is calling: the party named by the client certificate (nullptr: no party → 403).
/// One caller per connection, used by one request at a time (on the connection's strand).
struct caller {
  const party_config* party = nullptr;
  std::string id;                // party id, or the certificate CN when no party
  std::string subject;           // certificate subject, for logs
  mutable caller_series series;  // a cache: filled while the const caller serves requests
};

/// @return the caller's jubes_http_requests_total{party,status,endpoint} series (cached in `who.series`)
/// @param endpoint the matched route's pattern (static storage) or other_endpoint
counter& requests_counter(registry& m, const caller& who, std::string_view endpoint, unsigned status);
/// @return the caller's jubes_ingest_accepted_total{party} series (cached in `who.series`)
counter& accepted_counter(registry& m, const caller& who);

/// Decoded query parameters of a request target.
struct query_map {
  std::map<std::string, std::string, std::less<>> values;
  /// @return the value of `k`, or nullptr if absent.
  const std::string* get(std::string_view k) const;
};

/// Parses a non-negative decimal. @return false if `s` is not one.
bool parse_u64(std::string_view s, std::uint64_t& out);

/// The long polls waiting for a commit, so that a drain can wake them all at once.
class long_polls {
 public:
  /// Waits until a commit passes `after` in `recipient`'s outbox, `wait` has passed or the drain
  /// begins. Pass named lvalues (GCC 12: no non-trivial temporaries inside a co_await expression).
  net::awaitable<void> wait(storage::backend& store, const std::string& recipient, std::uint64_t after,
                            std::chrono::seconds wait);
  /// Wakes every waiting poll (they answer with an empty batch) and makes later ones not wait.
  void drain();
  bool draining() const noexcept { return draining_.load(); }

 private:
  struct waiter;
  std::atomic<bool> draining_{false};
  std::mutex mu_;
  std::set<std::shared_ptr<waiter>> waiters_;
};

/// Hot-path series, looked up once (the registry keeps them in place).
struct api_counters {
  explicit api_counters(registry& r);
  histogram& accept_latency;
  counter& duplicates;
  counter& parked;
  counter& partial;   ///< delivered to some recipients, parked for a missing one (issue 13)
  counter& unrouted;  ///< no rule routed it and none needs to (not BIJ-worthy): stored, not parked
  counter& entries_served;
  counter& entries_acked;
  counter& route_reload_failures;
};

/// What the handlers share.
struct services {
  const config& cfg;
  registry& metrics;
  pipeline& pipe;
  storage::backend& store;
  long_polls& polls;
  api_counters counters;
  /// Wall clock, Unix milliseconds (receipts, reply times).
  std::function<std::int64_t()> now_ms;
  /// Where bodies of at least limits.offload_body_bytes are validated (no value: on the IO thread).
  std::optional<net::any_io_executor> validation{};
  /// Which reads of a message are recorded in the audit trail (retention.read_audit_window_s).
  std::shared_ptr<read_coalescer> read_audits{};
  /// Where long administrative work runs (a backup: seconds to minutes), off the IO threads and
  /// apart from validation, which it would otherwise hold up (no value: on the IO thread).
  std::optional<net::any_io_executor> background{};

  /// Re-reads the API listener's TLS files (the server's tls_contexts; unset in handler tests).
  /// @return a description of the certificates now in use, or why the old ones stay
  std::function<jubes::result<std::string>()> reload_tls{};

  /// Called after a reload swapped the routes and the municipality table (the server bumps its
  /// identity_epoch: open connections are identified again; unset in handler tests).
  std::function<void()> routes_reloaded{};

  /// Recompiles the routes file, logging and counting a refusal (the old table keeps serving), then
  /// calls routes_reloaded.
  jubes::result<std::shared_ptr<const route_snapshot>> reload_routes();
};

/// A reply body produced piece by piece, so that a large reply (a poll batch, a message) is never
/// built whole in memory: the server writes each piece as it comes (server.cpp, write_reply).
/// Not thread-safe: one reply, one writer.
class body_source {
 public:
  virtual ~body_source() = default;
  /// Appends the next piece of the body to `out`. @return false once the body is complete (then
  /// nothing was appended)
  virtual bool next(std::string& out) = 0;
};

/// A body already in one string, handed out whole (moved, not copied, into an empty `out`).
class string_source final : public body_source {
 public:
  explicit string_source(std::string s) : s_(std::move(s)) {}
  bool next(std::string& out) override;

 private:
  std::string s_;
  bool done_ = false;
};

/// One request on its way through a handler.
struct call {
  request& req;
  const caller& who;
  query_map query;
  std::uint64_t id = 0;  ///< the {id} of the path, for routes that have one
  std::string reason;    ///< ingest: why it was refused, for jubes_ingest_rejected_total{reason}
  /// When set, the reply's body: the handler's response is then the head only (status, headers).
  std::unique_ptr<body_source> stream{};
  // For the request log (request_log.hpp); never message content.
  std::string referentienummer{};  ///< the message's referentienummer, once it was parsed
  const char* stuf_code = "";      ///< set by fault_response(): the Fo03's StUF code
  const char* fault = "";          ///< set by fault_response(): the error's stable name (error_name())
};

/// Drains `src` into one string (tests and small replies). @return the whole body
std::string drain_body(body_source& src);

using handler = net::awaitable<response> (*)(services&, call&);

// The endpoints (one file each under handlers/).
net::awaitable<response> handle_ingest(services& s, call& c);          // POST /v1/messages
net::awaitable<response> handle_poll(services& s, call& c);            // GET  /v1/outbox
net::awaitable<response> handle_ack(services& s, call& c);             // POST /v1/outbox/ack
net::awaitable<response> handle_get_message(services& s, call& c);     // GET  /v1/messages/{id}
net::awaitable<response> handle_forward(services& s, call& c);         // POST /v1/messages/{id}/forward
net::awaitable<response> handle_routes_reload(services& s, call& c);   // POST /v1/admin/routes/reload
net::awaitable<response> handle_parked_list(services& s, call& c);     // GET  /v1/admin/parked
net::awaitable<response> handle_parked_reroute(services& s, call& c);  // POST /v1/admin/parked/reroute
net::awaitable<response> handle_parked_show(services& s, call& c);     // GET  /v1/admin/parked/{id}
net::awaitable<response> handle_parked_assign(services& s, call& c);   // POST /v1/admin/parked/{id}/assign
net::awaitable<response> handle_parked_close(services& s, call& c);    // POST /v1/admin/parked/{id}/close
net::awaitable<response> handle_identity(services& s, call& c);        // GET  /v1/admin/identity
net::awaitable<response> handle_purge(services& s, call& c);           // POST /v1/admin/purge
net::awaitable<response> handle_stats(services& s, call& c);           // GET  /v1/admin/stats
net::awaitable<response> handle_backup(services& s, call& c);          // POST /v1/admin/backup
net::awaitable<response> handle_audit_list(services& s, call& c);      // GET  /v1/admin/audit
net::awaitable<response> handle_tls_reload(services& s, call& c);      // POST /v1/admin/tls/reload
net::awaitable<response> handle_keys_rotate(services& s, call& c);     // POST /v1/admin/keys/rotate

// Replies.
/// Builds a response with the usual headers.
response make_response(unsigned status, std::string body, std::string_view content_type, unsigned version,
                       bool keep_alive);
/// The Fo03 reply of a refusal (error_map.cpp's fault_reply()); notes its StUF code, error name and
/// (when the refusal knows it) referentienummer in `c` for the request log.
response fault_response(const services& s, call& c, const refusal& r);
/// An application/xml reply.
response xml_response(const call& c, unsigned status, std::string body);
/// A text/plain reply (the admin endpoints, read by jubesctl).
response text_response(const call& c, unsigned status, std::string body);
/// An admin reply, content negotiated: `json` with `Accept: application/json`, else `text`.
response admin_reply(const call& c, unsigned status, const boost::json::value& json, std::string text);
/// An admin refusal: {"error": cause} or the cause as a line.
response admin_refusal(const call& c, unsigned status, const std::string& cause);
/// Logs an admin action (who, which endpoint).
void log_admin(const call& c, std::string_view action);
/// Appends an operator action (the caller's identity and reason, `what`) to the audit trail.
/// @return an empty string, or "NOT AUDITED: why" (the action itself happened; the reply says so).
net::awaitable<std::string> audit_action(services& s, const call& c, storage::audit_kind kind, std::string what,
                                         std::uint64_t message_id = 0);
/// Who ordered an admin call and why: the operator's certificate party; `reason=` or X-Jubes-Reason.
storage::operator_action actor_of(const call& c);

}  // namespace jubes::gateway::detail
