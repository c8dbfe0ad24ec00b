// SPDX-License-Identifier: EUPL-1.2
#include "codecs/errc.hpp"

#include <array>

#include "common/error_category.hpp"

namespace jubes::codecs {
namespace {

constexpr auto info = errc_info::of<errc>;

// Each code once: its stable name (logs, metric labels) and its message.
constexpr std::array codes{
    info(errc::not_well_formed, "not_well_formed", "XML is not well-formed"),
    info(errc::schema_invalid, "schema_invalid", "XML is not valid against its schema"),
    info(errc::semantic_invalid, "semantic_invalid", "XML fails a semantic check"),
    info(errc::dtd_forbidden, "dtd_forbidden", "a DOCTYPE (DTD) is not allowed"),
    info(errc::too_large, "too_large", "document too large"),
    info(errc::too_deep, "too_deep", "elements nested too deeply"),
    info(errc::too_many_attributes, "too_many_attributes", "too many attributes on one element"),
    info(errc::text_too_large, "text_too_large", "text node too large"),
    info(errc::unknown_root, "unknown_root", "no schema accepts the root element"),
    info(errc::unsupported_encoding, "unsupported_encoding", "unsupported character encoding"),
    info(errc::internal, "internal", "internal codec error"),
    info(errc::schema_load_failed, "schema_load_failed", "schema could not be loaded"),
};

const table_category& category() noexcept {
  static const table_category c("jubes.codecs", codes, "unknown codecs error");
  return c;
}

}  // namespace

const boost::system::error_category& codecs_category() noexcept {
  return category();
}

const char* to_string(errc e) noexcept {
  return category().short_name(static_cast<int>(e));
}

}  // namespace jubes::codecs
