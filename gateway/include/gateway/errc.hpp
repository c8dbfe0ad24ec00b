// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Error codes of the gateway itself (request refusals decided by the API layer), registered as a
// boost::system error-code enum so they share one error_code type with codecs::errc and
// storage::errc, and map_error() (error_map.hpp) turns any of them into one HTTP reply.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace jubes::gateway {

enum class errc {
  unknown_party = 1,        ///< the certificate names no configured party (403)
  role_not_allowed,         ///< the party's role may not use this endpoint (403)
  type_not_allowed,         ///< the party may not send this message type (403)
  zender_mismatch,          ///< the message's zender is not the party's configured zender (403)
  unsupported_media_type,   ///< POST body is not XML (415)
  rate_limited,             ///< the party is over its token-bucket rate (429)
  overloaded,               ///< the store's queue is full or the party has too many connections (503)
  not_found,                ///< no such resource, or one the party may not see (404, never 403)
  gone,                     ///< the message exists for this party but its body was purged (410)
  method_not_allowed,       ///< (405)
  bad_request,              ///< a bad query parameter or path (400)
  referentienummer_reused,  ///< same party and referentienummer, other content (409, StUF016)
  draining,                 ///< the gateway is shutting down (503)
  config_invalid,           ///< the configuration (or a file it names) is refused at start; never an HTTP reply
  implausible,              ///< a notice whose dates cannot be true (routing/plausibility.hpp): 400, StUF055
};

const boost::system::error_category& gateway_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), gateway_category()};
}

}  // namespace jubes::gateway

template <>
struct boost::system::is_error_code_enum<jubes::gateway::errc> : std::true_type {};
