// SPDX-License-Identifier: EUPL-1.2
// jubesctl tls reload: asks the gateway that owns the data directory to re-read its certificate,
// key, CA bundle and CRL (POST /v1/admin/tls/reload, as SIGHUP does). With no gateway running it
// says whether the configured files would load at the next start.
#include <boost/json.hpp>

#include "ctl_context.hpp"
#include "tls.hpp"
#include "tls_rotation.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;

outcome cmd_tls_reload(context& c, args& a) {
  a.exactly(0, "tls reload");
  if (c.locate() == context::target::gateway) {
    auto [status, j] = c.admin("POST", "/v1/admin/tls/reload");
    std::string text;
    if (status == 200) text = "ok: " + std::string(j.at("loaded").as_string()) + "\n";
    return from_gateway(status, j, text);
  }
  auto ctx = detail::make_server_context(c.cfg());
  if (!ctx) return failure(failed, "jubesd is not running, and the TLS files are refused: " + ctx.error().message());
  const std::string facts = detail::describe(detail::facts_of(*ctx));
  return success(json::object{{"running", false}, {"loaded", facts}},
                 "jubesd is not running; the TLS files load (" + facts + ") and will be used at the next start\n");
}

}  // namespace jubes::gateway::ctl
