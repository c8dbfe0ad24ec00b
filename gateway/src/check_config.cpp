// SPDX-License-Identifier: EUPL-1.2
// What start refuses, found without starting: `jubesd --check-config` and server start share these
// checks, so a configuration that --check-config calls OK does not fail at start.
#include <filesystem>

#include "common/recipient.hpp"
#include "gateway/config.hpp"
#include "gateway/errc.hpp"
#include "pgstore/pgstore.hpp"
#include "pipeline.hpp"
#include "wiring.hpp"

namespace jubes::gateway {

namespace detail {

jubes::result<void> check_parties(const config& cfg, const routing::gemeente_registry& gemeenten) {
  for (const auto& p : cfg.parties) {
    if (!is_municipality_name(p.id)) continue;
    auto code = std::string_view(p.id).substr(recipient::municipality_prefix.size(), 4);
    if (!gemeenten.exists(code))
      return jubes::fail(errc::config_invalid, p.origin + ": parties[].id: municipality code " + std::string(code) +
                                                   " of party '" + p.id + "' is not in gemeenten_file " +
                                                   cfg.gemeenten_file.string());
  }
  return {};
}

jubes::error located(const config& cfg, const jubes::error& e) {
  // The pipeline's detail starts with the key at fault ("routes_file: ..."): say where it was set.
  std::string msg = e.message();
  auto key = msg.substr(0, msg.find(':'));
  if (key == "routes_file" || key == "gemeenten_file" || key == "schemas")
    return jubes::error(e.code, cfg.where(key) + ": " + msg);
  return e;
}

}  // namespace detail

jubes::result<void> check_config(const config& cfg) {
  // The pipeline's open() is start's own loading of the municipality table, the schemas and the
  // routes file (with the lists it names) and its check of the parties: the same code, so the
  // same verdict.
  auto p = detail::pipeline::open(cfg);
  if (!p) return detail::located(cfg, p.error());
  // The PostgreSQL connection string is parsed, not used: the database may not be reachable
  // from where the configuration is checked.
  if (detail::uses_postgresql(cfg))
    if (auto c = pgstore::check_conninfo(cfg.store.postgresql_conninfo); !c)
      return jubes::fail(errc::config_invalid, cfg.where("store.postgresql.conninfo") +
                                                   ": store.postgresql.conninfo: " + c.error().message());
  return {};
}

std::vector<std::string> config_warnings(const config& cfg) {
  std::vector<std::string> out;
  if (!cfg.store.durable)
    out.push_back(cfg.where("store.durable") +
                  ": store.durable: false: commits are not fsynced; a receipt no longer means the message "
                  "survives a crash or power cut (tests only)");
  if (!cfg.ops_listen.loopback())
    out.push_back(cfg.where("ops_listen") + ": ops_listen: " + cfg.ops_listen.text() +
                  " is not a loopback address; the ops listener has no authentication");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(cfg.dashboard_dir / "index.html", ec))
    out.push_back(cfg.where("dashboard_dir") + ": dashboard_dir: no index.html in " + cfg.dashboard_dir.string() +
                  "; /dashboard will answer 404");
  return out;
}

}  // namespace jubes::gateway
