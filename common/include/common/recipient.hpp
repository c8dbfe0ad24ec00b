// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Who an outbox belongs to, parsed and printed in one place. Every library that names a recipient
// (routing's templates, the store's outbox keys, the gateway's parties, the load tool) goes through
// this type instead of matching "gemeente:" with magic offsets.
//
//   gemeente:0363   a municipality, by its four-digit CBS/RvIG code
//   rvdk, 3ro, idv  a named organisation (lower-case letters, digits, '-', '_', '.')
//
// The printed form is the store's outbox key and the certificate CN of the recipient, so it is
// stable: never change it without a store migration.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace jubes {

class recipient {
 public:
  /// The prefix of a municipality's name.
  static constexpr std::string_view municipality_prefix = "gemeente:";

  /// Parses the printed form. @return nullopt for anything else (empty, "gemeente:36", "a b").
  static std::optional<recipient> parse(std::string_view s);
  /// @return true if `code` is exactly four ASCII digits.
  static bool is_gemeentecode(std::string_view code) noexcept;
  /// @return the municipality with CBS code `code` (four digits; checked by the caller or parse()).
  static recipient municipality(std::string_view code);
  /// @return the organisation `name`; an invalid name gives nullopt.
  static std::optional<recipient> organisation(std::string_view name);

  bool is_municipality() const noexcept { return code_len_ != 0; }
  /// The four-digit CBS code of a municipality; empty for an organisation.
  std::string_view gemeentecode() const noexcept {
    return is_municipality() ? std::string_view(name_).substr(municipality_prefix.size()) : std::string_view();
  }
  /// The printed form, e.g. "gemeente:0363" or "rvdk".
  const std::string& str() const noexcept { return name_; }

  friend bool operator==(const recipient&, const recipient&) = default;
  friend auto operator<=>(const recipient& a, const recipient& b) { return a.name_ <=> b.name_; }

 private:
  recipient(std::string n, unsigned char code_len) : name_(std::move(n)), code_len_(code_len) {}
  std::string name_;
  unsigned char code_len_ = 0;  ///< 4 for a municipality, 0 for an organisation
};

/// @return true if `s` is the printed form of a municipality ("gemeente:" and four digits).
inline bool is_municipality_name(std::string_view s) noexcept {
  return s.size() == recipient::municipality_prefix.size() + 4 && s.starts_with(recipient::municipality_prefix) &&
         recipient::is_gemeentecode(s.substr(recipient::municipality_prefix.size()));
}

}  // namespace jubes
