// SPDX-License-Identifier: EUPL-1.2
#include "request_log.hpp"

#include <cstdio>
#include <vector>

#include "common/log.hpp"

namespace jubes::gateway::detail {

namespace {
constexpr std::string_view kComponent = "api";

std::string_view cut(std::string_view s) {
  return s.substr(0, kMaxLoggedPath);
}

// 5xx: the gateway could not serve a valid request (store full, overloaded): worth a warning.
log::level level_of(unsigned status) {
  return status >= 500 ? log::level::warn : log::level::info;
}
}  // namespace

request_log::request_log(bool access_log, std::chrono::milliseconds summary_interval)
    : access_(access_log),
      unauthenticated_(summary_interval),
      rate_limited_(summary_interval),
      tls_refused_(summary_interval) {
  auto start = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx-", static_cast<unsigned long long>(start.count()));
  id_prefix_ = buf;
}

std::string request_log::next_id() {
  return id_prefix_ + std::to_string(next_.fetch_add(1, std::memory_order_relaxed));
}

void request_log::record(const request_record& r) {
  if (r.status >= 400)
    rejected(r);
  else if (access_)
    accepted(r);
}

void request_log::rejected(const request_record& r) {
  auto lvl = level_of(r.status);
  if (!log::enabled(lvl)) return;
  // The two classes no token bucket bounds: one line per interval, the rest counted by caller.
  std::string suppressed;
  if (r.party.empty() || r.status == 429) {
    auto& summary = r.party.empty() ? unauthenticated_ : rate_limited_;
    auto counts = summary.record(r.party.empty() ? r.reason : r.party);
    if (!counts) return;
    suppressed = std::move(*counts);
  }
  std::vector<log::field> fields{{"request_id", r.request_id},
                                 {"party", r.party},
                                 {"subject", r.subject},
                                 {"method", r.method},
                                 {"path", cut(r.path)},
                                 {"status", r.status},
                                 {"stuf_code", r.stuf_code},
                                 {"reason", r.reason},
                                 {"referentienummer", r.referentienummer},
                                 {"duration_us", r.duration.count()}};
  // `since_last`: this class's rejections since its previous line, this one included, by error name
  // (no party) or by party (429).
  if (!suppressed.empty()) fields.emplace_back("since_last", suppressed);
  log::write(lvl, kComponent, "request_rejected", fields);
}

void request_log::handshake_refused(const handshake_refusal& r) {
  if (!log::enabled(log::level::info)) return;
  auto counts = tls_refused_.record(r.reason);
  if (!counts) return;
  log::info(kComponent, "tls_client_refused",
            {{"peer", r.peer},
             {"reason", r.reason},
             {"subject", printable(r.subject)},
             {"issuer", printable(r.issuer)},
             {"verify_error", r.verify_error},
             {"since_last", *counts}});
}

void request_log::accepted(const request_record& r) {
  if (!log::enabled(log::level::info)) return;
  log::info(kComponent, "request",
            {{"request_id", r.request_id},
             {"party", r.party},
             {"method", r.method},
             {"path", cut(r.path)},
             {"status", r.status},
             {"referentienummer", r.referentienummer},
             {"bytes_in", r.bytes_in},
             {"bytes_out", r.bytes_out},
             {"duration_us", r.duration.count()}});
}

}  // namespace jubes::gateway::detail
