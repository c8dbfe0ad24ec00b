#include "routing/errc.hpp"

#include <string>

namespace jubes::routing {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "jubes.routing"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::io_error:
        return "configuration file cannot be read";
      case errc::bad_yaml:
        return "routes file is not valid YAML";
      case errc::bad_csv:
        return "municipality table is malformed";
      case errc::invalid_rule:
        return "invalid routing rule";
      case errc::unknown_function:
        return "unknown routing function";
      case errc::unknown_field:
        return "unknown or unsupplied field path";
      case errc::unknown_recipient:
        return "unknown recipient";
      case errc::unknown_message_type:
        return "unknown message type";
      case errc::never_matches:
        return "rule can never match";
      case errc::unknown_source:
        return "unknown or disallowed source party";
    }
    return "unknown routing error";
  }
};

}  // namespace

const boost::system::error_category& routing_category() noexcept {
  static const category c;
  return c;
}

}  // namespace jubes::routing
