// SPDX-License-Identifier: EUPL-1.2
// The operator endpoints under /v1/admin/ (the router shows them to operators only), except the
// parked ones (admin_parked.cpp). Content negotiated: JSON with `Accept: application/json` (what
// jubesctl asks for), plain text otherwise; never message contents.
#include <unistd.h>

#include <boost/json.hpp>

#include "../admin_view.hpp"
#include "../await_store.hpp"
#include "../owner.hpp"
#include "../wiring.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

void log_admin(const call& c, std::string_view action) {
  log::info("api", "admin", {{"party", c.who.party->id}, {"action", std::string(action)}});
}

response admin_reply(const call& c, unsigned status, const boost::json::value& json, std::string text) {
  if (wants_json(c.req[http::field::accept]))
    return make_response(status, boost::json::serialize(json) + "\n", "application/json", c.req.version(), true);
  return text_response(c, status, std::move(text));
}

response admin_refusal(const call& c, unsigned status, const std::string& cause) {
  return admin_reply(c, status, boost::json::object{{"error", cause}}, cause + "\n");
}

net::awaitable<response> handle_identity(services& s, call& c) {
  owner_record r;
  r.pid = static_cast<long>(::getpid());
  r.data_dir = canonical_dir(s.cfg.data_dir);
  r.backend = uses_postgresql(s.cfg) ? "postgresql" : "lmdb";
  auto j = to_json(r);
  j["version"] = version_line("jubesd");
  co_return admin_reply(c, 200, j,
                        "pid=" + std::to_string(r.pid) + " data_dir=" + r.data_dir + " backend=" + r.backend + "\n");
}

net::awaitable<response> handle_routes_reload(services& s, call& c) {
  log_admin(c, "routes/reload");
  auto snap = s.reload_routes();
  if (!snap) co_return admin_refusal(c, 400, "refused: " + snap.error().message());
  const auto& t = *(*snap)->table;
  co_return admin_reply(c, 200, boost::json::object{{"version", t.version()}, {"rules", t.rule_count()}},
                        "ok: routes version " + t.version() + "\n");
}

net::awaitable<response> handle_purge(services& s, call& c) {
  log_admin(c, "purge");
  auto* store = &s.store;
  auto submit = [store](store_done<storage::purge_result> done) { store->submit_purge(std::move(done)); };
  auto r = co_await await_store<storage::purge_result>(submit);
  if (!r) co_return fault_response(s, c, r.error());
  co_return admin_reply(c, 200, to_json(*r), storage::admin::to_text(*r));
}

net::awaitable<response> handle_stats(services& s, call& c) {
  log_admin(c, "stats");
  auto st = s.store.stats();
  if (!st) co_return fault_response(s, c, jubes::error(st.error()));
  co_return admin_reply(c, 200, to_json(*st), storage::admin::to_text(*st));
}

}  // namespace jubes::gateway::detail
