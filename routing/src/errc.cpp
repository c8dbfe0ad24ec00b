// SPDX-License-Identifier: EUPL-1.2
#include "routing/errc.hpp"

#include <array>

#include "common/error_category.hpp"

namespace jubes::routing {
namespace {

constexpr auto info = errc_info::of<errc>;

constexpr std::array codes{
    info(errc::ok, "ok", "ok"),
    info(errc::io_error, "io_error", "configuration file cannot be read"),
    info(errc::bad_yaml, "bad_yaml", "routes file is not valid YAML"),
    info(errc::bad_csv, "bad_csv", "municipality table is malformed"),
    info(errc::invalid_rule, "invalid_rule", "invalid routing rule"),
    info(errc::unknown_function, "unknown_function", "unknown routing function"),
    info(errc::unknown_field, "unknown_field", "unknown or unsupplied field path"),
    info(errc::unknown_recipient, "unknown_recipient", "unknown recipient"),
    info(errc::unknown_message_type, "unknown_message_type", "unknown message type"),
    info(errc::never_matches, "never_matches", "rule can never match"),
    info(errc::unknown_source, "unknown_source", "unknown or disallowed source party"),
};

}  // namespace

const boost::system::error_category& routing_category() noexcept {
  static const table_category c("jubes.routing", codes, "unknown routing error");
  return c;
}

}  // namespace jubes::routing
