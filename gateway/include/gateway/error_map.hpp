#pragma once
// The ONE translation from an error_code (codecs, storage, gateway or anything else) to the HTTP
// status and the StUF-style fault of an Fo03 reply. Model: redpanda's map_produce_error_code.
#include <boost/system/error_code.hpp>
#include <string>

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

}  // namespace jubes::gateway
