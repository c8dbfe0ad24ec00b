// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The ONE translation from an error_code (codecs, storage, gateway or anything else) to the HTTP
// status and the StUF-style fault of an Fo03 reply. Model: redpanda's map_produce_error_code.
// Every fault reply of the API, the 409 StUF016 included, is built by fault_reply() below, so a
// status or a StUF code is decided here and nowhere else.
//
// Threading: pure functions, safe from any thread.
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "codecs/replies.hpp"
#include "common/result.hpp"

namespace jubes::gateway {

struct http_fault {
  unsigned status = 500;
  const char* stuf_code = "StUF058";  ///< StUF 03.01 fault code for the Fo03 body
  const char* plek = "server";        ///< "client": the input is at fault; "server": ours
  unsigned retry_after_s = 0;         ///< > 0: send Retry-After
  std::string text;                   ///< one line for the Fo03 omschrijving
};

/// Maps any error code to an HTTP reply.
/// - codecs: malformed/invalid → 400, too_large → 413, unsupported_encoding → 415, internal → 500
/// - storage: store_full → 507, overloaded → 503 + Retry-After, not_found/not_recipient → 404, any other
///   (an unknown outcome) → 503 + Retry-After, so the client retries and dedup absorbs the repeat
/// - gateway: see errc.hpp
/// - an unknown category → 500
/// @return the status, fault code, plek, Retry-After and a text
http_fault map_error(const boost::system::error_code& ec);

/// @return the short stable name of `ec` ("schema_invalid", "referentienummer_reused") for logs and
///         labels: the name in its library's error table, or "unknown" for a code of another category.
///         Never the detail text, which may quote the refused input.
const char* error_name(const boost::system::error_code& ec) noexcept;

/// A refused request, as the request path passes it around: the error (its code picks the status and
/// the StUF code through map_error(); its detail, when set, is the omschrijving) plus what the Fo03
/// tells the client beyond that: the message's own stuurgegevens once they are known, and where the
/// input is at fault. The ingest pipeline returns it instead of a bare jubes::error because a schema
/// fault without its line and column would be useless to the sender.
struct refusal {
  jubes::error error;
  std::string details;                       ///< Fo03 details (a longer text); empty: omitted
  std::optional<codecs::systeem> ontvanger;  ///< the refused message's zender, if it was parsed
  std::string cross_ref;                     ///< the refused message's referentienummer, if known
  std::uint64_t line = 0, column = 0;        ///< 0: no locatie
  std::string element_path;
  unsigned retry_after_s = 0;  ///< > 0: overrides map_error's Retry-After

  refusal() = default;
  refusal(jubes::error e) : error(std::move(e)) {}  // NOLINT: implicit, so `return errc::x;` works
  template <class E>
  requires boost::system::is_error_code_enum<E>::value refusal(E e, std::string detail = {})
      : error(e, std::move(detail)) {}  // NOLINT: as above
  /// Adds the stuurgegevens of the refused message. @return *this
  refusal& about(const codecs::envelope& env);
};

/// A complete fault reply: status, Retry-After (0: none) and the Fo03 body.
struct fault_reply_parts {
  unsigned status = 500;
  unsigned retry_after_s = 0;
  const char* stuf_code = "StUF058";  ///< the Fo03's StUF code (for the request log)
  std::string body;                   ///< Fo03, application/xml; charset=utf-8
};

/// Builds the reply of `r`: map_error(r.error.code) decides status, code and plek; the Fo03 names
/// the gateway as zender. @param now_ms the reply time (Unix milliseconds)
fault_reply_parts fault_reply(const refusal& r, std::int64_t now_ms);

}  // namespace jubes::gateway
