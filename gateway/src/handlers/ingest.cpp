// SPDX-License-Identifier: EUPL-1.2
// POST /v1/messages: validate → authorise → route (the pipeline), then commit (the store), then
// the Bv03 receipt (201 new, 200 repeat) or an Fo03 through the one fault mapping.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <cctype>
#include <chrono>

#include "../await_store.hpp"
#include "codecs/errc.hpp"
#include "common/metric_names.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway::detail {

namespace {

bool is_xml_content_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string lower(ct);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/xml" || lower == "text/xml") return true;
  return lower.size() > 4 && lower.ends_with("+xml") && lower.find('/') != std::string::npos;
}

/// The jubes_ingest_rejected_total{reason} label of a refusal by the pipeline.
std::string reason_of(const refusal& r) {
  const auto& ec = r.error.code;
  if (ec.category() == codecs::codecs_category()) return codecs::to_string(static_cast<codecs::errc>(ec.value()));
  if (ec == errc::zender_mismatch) return "zender";
  if (ec == errc::bad_request) return "invalid";
  return "forbidden";
}

/// The jubes_ingest_rejected_total{reason} label of a store error (the reply itself comes from error_map).
std::string store_reason(const jubes::error& e) {
  if (e == storage::errc::overloaded || e == storage::errc::closed) return "overloaded";
  if (e == storage::errc::store_full) return "store_full";
  if (e == storage::errc::invalid_argument || e == storage::errc::unknown_reference) return "invalid";
  if (e == storage::errc::already_superseded) return "conflict";
  return "io_error";
}

/// The reply to a committed (or refused) store request.
response store_reply(services& s, call& c, const admitted& a, const jubes::result<storage::ingest_result>& r,
                     std::chrono::steady_clock::time_point started) {
  if (!r) {
    c.reason = store_reason(r.error());
    return fault_response(s, c, refusal(r.error()).about(a.env));
  }
  switch (r->outcome) {
    case storage::ingest_outcome::accepted:
    case storage::ingest_outcome::duplicate: {
      bool dup = r->outcome == storage::ingest_outcome::duplicate;
      codecs::receipt_info ri;
      ri.message_id = std::to_string(r->rcpt.message_id);
      ri.tijdstip_bericht = codecs::stuf_timestamp(r->rcpt.accepted_at_ms);
      ri.zender = codecs::systeem{"JUSTID", "JUBES", "", ""};
      ri.ontvanger = codecs::zender_of(a.env);
      ri.cross_ref = r->rcpt.referentienummer;
      auto res = xml_response(c, dup ? 200 : 201, codecs::encode_bv03(ri));
      res.set(http::field::location, "/v1/messages/" + ri.message_id);
      if (dup) {
        s.counters.duplicates.inc();
        return res;
      }
      accepted_counter(s.metrics, c.who).inc();
      if (a.parked) s.counters.parked.inc();
      if (a.partial) s.counters.partial.inc();
      if (a.request.unrouted) s.counters.unrouted.inc();
      s.counters.accept_latency.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      return res;
    }
    case storage::ingest_outcome::conflict: {
      c.reason = "conflict";
      refusal f(errc::referentienummer_reused);
      f.details = "referentienummer " + a.env.referentienummer +
                  " was used before by this zender for a message with other content";
      return fault_response(s, c, f.about(a.env));
    }
  }
  return fault_response(s, c, refusal(storage::errc::io_error).about(a.env));  // unreachable: every outcome is handled
}

/// The pipeline's admit: on this IO thread for a small body; for one of at least
/// limits.offload_body_bytes on the validation pool (services::validation), so that validating it
/// does not hold up small requests on this IO thread. The coroutine resumes on its own strand.
/// `body` is a named lvalue, moved from here (GCC 12: no non-trivial temporaries inside a co_await).
net::awaitable<admission<admitted>> admit_body(services& s, std::string& body, const party_config& party) {
  if (!s.validation || body.size() < s.cfg.limits.offload_body_bytes)
    co_return s.pipe.admit(std::move(body), party, s.now_ms());
  auto work = [&s, &party, b = std::move(body)]() mutable -> net::awaitable<admission<admitted>> {
    co_return s.pipe.admit(std::move(b), party, s.now_ms());
  };
  auto op = net::co_spawn(*s.validation, std::move(work), net::use_awaitable);
  co_return co_await std::move(op);
}

}  // namespace

net::awaitable<response> handle_ingest(services& s, call& c) {
  const auto& party = *c.who.party;
  auto started = std::chrono::steady_clock::now();
  if (party.role != party_role::source) {
    c.reason = "forbidden";
    co_return fault_response(s, c, errc::role_not_allowed);
  }
  if (!is_xml_content_type(c.req[http::field::content_type])) {
    c.reason = "media_type";
    co_return fault_response(s, c, errc::unsupported_media_type);
  }
  if (s.polls.draining()) {
    c.reason = "draining";
    co_return fault_response(s, c, errc::draining);
  }
  auto a = co_await admit_body(s, c.req.body(), party);
  if (!a) {
    c.reason = reason_of(a.error());
    co_return fault_response(s, c, a.error());
  }
  c.referentienummer = a->env.referentienummer;
  auto request = std::make_shared<storage::ingest_request>(std::move(a->request));
  auto* store = &s.store;
  auto submit = [store, request](store_done<storage::ingest_result> done) {
    store->submit(std::move(*request), std::move(done));
  };
  auto r = co_await await_store<storage::ingest_result>(submit);
  co_return store_reply(s, c, *a, r, started);
}

}  // namespace jubes::gateway::detail
