#include "gateway/error_map.hpp"

#include "codecs/errc.hpp"
#include "gateway/errc.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway {

namespace {
class category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "jubes.gateway"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unknown_party:
        return "the client certificate names no party";
      case errc::role_not_allowed:
        return "the party's role may not use this endpoint";
      case errc::type_not_allowed:
        return "the party may not send this message type";
      case errc::zender_mismatch:
        return "the zender of the message is not the sending party";
      case errc::unsupported_media_type:
        return "the request body is not XML (Content-Type)";
      case errc::rate_limited:
        return "the party is over its request rate";
      case errc::overloaded:
        return "the gateway is overloaded, retry later";
      case errc::not_found:
        return "not found";
      case errc::gone:
        return "the message body was purged by retention";
      case errc::method_not_allowed:
        return "method not allowed";
      case errc::bad_request:
        return "bad request";
      case errc::referentienummer_reused:
        return "Combinatie zender en referentienummer niet uniek";
      case errc::draining:
        return "the gateway is shutting down, retry later";
      case errc::config_invalid:
        return "the configuration is refused";
    }
    return "unknown gateway error";
  }
};
}  // namespace

const boost::system::error_category& gateway_category() noexcept {
  static const category_impl c;
  return c;
}

http_fault map_error(const boost::system::error_code& ec) {
  http_fault f;
  f.text = ec.message();
  auto client = [&](unsigned status, const char* code) {
    f.status = status;
    f.stuf_code = code;
    f.plek = "client";
  };
  auto server = [&](unsigned status, const char* code, unsigned retry) {
    f.status = status;
    f.stuf_code = code;
    f.plek = "server";
    f.retry_after_s = retry;
  };
  if (ec.category() == codecs::codecs_category()) {
    switch (static_cast<codecs::errc>(ec.value())) {
      case codecs::errc::not_well_formed:
      case codecs::errc::dtd_forbidden:
      case codecs::errc::too_deep:
      case codecs::errc::too_many_attributes:
      case codecs::errc::text_too_large:
        client(400, "StUF001");
        break;
      case codecs::errc::schema_invalid:
      case codecs::errc::semantic_invalid:
      case codecs::errc::unknown_root:
        client(400, "StUF055");
        break;
      case codecs::errc::too_large:
        client(413, "StUF001");
        break;
      case codecs::errc::unsupported_encoding:
        client(415, "StUF001");
        break;
      case codecs::errc::internal:
      case codecs::errc::schema_load_failed:
        server(500, "StUF058", 0);
        break;
    }
    return f;
  }
  if (ec.category() == storage::category()) {
    switch (static_cast<storage::errc>(ec.value())) {
      case storage::errc::store_full:
        server(507, "StUF058", 0);
        break;
      case storage::errc::not_found:
      case storage::errc::not_recipient:
        client(404, "StUF064");
        break;
      case storage::errc::beyond_head:
      case storage::errc::invalid_argument:
        client(400, "StUF058");
        break;
      // Anything else is an outcome we cannot vouch for: the client retries, dedup absorbs it.
      default:
        server(503, "StUF058", 1);
        break;
    }
    return f;
  }
  if (ec.category() == gateway_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::unknown_party:
      case errc::role_not_allowed:
      case errc::type_not_allowed:
      case errc::zender_mismatch:
        client(403, "StUF052");
        break;
      case errc::unsupported_media_type:
        client(415, "StUF001");
        break;
      case errc::rate_limited:
        server(429, "StUF058", 1);
        break;
      case errc::overloaded:
      case errc::draining:
        server(503, "StUF058", 1);
        break;
      case errc::not_found:
        client(404, "StUF064");
        break;
      case errc::gone:
        client(410, "StUF064");
        break;
      case errc::method_not_allowed:
        client(405, "StUF058");
        break;
      case errc::bad_request:
        client(400, "StUF058");
        break;
      case errc::referentienummer_reused:
        client(409, "StUF016");
        break;
      case errc::config_invalid:
        server(500, "StUF058", 0);
        break;
    }
    return f;
  }
  server(500, "StUF058", 0);
  return f;
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
  return {f.status, r.retry_after_s ? r.retry_after_s : f.retry_after_s, codecs::encode_fo03(info)};
}

}  // namespace jubes::gateway
