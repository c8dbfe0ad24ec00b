// SPDX-License-Identifier: EUPL-1.2
#include "ctl_tls.hpp"

#include "tls.hpp"
#include "tls_rotation.hpp"

namespace jubes::gateway::detail {

int ctl_tls_reload(const config& cfg, client& operator_client, std::ostream& out, std::ostream& err) {
  auto r = operator_client.request("POST", "/v1/admin/tls/reload", "", "text/plain");
  if (!r) {
    // Nothing to reload; the operator still learns whether the files are good.
    auto ctx = make_server_context(cfg);
    err << "jubesctl: cannot reach jubesd at " << cfg.listen.text() << ": " << r.error().message() << "; "
        << (ctx ? "the TLS files would load: " + describe(facts_of(*ctx))
                : "the TLS files are refused: " + ctx.error().message())
        << "\n";
    return 1;
  }
  out << r->body;
  if (!r->body.empty() && r->body.back() != '\n') out << "\n";
  if (r->status >= 300) {
    err << "jubesctl: tls reload: HTTP " << r->status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace jubes::gateway::detail
