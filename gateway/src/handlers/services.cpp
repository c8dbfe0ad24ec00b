// SPDX-License-Identifier: EUPL-1.2
// What the handlers share: the reply builders, long polls, the counters and the routes reload.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/log.hpp"
#include "common/metric_names.hpp"
#include "handler.hpp"
#include "router.hpp"

namespace jubes::gateway::detail {

const std::string* query_map::get(std::string_view k) const {
  auto it = values.find(k);
  return it == values.end() ? nullptr : &it->second;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  out = std::stoull(std::string(s));
  return true;
}

// --- replies -----------------------------------------------------------------------------------

response make_response(unsigned status, std::string body, std::string_view content_type, unsigned version,
                       bool keep_alive) {
  response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "jubesd");
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

bool string_source::next(std::string& out) {
  if (done_) return false;
  done_ = true;
  if (out.empty())
    out.swap(s_);
  else
    out += s_;
  std::string().swap(s_);
  return true;
}

std::string drain_body(body_source& src) {
  std::string out;
  while (src.next(out)) {
  }
  return out;
}

response fault_response(const services& s, call& c, const refusal& r) {
  auto parts = fault_reply(r, s.now_ms());
  c.stuf_code = parts.stuf_code;
  c.fault = error_name(r.error.code);
  if (!r.cross_ref.empty()) c.referentienummer = r.cross_ref;
  auto res = xml_response(c, parts.status, std::move(parts.body));
  if (parts.retry_after_s) res.set(http::field::retry_after, std::to_string(parts.retry_after_s));
  return res;
}

response xml_response(const call& c, unsigned status, std::string body) {
  return make_response(status, std::move(body), "application/xml; charset=utf-8", c.req.version(), true);
}

response text_response(const call& c, unsigned status, std::string body) {
  return make_response(status, std::move(body), "text/plain; charset=utf-8", c.req.version(), true);
}

// --- long polls --------------------------------------------------------------------------------

struct long_polls::waiter {
  explicit waiter(net::any_io_executor e) : ex(e), timer(e) {}
  net::any_io_executor ex;
  net::steady_timer timer;
};

net::awaitable<void> long_polls::wait(storage::backend& store, const std::string& recipient, std::uint64_t after,
                                      std::chrono::seconds wait) {
  auto w = std::make_shared<waiter>(co_await net::this_coro::executor);
  w->timer.expires_after(wait);
  {
    std::lock_guard lk(mu_);
    waiters_.insert(w);
  }
  auto woken = std::make_shared<std::atomic<bool>>(false);
  auto token = store.watch(recipient, after, [w, woken] {
    woken->store(true);
    net::post(w->ex, [w] { w->timer.cancel(); });
  });
  // A drain that began before we registered would not have seen us.
  if (!woken->load() && !draining_) co_await w->timer.async_wait(net::as_tuple(net::use_awaitable));
  store.unwatch(token);
  std::lock_guard lk(mu_);
  waiters_.erase(w);
}

void long_polls::drain() {
  draining_ = true;
  std::lock_guard lk(mu_);
  for (const auto& w : waiters_) net::post(w->ex, [w] { w->timer.cancel(); });
}

// --- counters and reload -----------------------------------------------------------------------

namespace {
constexpr std::string_view kRequestsHelp =
    "API requests by party, status and endpoint (the route's pattern; other: no route matched).";
constexpr std::string_view kAcceptedHelp = "Messages accepted (201), by source party.";

counter& request_series(registry& m, const std::string& party, std::string_view endpoint, unsigned status) {
  return m.get_counter(metric_names::http_requests_total, kRequestsHelp,
                       {{"party", party}, {"status", std::to_string(status)}, {"endpoint", std::string(endpoint)}});
}
}  // namespace

counter& requests_counter(registry& m, const caller& who, std::string_view endpoint, unsigned status) {
  auto& slots = who.series.requests;
  for (auto& slot : slots)
    if (slot.c && slot.status == status && slot.endpoint == endpoint) return *slot.c;
  counter& c = request_series(m, who.party ? who.party->id : std::string("unknown"), endpoint, status);
  for (auto& slot : slots)
    if (!slot.c) {
      slot = {endpoint, status, &c};
      break;
    }
  return c;
}

void register_party_series(registry& m, const config& cfg, const router& routes) {
  for (const auto& p : cfg.parties) {
    if (p.role == party_role::source)
      m.get_counter(metric_names::ingest_accepted_total, kAcceptedHelp, {{"party", p.id}});
    for (const auto& r : routes.routes())
      if (!r.operator_only || p.role == party_role::operator_) request_series(m, p.id, r.pattern, r.ok_status);
  }
}

counter& accepted_counter(registry& m, const caller& who) {
  if (!who.series.accepted)
    who.series.accepted =
        &m.get_counter(metric_names::ingest_accepted_total, kAcceptedHelp, {{"party", who.party->id}});
  return *who.series.accepted;
}

api_counters::api_counters(registry& r)
    : accept_latency(r.get_histogram(metric_names::accept_latency_seconds,
                                     "Time from a complete ingest request to its durable receipt.",
                                     {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      duplicates(r.get_counter(metric_names::ingest_duplicates_total,
                               "Repeated messages answered with the original receipt (200).")),
      parked(r.get_counter(metric_names::ingest_parked_total, "Accepted messages no rule routed.")),
      partial(r.get_counter(metric_names::ingest_partial_total,
                            "Accepted messages delivered to some recipients and parked for a missing one.")),
      unrouted(r.get_counter(metric_names::ingest_unrouted_total,
                             "Accepted messages no rule routes that need no operator (not BIJ-worthy): not parked.")),
      entries_served(r.get_counter(metric_names::outbox_entries_served_total,
                                   "Outbox entries returned by polls (incl. repeats).")),
      entries_acked(r.get_counter(metric_names::outbox_acked_total, "Outbox entries acknowledged by recipients.")),
      route_reload_failures(r.get_counter(metric_names::route_reload_failures_total,
                                          "Route reloads refused (the old table keeps serving).")) {}

jubes::result<std::shared_ptr<const route_snapshot>> services::reload_routes() {
  auto snap = pipe.reload_routes();
  if (!snap) {
    log::error("api", "routes_refused", {{"file", cfg.routes_file.string()}, {"error", snap.error().message()}});
    counters.route_reload_failures.inc();
    return snap;
  }
  log::info("api", "routes_reloaded",
            {{"version", (*snap)->table->version()}, {"rules", (*snap)->table->rule_count()}});
  if (routes_reloaded) routes_reloaded();
  return snap;
}

}  // namespace jubes::gateway::detail
