// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Error codes of the codecs library, registered as a boost::system error-code enum so that they travel
// in the same error_code type as Asio's and the gateway can map them to HTTP statuses in one place.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace jubes::codecs {

/// Why a document (or a schema) was refused. Values are stable: the gateway maps them to
/// HTTP statuses and StUF fault codes.
enum class errc {
  not_well_formed = 1,   ///< XML syntax error (400, StUF001)
  schema_invalid,        ///< valid XML, but the schema rejects it (400)
  semantic_invalid,      ///< schema-valid, but a check beyond the XSD fails: BSN, dates, gemeentecode (400)
  dtd_forbidden,         ///< the document has a DOCTYPE (400)
  too_large,             ///< body larger than limits::max_bytes (413)
  too_deep,              ///< element nesting deeper than limits::max_depth (400)
  too_many_attributes,   ///< an element with more than limits::max_attributes attributes (400)
  text_too_large,        ///< one text node larger than limits::max_text_bytes (400)
  unknown_root,          ///< no schema set of the catalog accepts/declares the root element (400)
  unsupported_encoding,  ///< the prolog declares an encoding we do not accept (415)
  internal,              ///< our fault, not the input's (500)
  schema_load_failed,    ///< a schema of the catalog could not be loaded (startup/config error)
};

/// The category of errc ("jubes.codecs").
const boost::system::error_category& codecs_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), codecs_category()};
}

/// Short stable name of a code, e.g. "schema_invalid" (for logs and metrics labels).
const char* to_string(errc e) noexcept;

}  // namespace jubes::codecs

template <>
struct boost::system::is_error_code_enum<jubes::codecs::errc> : std::true_type {};
