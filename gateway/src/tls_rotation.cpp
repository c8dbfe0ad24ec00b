// SPDX-License-Identifier: EUPL-1.2
#include "tls_rotation.hpp"

#include <ctime>

#include "common/log.hpp"
#include "common/metric_names.hpp"
#include "preauth.hpp"
#include "reidentify.hpp"

namespace jubes::gateway::detail {
namespace ssl = boost::asio::ssl;

namespace {
constexpr std::string_view kComponent = "tls";
constexpr std::string_view kExpiryHelp =
    "Unix time of notAfter of the API listener's certificate (server) and of the earliest CA certificate of "
    "tls.ca (ca).";

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

std::string describe(const certificate_facts& f) {
  return "server certificate " + printable(f.server_subject) + " serial " + f.server_serial + " not after " +
         utc(f.server_not_after) + "; " + std::to_string(f.ca_certificates) +
         " CA certificate(s), earliest not after " + utc(f.ca_not_after) + (f.crl ? "; CRL loaded" : "");
}

tls_contexts::tls_contexts(const config& cfg, registry& metrics, identity_epoch* epoch)
    : cfg_(cfg),
      metrics_(metrics),
      epoch_(epoch),
      reloads_(metrics.get_counter(metric_names::tls_reloads_total,
                                   "TLS reloads (SIGHUP, POST /v1/admin/tls/reload) that took new files.")),
      failures_(metrics.get_counter(metric_names::tls_reload_failures_total,
                                    "TLS reloads refused (a bad file); the previous certificates keep serving.")),
      server_expiry_(metrics.get_gauge(metric_names::tls_certificate_expiry_timestamp_seconds, kExpiryHelp,
                                       {{"certificate", "server"}})),
      ca_expiry_(metrics.get_gauge(metric_names::tls_certificate_expiry_timestamp_seconds, kExpiryHelp,
                                   {{"certificate", "ca"}})) {}

jubes::result<void> tls_contexts::load() {
  auto ctx = make_server_context(cfg_);
  if (!ctx) return ctx.error();
  publish(std::make_shared<ssl::context>(std::move(*ctx)));
  return {};
}

std::shared_ptr<ssl::context> tls_contexts::current() const {
  std::lock_guard lk(mu_);
  return ctx_;
}

void tls_contexts::publish(std::shared_ptr<ssl::context> ctx) {
  auto f = facts_of(*ctx);
  server_expiry_.set(static_cast<double>(f.server_not_after));
  ca_expiry_.set(static_cast<double>(f.ca_not_after));
  {
    std::lock_guard lk(mu_);
    ctx_ = std::move(ctx);  // the old context lives on in the sessions that still hold it
  }
  log::info(kComponent, "tls_loaded",
            {{"server_subject", printable(f.server_subject)},
             {"server_serial", f.server_serial},
             {"server_not_after", utc(f.server_not_after)},
             {"ca_certificates", f.ca_certificates},
             {"ca_not_after", utc(f.ca_not_after)},
             {"crl", f.crl ? "loaded" : "none"}});
}

jubes::result<std::string> tls_contexts::reload(std::string_view trigger) {
  std::lock_guard lk(reload_mu_);
  auto ctx = make_server_context(cfg_);
  if (!ctx) {
    // Logged before it is counted: whoever sees the counter move finds the line.
    log::error(kComponent, "tls_reload_refused", {{"trigger", trigger}, {"reason", ctx.error().message()}});
    failures_.inc();
    return ctx.error();
  }
  auto next = std::make_shared<ssl::context>(std::move(*ctx));
  auto f = facts_of(*next);
  publish(std::move(next));
  if (epoch_) epoch_->bump();  // after publish(): a connection that sees the new epoch finds the new context
  log::info(kComponent, "tls_reloaded", {{"trigger", trigger}});
  reloads_.inc();
  return describe(f);
}

}  // namespace jubes::gateway::detail
