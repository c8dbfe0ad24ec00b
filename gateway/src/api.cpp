// SPDX-License-Identifier: EUPL-1.2
#include "api.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>

#include "audit_checkpoints.hpp"
#include "common/log.hpp"
#include "common/metric_names.hpp"
#include "gateway/errc.hpp"
#include "handlers/router.hpp"
#include "late_view.hpp"
#include "metrics_probe.hpp"
#include "pipeline.hpp"
#include "rate_limiter.hpp"
#include "request_log.hpp"
#include "storage/store.hpp"
#include "store_totals.hpp"
#include "wiring.hpp"

namespace jubes::gateway::detail {

namespace {
constexpr std::string_view kComponent = "api";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct api::state {
  state(const config& c, registry& m)
      : cfg(c),
        metrics(m),
        limiter(c.limits.rate_per_party, c.limits.burst_per_party, rate_limiter::steady_clock()),
        routes(api_routes()),
        requests(c.access_log) {}
  const config& cfg;
  registry& metrics;
  rate_limiter limiter;
  const router routes;
  request_log requests;
  long_polls polls;
  // Declaration order: the services refer to the store and the pipeline; the pipeline (xerces) goes last.
  std::unique_ptr<pipeline> pipe;
  std::unique_ptr<storage::backend> store;
  std::optional<services> svc;
  // Validates large bodies off the IO threads; joined in close() before the pipeline goes (its
  // threads' validators belong to the pipeline).
  std::optional<net::thread_pool> validation;
  // One thread for long administrative work (backups); joined in close() before the store closes.
  std::optional<net::thread_pool> background;
  std::optional<metrics_probe> probe;
  std::optional<store_totals> totals;
  audit_checkpoints checkpoints;  // stopped in close() before the store
  std::atomic<bool> opened{false};
};

api::api(const config& cfg, registry& metrics) : st_(std::make_unique<state>(cfg, metrics)) {}
api::~api() {
  close();
}

jubes::result<void> api::open() {
  auto& s = *st_;
  pipeline_options po;
  po.limits.max_bytes = s.cfg.limits.max_body_bytes;
  po.limits.max_text_bytes = s.cfg.limits.max_body_bytes;
  auto p = pipeline::open(s.cfg, po);
  if (!p) return located(s.cfg, p.error());
  s.pipe = std::move(*p);
  auto snap = s.pipe->routes();
  log::info(kComponent, "routes_loaded", {{"version", snap->table->version()}, {"rules", snap->table->rule_count()}});

  auto st = open_backend(s.cfg);  // store.backend: the embedded LMDB store or PostgreSQL
  if (!st) return st.error();
  s.store = std::move(*st);

  s.svc.emplace(services{s.cfg,
                         s.metrics,
                         *s.pipe,
                         *s.store,
                         s.polls,
                         api_counters(s.metrics),
                         wall_ms,
                         {},
                         std::make_shared<read_coalescer>(std::int64_t{s.cfg.retention.read_audit_window_s} * 1000)});
  if (s.cfg.limits.validation_threads > 0) {
    s.validation.emplace(s.cfg.limits.validation_threads);
    s.svc->validation = s.validation->get_executor();
  }
  s.background.emplace(1);
  s.svc->background = s.background->get_executor();
  s.checkpoints.start(*s.store, std::chrono::seconds(s.cfg.retention.audit_checkpoint_interval_s));
  std::vector<std::string> recipients;
  for (const auto& p : s.cfg.parties)
    if (p.role == party_role::recipient) recipients.push_back(p.id);
  // The capacity is the configured maximum, not the current map (which grows up to it); PostgreSQL
  // reports no size, and its limit is the database server's disk: 0.
  const bool pg = uses_postgresql(s.cfg);
  s.probe.emplace(s.metrics, pg ? 0 : s.cfg.store.map_size_bytes, recipients,
                  static_cast<std::int64_t>(s.cfg.retention.bodies_days * 86400.0 * 1000.0));
  // PostgreSQL counts rows for the store's stats: read them at most every 10 s there.
  s.totals.emplace(s.metrics, pg ? std::chrono::milliseconds(10000) : std::chrono::milliseconds(0));
  register_party_series(s.metrics, s.cfg, s.routes);
  s.metrics.add_collector([this](registry&) {
    auto& s = *st_;
    // The handlers' clock (tests set it: deadlines are judged against it).
    if (s.store && s.pipe && s.probe && s.svc)
      s.probe->collect(*s.store, *s.pipe, s.svc->now_ms(), not_ready_reason().empty());
    if (s.store && s.totals) s.totals->collect(*s.store, std::chrono::steady_clock::now());
  });
  s.opened = true;
  return {};
}

void api::set_tls_reload(std::function<jubes::result<std::string>()> reload) {
  st_->svc->reload_tls = std::move(reload);
}

jubes::result<server::parked_view> api::parked(std::size_t max) const {
  if (!st_->opened || !st_->store) return jubes::fail(errc::draining, "the store is not open");
  server::parked_view v;
  v.total = st_->store->metrics().parked;
  auto rows = st_->store->parked(max);
  if (!rows) return jubes::error(rows.error());
  v.oldest = std::move(*rows);
  v.total = std::max<std::uint64_t>(v.total, v.oldest.size());
  return v;
}

jubes::result<std::string> api::late_json() const {
  if (!st_->opened || !st_->store || !st_->svc) return jubes::fail(errc::draining, "the store is not open");
  const auto retention_ms = static_cast<std::int64_t>(st_->cfg.retention.bodies_days * 86400.0 * 1000.0);
  // A page shows at most 1,000 rows of each list (refreshed every 5 s per open dashboard); jubesctl lists them all.
  constexpr std::size_t page_rows = 1000;
  auto r = late_report_of(*st_->store, st_->svc->now_ms(), {}, page_rows, retention_ms);
  if (!r) return r.error();
  return boost::json::serialize(to_json(*r));
}

request_log& api::requests() {
  return st_->requests;
}

services& api::handler_services() {
  return *st_->svc;
}

std::string readiness(bool open, bool draining, const storage::store_health& health, std::uint64_t used_bytes,
                      std::uint64_t max_bytes, unsigned max_used_percent) {
  if (!open) return "not open";
  if (draining) return "draining";
  // The store's own word first: a disk that refused a write or a flush, or a map at its maximum.
  if (health.st != storage::store_health::state::writable)
    return std::string(storage::to_string(health.st)) + ": " + health.reason;
  // A store this full refuses the next large message with 507: a load balancer should send new
  // traffic elsewhere before that, not after. Integer arithmetic: max_bytes is at most 1 TiB.
  if (max_bytes > 0 && used_bytes * 100 >= max_bytes * max_used_percent)
    return "store full: " + std::to_string(used_bytes) + " of " + std::to_string(max_bytes) +
           " bytes used (store.ready_max_used_percent " + std::to_string(max_used_percent) + ")";
  return {};
}

std::string api::not_ready_reason() const {
  const auto& s = *st_;
  bool open = s.opened && s.store && s.pipe;
  std::uint64_t used = open ? s.store->metrics().map_used : 0;
  const auto health = open ? s.store->health() : storage::store_health{};
  return readiness(open, s.polls.draining(), health, used, s.cfg.store.map_size_bytes,
                   s.cfg.store.ready_max_used_percent);
}

jubes::result<void> api::reload_routes() {
  if (!st_->svc) return jubes::fail(errc::config_invalid, "not open");
  auto r = st_->svc->reload_routes();
  if (!r) return r.error();
  return {};
}

void api::drain() {
  st_->polls.drain();
}

void api::close() {
  auto& s = *st_;
  s.opened = false;
  if (s.validation) {
    s.validation->join();
    s.validation.reset();
  }
  if (s.background) {
    s.background->join();
    s.background.reset();
  }
  s.svc.reset();
  s.checkpoints.stop();
  if (s.store) {
    s.store->close();
    s.store.reset();
  }
  s.pipe.reset();
}

namespace {
/// The request log's line of one answered request (request_log.hpp).
void log_request(request_log& log, const call& c, const response& res, std::string_view id, std::string_view path,
                 std::uint64_t bytes_in, std::chrono::steady_clock::time_point started) {
  if (res.result_int() < 400 && !log.access_log()) return;
  request_record r;
  r.request_id = id;
  r.party = c.who.party ? std::string_view(c.who.party->id) : std::string_view();
  r.subject = c.who.subject;
  r.method = c.req.method_string();
  r.path = path;
  r.status = res.result_int();
  r.stuf_code = c.stuf_code;
  r.reason = c.fault;
  r.referentienummer = c.referentienummer;
  r.bytes_in = bytes_in;
  r.bytes_out = res.body().size();
  r.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  log.record(r);
}
}  // namespace

net::awaitable<response> api::handle(request& req, const caller& who, std::unique_ptr<body_source>& stream) {
  auto& s = *st_;
  auto started = std::chrono::steady_clock::now();
  const std::uint64_t bytes_in = req.body().size();  // before ingest moves the body away
  const std::string request_id = s.requests.next_id();
  auto t = split_target(req.target());
  call c{req, who, std::move(t.query), 0, {}, {}};
  const auto m = s.routes.match(req.method(), t.path, who.party && who.party->role == party_role::operator_);
  const std::string_view endpoint = m.found ? m.found->pattern : other_endpoint;
  response res;
  if (!who.party) {
    res = fault_response(*s.svc, c, errc::unknown_party);
  } else if (unsigned wait = s.limiter.take(who.party->id); wait > 0) {
    refusal r(errc::rate_limited);
    r.retry_after_s = wait;
    res = fault_response(*s.svc, c, r);
    c.reason = "rate_limited";
  } else if (!m.found) {
    res = fault_response(*s.svc, c, jubes::error(m.error));
    if (!m.allow.empty()) res.set(http::field::allow, m.allow);
  } else {
    c.id = m.id;
    res = co_await m.found->fn(*s.svc, c);
    stream = std::move(c.stream);
  }
  if (!c.reason.empty() && t.path == "/v1/messages") s.probe->count_rejected(c.reason);
  res.set("X-Request-Id", request_id);
  log_request(s.requests, c, res, request_id, t.path, bytes_in, started);
  requests_counter(s.metrics, who, endpoint, res.result_int()).inc();
  co_return res;
}

void api::count_refused(const caller& who, http::verb method, std::string_view target, unsigned status) {
  auto& s = *st_;
  const auto m =
      s.routes.match(method, split_target(target).path, who.party && who.party->role == party_role::operator_);
  requests_counter(s.metrics, who, m.found ? m.found->pattern : other_endpoint, status).inc();
}

}  // namespace jubes::gateway::detail
