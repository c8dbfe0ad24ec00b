#include "api.hpp"

#include <chrono>
#include <optional>

#include "common/log.hpp"
#include "common/metric_names.hpp"
#include "gateway/errc.hpp"
#include "handlers/router.hpp"
#include "pipeline.hpp"
#include "rate_limiter.hpp"
#include "storage/store.hpp"
#include "wiring.hpp"

namespace jubes::gateway::detail {

namespace {
constexpr std::string_view kComponent = "api";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The store's and the routes' gauges, read at each scrape.
void collect(registry& r, storage::backend& store, const pipeline& pipe) {
  auto m = store.metrics();
  r.get_gauge(metric_names::writer_queue_depth, "Requests waiting for the store's writer.").set(double(m.queue_depth));
  r.get_gauge(metric_names::writer_queue_capacity, "Capacity of the store's writer queue.").set(double(m.queue_capacity));
  r.get_gauge(metric_names::store_map_size_bytes, "LMDB map size in bytes.").set(double(m.map_size));
  r.get_gauge(metric_names::store_used_bytes, "Bytes of the LMDB map in use.").set(double(m.map_used));
  r.get_gauge(metric_names::parked_messages, "Messages no rule routed, waiting for an operator.").set(double(m.parked));
  r.get_gauge(metric_names::store_commits, "Successful write transactions since start.").set(double(m.commits));
  r.get_gauge(metric_names::store_commit_failures, "Failed write transactions since start.").set(double(m.commit_failures));
  r.get_gauge(metric_names::outbox_acks, "Ack requests committed since start.").set(double(m.acks));
  r.get_gauge(metric_names::forwards, "Forwards committed since start.").set(double(m.forwards));
  {
    std::vector<double> b(storage::group_size_buckets.begin(), storage::group_size_buckets.end());
    std::vector<std::uint64_t> c(m.group_size_hist.begin(), m.group_size_hist.end());
    r.get_histogram(metric_names::group_commit_size, "Requests per group commit.", b).load(c, double(m.group_size_sum));
  }
  {
    std::vector<double> b(storage::commit_seconds_buckets.begin(), storage::commit_seconds_buckets.end());
    std::vector<std::uint64_t> c(m.commit_seconds_hist.begin(), m.commit_seconds_hist.end());
    r.get_histogram(metric_names::group_commit_seconds, "Duration of a group commit incl. fsync.", b)
        .load(c, m.commit_seconds_sum);
  }
  auto now = wall_ms();
  if (auto obs = store.outboxes()) {
    for (const auto& [rcpt, o] : *obs) {
      labels l{{"recipient", rcpt}};
      r.get_gauge(metric_names::outbox_head, "Seq of the newest outbox entry, per recipient.", l).set(double(o.head));
      r.get_gauge(metric_names::outbox_cursor, "Highest acknowledged seq, per recipient.", l).set(double(o.cursor));
      r.get_gauge(metric_names::outbox_backlog, "Unacknowledged outbox entries, per recipient.", l)
          .set(double(o.head - std::min(o.head, o.cursor)));
      r.get_gauge(metric_names::outbox_oldest_unacked_age_seconds, "Age of the oldest unacknowledged entry, per recipient.",
                  l)
          .set(o.oldest_unacked_ms ? double(now - o.oldest_unacked_ms) / 1000.0 : 0.0);
    }
  }
  if (auto snap = pipe.routes()) {
    r.clear(metric_names::route_table_info);
    r.get_gauge(metric_names::route_table_info, "The routing table in service (version label).",
                {{"version", snap->table->version()}})
        .set(1);
    r.get_gauge(metric_names::route_table_reloads, "Successful route reloads since start.")
        .set(double(pipe.route_generation()));
  }
}
}  // namespace

struct api::state {
  state(const config& c, registry& m)
      : cfg(c),
        metrics(m),
        limiter(c.limits.rate_per_party, c.limits.burst_per_party, rate_limiter::steady_clock()),
        routes(api_routes()) {}
  const config& cfg;
  registry& metrics;
  rate_limiter limiter;
  const router routes;
  long_polls polls;
  // Declaration order: the services refer to the store and the pipeline; the pipeline (xerces) goes last.
  std::unique_ptr<pipeline> pipe;
  std::unique_ptr<storage::backend> store;
  std::optional<services> svc;
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
  if (!p) return p.error();
  s.pipe = std::move(*p);
  auto snap = s.pipe->routes();
  log::info(kComponent, "routes_loaded", {{"version", snap->table->version()}, {"rules", snap->table->rule_count()}});

  auto so = store_options(s.cfg);
  auto st = storage::store::open(so);
  if (!st) return jubes::fail(st.error(), "store " + so.dir.string() + ": " + st.error().message());
  s.store = std::move(*st);

  s.svc.emplace(services{s.cfg, s.metrics, *s.pipe, *s.store, s.polls, api_counters(s.metrics), wall_ms});
  s.metrics.add_collector([this](registry& r) {
    auto& s = *st_;
    if (s.store && s.pipe) collect(r, *s.store, *s.pipe);
  });
  s.opened = true;
  return {};
}

services& api::handler_services() {
  return *st_->svc;
}

bool api::ready() const {
  return st_->opened && !st_->polls.draining() && st_->store && st_->pipe;
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
  s.svc.reset();
  if (s.store) {
    s.store->close();
    s.store.reset();
  }
  s.pipe.reset();
}

net::awaitable<response> api::handle(request& req, const caller& who) {
  auto& s = *st_;
  auto t = split_target(req.target());
  call c{req, who, std::move(t.query), 0, {}};
  response res;
  if (!who.party) {
    res = fault_response(*s.svc, c, errc::unknown_party);
  } else if (unsigned wait = s.limiter.take(who.party->id); wait > 0) {
    refusal r(errc::rate_limited);
    r.retry_after_s = wait;
    res = fault_response(*s.svc, c, r);
    c.reason = "rate_limited";
  } else if (auto m = s.routes.match(req.method(), t.path, who.party->role == party_role::operator_); !m.found) {
    res = fault_response(*s.svc, c, jubes::error(m.error));
  } else {
    c.id = m.id;
    res = co_await m.found->fn(*s.svc, c);
  }
  if (!c.reason.empty() && t.path == "/v1/messages")
    s.metrics.get_counter(metric_names::ingest_rejected_total, "Ingest requests refused, by reason.", {{"reason", c.reason}})
        .inc();
  s.metrics
      .get_counter(
          metric_names::http_requests_total, "API requests by party and status.",
          {{"party", who.party ? who.party->id : std::string("unknown")}, {"status", std::to_string(res.result_int())}})
      .inc();
  co_return res;
}

}  // namespace jubes::gateway::detail
