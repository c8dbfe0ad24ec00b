// SPDX-License-Identifier: EUPL-1.2
// The operator endpoints for parked messages: list, show one (metadata, candidates, history; never
// its content), re-route with the current table, assign to a named recipient, close with a reason.
// Assign and close are recorded in the audit trail with the operator's party and the reason.
#include <boost/json.hpp>

#include "../admin_view.hpp"
#include "../await_store.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

net::awaitable<response> handle_parked_list(services& s, call& c) {
  log_admin(c, "parked");
  auto p = storage::admin::parked_list(s.store);
  if (!p) co_return fault_response(s, c, jubes::error(p.error()));
  co_return admin_reply(c, 200, to_json(*p), storage::admin::to_text(*p));
}

net::awaitable<response> handle_parked_show(services& s, call& c) {
  log_admin(c, "parked/show");
  auto v = parked_show(s.store, s.pipe, c.id);
  if (!v) co_return fault_response(s, c, v.error());
  if (!*v) co_return admin_refusal(c, 404, "parked message " + std::to_string(c.id) + ": not found");
  co_return admin_reply(c, 200, to_json(**v), to_text(**v));
}

net::awaitable<response> handle_parked_reroute(services& s, call& c) {
  log_admin(c, "parked/reroute");
  std::optional<std::uint64_t> only_id;
  if (auto* v = c.query.get("id")) {
    if (!parse_u64(*v, only_id.emplace())) co_return admin_refusal(c, 400, "id: not a number");
  } else if (!c.query.get("all")) {
    co_return admin_refusal(c, 400, "give id=N or all=1");
  }
  auto plan = s.pipe.plan_reroute(s.store, only_id);
  if (!plan) co_return fault_response(s, c, plan.error());
  plan->by = actor_of(c);
  auto* store = &s.store;
  auto steps = std::make_shared<reroute_plan>(std::move(*plan));
  auto submit = [store, steps](store_done<reroute_report> done) {
    pipeline::reroute(*store, std::move(*steps), [done](reroute_report r) { done(std::move(r)); });
  };
  auto report = co_await await_store<reroute_report>(submit);
  // 409: some failed; 200 otherwise (jubesctl reads still_parked for its exit code).
  co_return admin_reply(c, report->failed ? 409 : 200, to_json(*report), std::move(report->text));
}

/// POST /v1/admin/parked/{id}/assign?to=RECIPIENT&reason=TEXT and .../close?reason=TEXT
net::awaitable<response> decide_parked(services& s, call& c, storage::park_decision::action act) {
  const bool assign = act == storage::park_decision::action::assign;
  log_admin(c, assign ? "parked/assign" : "parked/close");
  storage::park_decision d;
  d.message_id = c.id;
  d.act = act;
  d.operator_party = c.who.party->id;
  d.reason = actor_of(c).reason;
  if (d.reason.empty()) co_return admin_refusal(c, 400, "reason: give the reason for the record");
  if (assign) {
    if (auto* to = c.query.get("to")) d.recipient = *to;
    if (!assignable(s.cfg, s.pipe, d.recipient))
      co_return admin_refusal(c, 400, "to: '" + d.recipient + "' is not a configured recipient or a municipality");
    auto m = s.store.get(c.id);
    if (m && *m) {
      if (auto gap = projection_gap(s.pipe, d.recipient, (*m)->message_type); !gap.empty())
        co_return admin_refusal(c, 400, "to: " + gap);
      d.deadline = s.pipe.deadline_of(**m);  // from the message's own dates, as at ingest
    }
  }
  auto* store = &s.store;
  auto submit = [store, d](store_done<bool> done) { store->submit_park_decision(d, std::move(done)); };
  auto r = co_await await_store<bool>(submit);
  if (!r) {
    if (r.error() == storage::errc::not_found)
      co_return admin_refusal(c, 404, "parked message " + std::to_string(c.id) + ": not found");
    if (r.error() == storage::errc::not_parked)
      co_return admin_refusal(c, 409, "message " + std::to_string(c.id) + " is no longer parked (decided otherwise)");
    if (r.error() == storage::errc::invalid_argument) co_return admin_refusal(c, 400, r.error().message());
    co_return fault_response(s, c, r.error());
  }
  co_return admin_reply(c, 200, to_json(d, *r), to_text(d, *r));
}

net::awaitable<response> handle_parked_assign(services& s, call& c) {
  co_return co_await decide_parked(s, c, storage::park_decision::action::assign);
}

net::awaitable<response> handle_parked_close(services& s, call& c) {
  co_return co_await decide_parked(s, c, storage::park_decision::action::close);
}

}  // namespace jubes::gateway::detail
