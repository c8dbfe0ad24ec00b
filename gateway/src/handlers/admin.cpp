// SPDX-License-Identifier: EUPL-1.2
// The operator endpoints under /v1/admin/ (the router shows them to operators only). Plain text
// replies, read by jubesctl; never message contents.
#include "storage/admin.hpp"

#include "../await_store.hpp"
#include "../wiring.hpp"
#include "common/log.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

namespace {
void log_admin(const call& c, std::string_view action) {
  log::info("api", "admin", {{"party", c.who.party->id}, {"action", std::string(action)}});
}
}  // namespace

net::awaitable<response> handle_routes_reload(services& s, call& c) {
  log_admin(c, "routes/reload");
  auto snap = s.reload_routes();
  if (!snap) co_return text_response(c, 400, "refused: " + snap.error().message() + "\n");
  co_return text_response(c, 200, "ok: routes version " + (*snap)->table->version() + "\n");
}

net::awaitable<response> handle_parked_list(services& s, call& c) {
  log_admin(c, "parked");
  auto p = storage::admin::parked_list(s.store);
  if (!p) co_return fault_response(s, c, jubes::error(p.error()));
  co_return text_response(c, 200, storage::admin::to_text(*p));
}

net::awaitable<response> handle_parked_reroute(services& s, call& c) {
  log_admin(c, "parked/reroute");
  std::optional<std::uint64_t> only_id;
  if (auto* v = c.query.get("id")) {
    if (!parse_u64(*v, only_id.emplace())) co_return text_response(c, 400, "id: not a number\n");
  } else if (!c.query.get("all")) {
    co_return text_response(c, 400, "give id=N or all=1\n");
  }
  auto plan = s.pipe.plan_reroute(s.store, only_id);
  if (!plan) co_return fault_response(s, c, plan.error());
  auto* store = &s.store;
  auto steps = std::make_shared<reroute_plan>(std::move(*plan));
  auto submit = [store, steps](store_done<reroute_report> done) {
    pipeline::reroute(*store, std::move(*steps), [done](reroute_report r) { done(std::move(r)); });
  };
  auto report = co_await await_store<reroute_report>(submit);
  co_return text_response(c, report->failed ? 409 : 200, std::move(report->text));
}

net::awaitable<response> handle_purge(services& s, call& c) {
  log_admin(c, "purge");
  auto* store = &s.store;
  auto submit = [store](store_done<storage::purge_result> done) { store->submit_purge(std::move(done)); };
  auto r = co_await await_store<storage::purge_result>(submit);
  if (!r) co_return fault_response(s, c, r.error());
  co_return text_response(c, 200, storage::admin::to_text(*r));
}

net::awaitable<response> handle_keys_rotate(services& s, call& c) {
  log_admin(c, "keys/rotate");
  // The KEK is read again: the one in the configured file is the one the new key is wrapped under.
  auto ar = at_rest_options(s.cfg);
  if (!ar) co_return text_response(c, 409, "refused: " + ar.error().message() + "\n");
  if (!ar->kek) co_return text_response(c, 409, "refused: no key-encryption key configured\n");
  const bool reencrypt = c.query.get("reencrypt") != nullptr;
  auto id = s.store.rotate_key(*ar->kek, reencrypt);
  if (!id) co_return text_response(c, 409, "refused: " + id.error().message() + "\n");
  co_return text_response(c, 200,
                          "data key " + std::to_string(*id) + " is now active for new messages" +
                              (reencrypt ? "; older bodies are being re-encrypted in the background\n" : "\n"));
}

net::awaitable<response> handle_stats(services& s, call& c) {
  log_admin(c, "stats");
  auto st = s.store.stats();
  if (!st) co_return fault_response(s, c, jubes::error(st.error()));
  co_return text_response(c, 200, storage::admin::to_text(*st));
}

}  // namespace jubes::gateway::detail
