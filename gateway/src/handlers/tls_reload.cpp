// SPDX-License-Identifier: EUPL-1.2
// POST /v1/admin/tls/reload (operators only): re-reads the API listener's certificate, key, CA
// bundle and CRL, as SIGHUP does (tls_rotation.hpp). New handshakes use the new files; open
// connections keep theirs. A bad file keeps the old ones: 400 with the reason naming the file.
// JSON with Accept: application/json ({"loaded": "..."}), text otherwise.
#include <boost/json/object.hpp>

#include "handler.hpp"

namespace jubes::gateway::detail {

net::awaitable<response> handle_tls_reload(services& s, call& c) {
  log_admin(c, "tls/reload");
  if (!s.reload_tls) co_return admin_refusal(c, 503, "refused: TLS reload is not available here");
  auto r = s.reload_tls();
  // A named string, not a temporary of a conditional expression, goes into co_await: GCC 12 frees
  // such a temporary twice in a coroutine (ASan: double-free).
  const std::string what = r ? *r : "tls reload refused: " + r.error().message();
  std::string not_audited = co_await audit_action(s, c, storage::audit_kind::tls_reloaded, what);
  if (!r) co_return admin_refusal(c, 400, "refused: " + r.error().message() + "; the previous certificates stay");
  co_return admin_reply(c, not_audited.empty() ? 200 : 500,
                        boost::json::object{{"loaded", *r}, {"audited", not_audited.empty()}},
                        "ok: " + *r + "\n" + not_audited);
}

}  // namespace jubes::gateway::detail
