// SPDX-License-Identifier: EUPL-1.2
// The operator endpoints under /v1/admin/ (the router shows them to operators only), except the
// parked ones (admin_parked.cpp). Content negotiated: JSON with `Accept: application/json` (what
// jubesctl asks for), plain text otherwise; never message contents. Every action that changes
// state is audited with the operator's certificate identity and the reason given (`reason=` or the
// X-Jubes-Reason header; docs/api.md).
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <filesystem>

#include "../admin_view.hpp"
#include "../await_store.hpp"
#include "../owner.hpp"
#include "../wiring.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"
#include "storage/audit_chain.hpp"

namespace jubes::gateway::detail {

void log_admin(const call& c, std::string_view action) {
  log::info("api", "admin", {{"party", c.who.party->id}, {"action", std::string(action)}});
}

/// Who ordered this call and why: the operator's certificate party; `reason=` or X-Jubes-Reason.
storage::operator_action actor_of(const call& c) {
  storage::operator_action a;
  a.identity = c.who.party->id;
  if (const auto* q = c.query.get("reason"))
    a.reason = *q;
  else
    a.reason = std::string(c.req["X-Jubes-Reason"]);
  return a;
}

net::awaitable<std::string> audit_action(services& s, const call& c, storage::audit_kind kind, std::string what,
                                         std::uint64_t message_id) {
  auto by = actor_of(c);
  storage::audit_event e{kind, message_id, by.identity, storage::operator_detail(what, by.reason)};
  auto* store = &s.store;
  auto submit = [store, e](store_done<storage::audit_record> done) { store->submit_audit(e, std::move(done)); };
  auto r = co_await await_store<storage::audit_record>(submit);
  if (!r) {
    log::error("api", "audit_failed", {{"party", c.who.party->id}, {"error", r.error().message()}});
    co_return "NOT AUDITED: " + r.error().message() + "\n";
  }
  co_return std::string();
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
  const std::string what = snap ? "routes version " + (*snap)->table->version() : "refused: " + snap.error().message();
  std::string not_audited = co_await audit_action(s, c, storage::audit_kind::routes_reloaded, "routes reload: " + what);
  if (!snap)
    co_return admin_refusal(c, 400,
                            "refused: " + snap.error().message() + (not_audited.empty() ? "" : "; " + not_audited));
  const auto& t = *(*snap)->table;
  co_return admin_reply(
      c, not_audited.empty() ? 200 : 500,
      boost::json::object{{"version", t.version()}, {"rules", t.rule_count()}, {"audited", not_audited.empty()}},
      "ok: routes version " + t.version() + "\n" + not_audited);
}

/// A backup copies the whole store (seconds to minutes): it runs on the background thread, not on this IO thread,
/// whose other connections it would stall, nor on the validation pool, whose large bodies it would. api::close()
/// joins that thread before it closes the store, so a backup running at shutdown finishes first.
static net::awaitable<jubes::result<void>> backup_off_io(services& s, const std::string& dir) {
  if (!s.background) co_return s.store.backup(dir);
  auto work = [&s, d = dir]() -> net::awaitable<jubes::result<void>> { co_return s.store.backup(d); };
  auto op = net::co_spawn(*s.background, std::move(work), net::use_awaitable);
  co_return co_await std::move(op);
}

net::awaitable<response> handle_backup(services& s, call& c) {
  log_admin(c, "backup");
  const auto* dir = c.query.get("dir");
  if (!dir || dir->empty() || !std::filesystem::path(*dir).is_absolute())
    co_return admin_refusal(c, 400, "give dir=ABSOLUTE_PATH (on the gateway's host)");
  const std::string target = *dir;
  auto r = co_await backup_off_io(s, target);
  const std::string what = "backup " + *dir + (r ? "" : " failed: " + r.error().message());
  std::string not_audited = co_await audit_action(s, c, storage::audit_kind::backup_taken, what);
  if (!r) co_return fault_response(s, c, jubes::error(r.error()));
  co_return admin_reply(c, not_audited.empty() ? 200 : 500,
                        boost::json::object{{"dir", *dir}, {"audited", not_audited.empty()}},
                        "backup written to " + *dir + "\n" + not_audited);
}

net::awaitable<response> handle_audit_list(services& s, call& c) {
  log_admin(c, "audit");
  storage::audit_filter f;
  f.limit = 1000;
  std::uint64_t n = 0;
  if (const auto* v = c.query.get("message"); v && !parse_u64(*v, f.message_id))
    co_return text_response(c, 400, "message: not a number\n");
  if (const auto* v = c.query.get("party")) f.party = *v;
  if (const auto* v = c.query.get("since"); v && !storage::audit_chain::parse_iso8601(*v, f.since_ms))
    co_return text_response(c, 400, "since: not an ISO-8601 time\n");
  if (const auto* v = c.query.get("until"); v && !storage::audit_chain::parse_iso8601(*v, f.until_ms))
    co_return text_response(c, 400, "until: not an ISO-8601 time\n");
  if (const auto* v = c.query.get("limit")) {
    if (!parse_u64(*v, n) || n == 0 || n > 100000) co_return text_response(c, 400, "limit: 1 to 100000\n");
    f.limit = n;
  }
  auto rows = storage::audit_chain::list(s.store, f);
  if (!rows) co_return fault_response(s, c, jubes::error(rows.error()));
  co_return make_response(200, storage::audit_chain::to_json(*rows) + "\n", "application/json", c.req.version(), true);
}

net::awaitable<response> handle_purge(services& s, call& c) {
  log_admin(c, "purge");
  auto* store = &s.store;
  auto submit = [store](store_done<storage::purge_result> done) { store->submit_purge(std::move(done)); };
  auto r = co_await await_store<storage::purge_result>(submit);
  if (!r) co_return fault_response(s, c, r.error());
  std::string text = storage::admin::to_text(*r);
  // Retention runs in several transactions (bounded batches): the order is audited after them.
  std::string not_audited =
      co_await audit_action(s, c, storage::audit_kind::purge_ordered, "purge: " + text.substr(0, text.find('\n')));
  auto j = to_json(*r);
  if (auto* o = j.if_object()) (*o)["audited"] = not_audited.empty();
  co_return admin_reply(c, not_audited.empty() ? 200 : 500, j, text + not_audited);
}

net::awaitable<response> handle_keys_rotate(services& s, call& c) {
  log_admin(c, "keys/rotate");
  // The KEK is read again: the one in the configured file is the one the new key is wrapped under.
  auto ar = at_rest_options(s.cfg);
  if (!ar) co_return admin_refusal(c, 409, "refused: " + ar.error().message());
  if (!ar->kek) co_return admin_refusal(c, 409, "refused: no key-encryption key configured");
  const bool reencrypt = c.query.get("reencrypt") != nullptr;
  auto id = s.store.rotate_key(*ar->kek, reencrypt);
  const std::string what = id ? "data key " + std::to_string(*id) + " active" + (reencrypt ? ", re-encrypting" : "")
                              : "keys rotate refused: " + id.error().message();
  std::string not_audited = co_await audit_action(s, c, storage::audit_kind::keys_rotated, what);
  if (!id) co_return admin_refusal(c, 409, "refused: " + id.error().message());
  co_return admin_reply(
      c, not_audited.empty() ? 200 : 500,
      boost::json::object{{"key_id", *id}, {"reencrypt", reencrypt}, {"audited", not_audited.empty()}},
      "data key " + std::to_string(*id) + " is now active for new messages" +
          (reencrypt ? "; older bodies are being re-encrypted in the background\n" : "\n") + not_audited);
}

net::awaitable<response> handle_stats(services& s, call& c) {
  log_admin(c, "stats");
  auto st = s.store.stats();
  if (!st) co_return fault_response(s, c, jubes::error(st.error()));
  co_return admin_reply(c, 200, to_json(*st), storage::admin::to_text(*st));
}

}  // namespace jubes::gateway::detail
