// SPDX-License-Identifier: EUPL-1.2
// POST /v1/admin/tls/reload (operators only): re-reads the API listener's certificate, key, CA
// bundle and CRL, as SIGHUP does (tls_rotation.hpp). New handshakes use the new files; open
// connections keep theirs. A bad file keeps the old ones: 400 with the reason naming the file.
#include "common/log.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

net::awaitable<response> handle_tls_reload(services& s, call& c) {
  log::info("api", "admin", {{"party", c.who.party->id}, {"action", "tls/reload"}});
  if (!s.reload_tls) co_return text_response(c, 503, "refused: TLS reload is not available here\n");
  auto r = s.reload_tls();
  if (!r) co_return text_response(c, 400, "refused: " + r.error().message() + "; the previous certificates stay\n");
  co_return text_response(c, 200, "ok: " + *r + "\n");
}

}  // namespace jubes::gateway::detail
