// SPDX-License-Identifier: EUPL-1.2
#include "gateway/error_map.hpp"

#include <array>

#include "codecs/errc.hpp"
#include "common/error_category.hpp"
#include "gateway/errc.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway {

namespace {

constexpr auto info = errc_info::of<errc>;

// Each code once: its stable name and its message.
constexpr std::array codes{
    info(errc::unknown_party, "unknown_party", "the client certificate names no party"),
    info(errc::role_not_allowed, "role_not_allowed", "the party's role may not use this endpoint"),
    info(errc::type_not_allowed, "type_not_allowed", "the party may not send this message type"),
    info(errc::zender_mismatch, "zender_mismatch", "the zender of the message is not the sending party"),
    info(errc::unsupported_media_type, "unsupported_media_type", "the request body is not XML (Content-Type)"),
    info(errc::rate_limited, "rate_limited", "the party is over its request rate"),
    info(errc::overloaded, "overloaded", "the gateway is overloaded, retry later"),
    info(errc::not_found, "not_found", "not found"),
    info(errc::gone, "gone", "the message body was purged by retention"),
    info(errc::method_not_allowed, "method_not_allowed", "method not allowed"),
    info(errc::bad_request, "bad_request", "bad request"),
    info(errc::referentienummer_reused, "referentienummer_reused", "Combinatie zender en referentienummer niet uniek"),
    info(errc::draining, "draining", "the gateway is shutting down, retry later"),
    info(errc::config_invalid, "config_invalid", "the configuration is refused"),
    info(errc::implausible, "implausible", "the dates of the notice are implausible"),
};

}  // namespace

const boost::system::error_category& gateway_category() noexcept {
  static const table_category c("jubes.gateway", codes, "unknown gateway error");
  return c;
}

namespace {
/// What a code means to the client: status, StUF code, whose fault, Retry-After.
struct fault_kind {
  unsigned status;
  const char* stuf_code;
  const char* plek;
  unsigned retry_after_s;
};
constexpr fault_kind client(unsigned status, const char* code) {
  return {status, code, "client", 0};
}
constexpr fault_kind server(unsigned status, const char* code, unsigned retry = 0) {
  return {status, code, "server", retry};
}

fault_kind of_codecs(codecs::errc e) {
  switch (e) {
    case codecs::errc::not_well_formed:
    case codecs::errc::dtd_forbidden:
    case codecs::errc::too_deep:
    case codecs::errc::too_many_attributes:
    case codecs::errc::text_too_large:
      return client(400, "StUF001");
    case codecs::errc::schema_invalid:
    case codecs::errc::semantic_invalid:
    case codecs::errc::unknown_root:
      return client(400, "StUF055");
    case codecs::errc::too_large:
      return client(413, "StUF001");
    case codecs::errc::unsupported_encoding:
      return client(415, "StUF001");
    case codecs::errc::internal:
    case codecs::errc::schema_load_failed:
      break;
  }
  return server(500, "StUF058");
}

fault_kind of_storage(storage::errc e) {
  switch (e) {
    case storage::errc::store_full:
      return server(507, "StUF058");
    case storage::errc::not_found:
    case storage::errc::not_recipient:
      return client(404, "StUF064");
    case storage::errc::beyond_head:
    case storage::errc::invalid_argument:
    case storage::errc::unknown_reference:  // a correction's crossRefnummer names nothing of the sender
      return client(400, "StUF058");
    case storage::errc::already_superseded:  // a second correction of the same notice: refer to the latest
      return client(409, "StUF058");
    // Anything else is an outcome we cannot vouch for: the client retries, dedup absorbs it.
    default:
      return server(503, "StUF058", 1);
  }
}

fault_kind of_gateway(errc e) {
  switch (e) {
    case errc::unknown_party:
    case errc::role_not_allowed:
    case errc::type_not_allowed:
    case errc::zender_mismatch:
      return client(403, "StUF052");
    case errc::unsupported_media_type:
      return client(415, "StUF001");
    case errc::rate_limited:
      return server(429, "StUF058", 1);
    case errc::overloaded:
    case errc::draining:
      return server(503, "StUF058", 1);
    case errc::not_found:
      return client(404, "StUF064");
    case errc::gone:
      return client(410, "StUF064");
    case errc::method_not_allowed:
      return client(405, "StUF058");
    case errc::bad_request:
      return client(400, "StUF058");
    case errc::referentienummer_reused:
      return client(409, "StUF016");
    case errc::implausible:  // valid against the schema, but its dates cannot be true: like a semantic fault
      return client(400, "StUF055");
    case errc::config_invalid:
      break;
  }
  return server(500, "StUF058");
}
}  // namespace

http_fault map_error(const boost::system::error_code& ec) {
  const auto& cat = ec.category();
  fault_kind k = cat == codecs::codecs_category() ? of_codecs(static_cast<codecs::errc>(ec.value()))
                 : cat == storage::category()     ? of_storage(static_cast<storage::errc>(ec.value()))
                 : cat == gateway_category()      ? of_gateway(static_cast<errc>(ec.value()))
                                                  : server(500, "StUF058");
  http_fault f;
  f.status = k.status;
  f.stuf_code = k.stuf_code;
  f.plek = k.plek;
  f.retry_after_s = k.retry_after_s;
  f.text = ec.message();
  return f;
}

const char* error_name(const boost::system::error_code& ec) noexcept {
  const auto* t = dynamic_cast<const table_category*>(&ec.category());
  return t ? t->short_name(ec.value()) : "unknown";
}

}  // namespace jubes::gateway

namespace jubes::gateway {

refusal& refusal::about(const codecs::envelope& env) {
  ontvanger = codecs::zender_of(env);
  cross_ref = env.referentienummer;
  return *this;
}

fault_reply_parts fault_reply(const refusal& r, std::int64_t now_ms) {
  http_fault f = map_error(r.error.code);
  codecs::fault_reply_info info;
  info.code = f.stuf_code;
  info.plek = f.plek;
  info.omschrijving = r.error.detail.empty() ? std::move(f.text) : r.error.detail;
  info.details = r.details;
  info.line = r.line;
  info.column = r.column;
  info.element_path = r.element_path;
  info.tijdstip_bericht = codecs::stuf_timestamp(now_ms);
  info.zender = codecs::systeem{"JUSTID", "JUBES", "", ""};
  if (r.ontvanger) info.ontvanger = *r.ontvanger;
  info.cross_ref = r.cross_ref;
  return {f.status, r.retry_after_s ? r.retry_after_s : f.retry_after_s, f.stuf_code, codecs::encode_fo03(info)};
}

}  // namespace jubes::gateway
