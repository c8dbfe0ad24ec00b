#include "codecs/errc.hpp"

#include <string>

namespace jubes::codecs {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "jubes.codecs"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::not_well_formed:
        return "XML is not well-formed";
      case errc::schema_invalid:
        return "XML is not valid against its schema";
      case errc::semantic_invalid:
        return "XML fails a semantic check";
      case errc::dtd_forbidden:
        return "a DOCTYPE (DTD) is not allowed";
      case errc::too_large:
        return "document too large";
      case errc::too_deep:
        return "elements nested too deeply";
      case errc::too_many_attributes:
        return "too many attributes on one element";
      case errc::text_too_large:
        return "text node too large";
      case errc::unknown_root:
        return "no schema accepts the root element";
      case errc::unsupported_encoding:
        return "unsupported character encoding";
      case errc::internal:
        return "internal codec error";
      case errc::schema_load_failed:
        return "schema could not be loaded";
    }
    return "unknown codecs error";
  }
};

}  // namespace

const boost::system::error_category& codecs_category() noexcept {
  static const category c;
  return c;
}

const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::not_well_formed:
      return "not_well_formed";
    case errc::schema_invalid:
      return "schema_invalid";
    case errc::semantic_invalid:
      return "semantic_invalid";
    case errc::dtd_forbidden:
      return "dtd_forbidden";
    case errc::too_large:
      return "too_large";
    case errc::too_deep:
      return "too_deep";
    case errc::too_many_attributes:
      return "too_many_attributes";
    case errc::text_too_large:
      return "text_too_large";
    case errc::unknown_root:
      return "unknown_root";
    case errc::unsupported_encoding:
      return "unsupported_encoding";
    case errc::internal:
      return "internal";
    case errc::schema_load_failed:
      return "schema_load_failed";
  }
  return "unknown";
}

}  // namespace jubes::codecs
