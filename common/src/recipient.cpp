// SPDX-License-Identifier: EUPL-1.2
#include "common/recipient.hpp"

namespace jubes {

bool recipient::is_gemeentecode(std::string_view code) noexcept {
  if (code.size() != 4) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

recipient recipient::municipality(std::string_view code) {
  return recipient(std::string(municipality_prefix) + std::string(code), 4);
}

std::optional<recipient> recipient::organisation(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.starts_with(municipality_prefix)) return std::nullopt;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return std::nullopt;
  }
  return recipient(std::string(name), 0);
}

std::optional<recipient> recipient::parse(std::string_view s) {
  if (s.starts_with(municipality_prefix)) {
    if (!is_municipality_name(s)) return std::nullopt;
    return municipality(s.substr(municipality_prefix.size()));
  }
  return organisation(s);
}

}  // namespace jubes
