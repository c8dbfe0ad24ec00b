// SPDX-License-Identifier: EUPL-1.2
#include "common/recipient.hpp"

namespace jubes {

bool recipient::is_gemeentecode(std::string_view code) noexcept {
  if (code.size() != 4) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

bool recipient::is_box_name(std::string_view box) noexcept {
  if (box.empty() || box.size() > 32 || box.front() < 'a' || box.front() > 'z') return false;
  for (char c : box)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

recipient recipient::municipality(std::string_view code, std::string_view box) {
  std::string n = std::string(municipality_prefix) + std::string(code);
  if (!box.empty()) n.append(1, '/').append(box);
  return recipient(std::move(n), 4);
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
    const auto rest = s.substr(municipality_prefix.size());
    return municipality(rest.substr(0, 4), rest.size() > 4 ? rest.substr(5) : std::string_view());
  }
  return organisation(s);
}

}  // namespace jubes
