// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Error codes of the routing library. Every fallible function returns jubes::result<T>
// (common/result.hpp): one of these in the jubes.routing error category, and next to it the
// human-readable detail (file:line and cause), because an error_code cannot carry text.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace jubes::routing {

enum class errc {
  ok = 0,
  io_error = 1,              ///< a configuration file cannot be read
  bad_yaml = 2,              ///< the routes file is not well-formed YAML
  bad_csv = 3,               ///< the municipality table is malformed
  invalid_rule = 4,          ///< a structural error: missing key, wrong node type, bad literal
  unknown_function = 5,      ///< a template or predicate names a function that does not exist
  unknown_field = 6,         ///< a field path that is malformed or that the schemas cannot supply
  unknown_recipient = 7,     ///< a constant recipient that the gateway does not know
  unknown_message_type = 8,  ///< a rule names a message type that the gateway does not know
  never_matches = 9,         ///< a rule that can never match (empty type list, contradictory predicates)
  unknown_source = 10,       ///< a rule names a source party that does not exist or may not send the type
};

/// @return the category of routing errors ("jubes.routing").
const boost::system::error_category& routing_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), routing_category()};
}

}  // namespace jubes::routing

template <>
struct boost::system::is_error_code_enum<jubes::routing::errc> : std::true_type {};
