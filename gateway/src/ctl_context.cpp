// SPDX-License-Identifier: EUPL-1.2
#include "ctl_context.hpp"

#include <pwd.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "ctl_audit.hpp"
#include "owner.hpp"
#include "pgstore/pgstore.hpp"
#include "storage/admin.hpp"
#include "wiring.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;
using detail::store_options;
using detail::uses_postgresql;

outcome success(json::value j, std::string text, int code) {
  outcome o;
  o.code = code;
  o.json = std::move(j);
  o.text = std::move(text);
  return o;
}

outcome failure(int code, std::string cause) {
  outcome o;
  o.code = code;
  o.error = std::move(cause);
  return o;
}

void stop_with(int code, std::string cause) {
  throw stop{failure(code, std::move(cause))};
}

bool args::flag(std::string_view name) {
  auto it = std::find(v_.begin(), v_.end(), name);
  if (it == v_.end()) return false;
  v_.erase(it);
  return true;
}

std::optional<std::string> args::option(std::string_view name) {
  auto it = std::find(v_.begin(), v_.end(), name);
  if (it == v_.end()) return std::nullopt;
  if (it + 1 == v_.end()) stop_with(usage, std::string(name) + " needs a value");
  std::string value = *(it + 1);
  v_.erase(it, it + 2);
  return value;
}

const std::vector<std::string>& args::exactly(std::size_t n, std::string_view synopsis) {
  for (const auto& a : v_)
    if (a.size() > 1 && a[0] == '-') stop_with(usage, "unknown option '" + a + "'; usage: " + std::string(synopsis));
  if (v_.size() != n) stop_with(usage, "usage: " + std::string(synopsis));
  return v_;
}

const config& context::cfg() {
  if (cfg_) return *cfg_;
  auto r = load_config(config_file, ov);
  if (!r) stop_with(failed, "configuration refused: " + r.error().message());
  cfg_ = std::move(*r);
  return *cfg_;
}

bool context::postgresql() {
  return uses_postgresql(cfg());
}

std::unique_ptr<storage::backend> context::open_readonly() {
  if (postgresql()) {
    auto po = detail::pg_options(cfg());
    if (!po) stop_with(failed, po.error().message());
    po->retention_interval = std::chrono::milliseconds(0);
    auto s = pgstore::store::open(*po);
    if (!s) stop_with(failed, "store (postgresql): " + s.error().message());
    return std::move(*s);
  }
  auto so = lmdb();
  auto s = storage::store::open_readonly(so.dir, storage::open_check::structure, so.at_rest);
  if (!s) stop_with(failed, "store " + so.dir.string() + ": " + s.error().message());
  return std::move(*s);
}

storage::options context::lmdb() {
  auto so = detail::lmdb_options(cfg());
  if (!so) stop_with(failed, so.error().message());
  return std::move(*so);
}

client context::operator_client(const std::string& host, std::uint16_t port) {
  client_options o;
  o.host = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  o.port = port;
  o.ca = cfg().tls_ca;
  o.cert = cfg().pki_dir / "clients" / "operator.crt";
  o.key = cfg().pki_dir / "clients" / "operator.key";
  o.timeout = std::chrono::seconds(120);
  o.accept = "application/json";
  return client(o);
}

/// Asks the gateway who it is: it must serve our data directory (and be the pid of the owner file).
void context::check_identity(const std::string& where, long pid) {
  auto r = gateway_->request("GET", "/v1/admin/identity", "", "text/plain");
  if (!r) stop_with(failed, "cannot reach jubesd at " + where + ": " + r.error().message());
  if (r->status != 200)
    stop_with(refused, "jubesd at " + where + " does not take the operator certificate (HTTP " +
                           std::to_string(r->status) + "); not acting on it");
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  auto id = ec ? jubes::result<detail::owner_record>(jubes::fail(ec)) : detail::owner_from_json(v);
  if (!id) stop_with(refused, "jubesd at " + where + " gave no identity: " + id.error().message());
  const std::string want_backend = postgresql() ? "postgresql" : "lmdb";
  if (id->backend != want_backend)
    stop_with(refused, "jubesd at " + where + " serves the " + id->backend + " backend, not " + want_backend);
  if (want_backend == "lmdb" && (id->data_dir != detail::canonical_dir(cfg().data_dir) || id->pid != pid))
    stop_with(refused, "jubesd at " + where + " (pid " + std::to_string(id->pid) + ") owns " + id->data_dir + ", not " +
                           detail::canonical_dir(cfg().data_dir) + "; not acting on it");
}

context::target context::locate() {
  if (gateway_) return target::gateway;
  if (postgresql()) {
    gateway_.emplace(operator_client(cfg().listen.host, cfg().listen.port));
    check_identity(cfg().listen.text(), 0);
    return target::gateway;
  }
  const auto dir = store_options(cfg()).dir;
  auto held = storage::admin::held(dir);
  if (!held) stop_with(failed, "store " + dir.string() + ": " + held.error().message());
  if (!*held) return target::store;
  auto owner = detail::read_owner(cfg().data_dir);
  if (!owner || !*owner)
    stop_with(refused, dir.string() + " is held by a process (flock on LOCK) that left no readable " +
                           (cfg().data_dir / detail::owner_file_name).string() + "; not acting on it");
  const auto& o = **owner;
  auto colon = o.api.rfind(':');
  unsigned long port = colon == std::string::npos ? 0 : std::strtoul(o.api.c_str() + colon + 1, nullptr, 10);
  if (port == 0 || port > 65535) stop_with(refused, "owner file names no API address: '" + o.api + "'");
  gateway_.emplace(operator_client(o.api.substr(0, colon), static_cast<std::uint16_t>(port)));
  check_identity(o.api, o.pid);
  return target::gateway;
}

std::unique_ptr<storage::store> context::open_exclusive() {
  auto so = lmdb();
  so.retention_interval = std::chrono::milliseconds(0);
  auto s = storage::store::open(so);
  if (!s && s.error() == storage::errc::locked)
    stop_with(refused, "jubesd started on " + so.dir.string() + " meanwhile; run the command again");
  if (!s) stop_with(failed, "store " + so.dir.string() + ": " + s.error().message());
  return std::move(*s);
}

std::pair<unsigned, json::value> context::admin(std::string_view method, const std::string& target) {
  std::string t = target;
  if (!reason.empty()) t += (t.find('?') == std::string::npos ? "?reason=" : "&reason=") + detail::pct_encode(reason);
  auto r = gateway_->request(method, t, "", "text/plain");
  if (!r) stop_with(failed, "cannot reach jubesd: " + r.error().message());
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  if (ec) v = json::object{{"error", "HTTP " + std::to_string(r->status) + ": " + r->body}};
  return {r->status, std::move(v)};
}

pipeline& context::pipe() {
  if (pipe_) return *pipe_;
  auto p = pipeline::open(cfg());
  if (!p) stop_with(failed, p.error().message());
  pipe_ = std::move(*p);
  return *pipe_;
}

std::string context::operator_name() const {
  return detail::os_identity();
}

outcome from_gateway(unsigned status, const json::value& j, const std::string& text) {
  if (status >= 200 && status < 300) return success(j, text);
  std::string cause = "HTTP " + std::to_string(status);
  if (const auto* o = j.if_object(); o && o->contains("error") && o->at("error").is_string())
    cause = std::string(o->at("error").as_string());
  return failure(status == 404 ? not_found : failed, cause);
}

}  // namespace jubes::gateway::ctl
