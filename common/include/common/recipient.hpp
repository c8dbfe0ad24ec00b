// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Who an outbox belongs to, parsed and printed in one place. Every library that names a recipient
// (routing's templates, the store's outbox keys, the gateway's parties, the load tool) goes through
// this type instead of matching "gemeente:" with magic offsets.
//
//   gemeente:0363               a municipality, by its four-digit CBS/RvIG code
//   gemeente:0363/bij           a purpose-bound mailbox of a municipality (issue 13): `bij` for the officials
//   gemeente:0363/reintegratie  mandated by the mayor, `reintegratie` for aftercare staff; a box name is
//                               lower-case letters, digits and '-' (1..32), starting with a letter
//   rvdk, 3ro, idv              a named organisation (lower-case letters, digits, '-', '_', '.'); its one
//                               mailbox serves its one purpose
//
// The printed form is the store's outbox key and the certificate CN of the recipient, so it is
// stable: never change it without a store migration.
#include <algorithm>
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jubes {

class recipient {
 public:
  /// The prefix of a municipality's name.
  static constexpr std::string_view municipality_prefix = "gemeente:";

  /// Parses the printed form. @return nullopt for anything else (empty, "gemeente:36", "a b").
  static std::optional<recipient> parse(std::string_view s);
  /// @return true if `code` is exactly four ASCII digits.
  static bool is_gemeentecode(std::string_view code) noexcept;
  /// @return the municipality with CBS code `code` (four digits; checked by the caller or parse()), in mailbox
  /// `box` (empty: the municipality without a box; a valid box name is checked by the caller or parse()).
  static recipient municipality(std::string_view code, std::string_view box = {});
  /// @return true if `box` is a valid mailbox name (see above).
  static bool is_box_name(std::string_view box) noexcept;
  /// @return the organisation `name`; an invalid name gives nullopt.
  static std::optional<recipient> organisation(std::string_view name);

  bool is_municipality() const noexcept { return code_len_ != 0; }
  /// The four-digit CBS code of a municipality; empty for an organisation.
  std::string_view gemeentecode() const noexcept {
    return is_municipality() ? std::string_view(name_).substr(municipality_prefix.size(), 4) : std::string_view();
  }
  /// The mailbox of a municipality ("bij", "reintegratie"); empty for a municipality without a box and for an
  /// organisation.
  std::string_view box() const noexcept {
    return is_municipality() && name_.size() > municipality_prefix.size() + 4
               ? std::string_view(name_).substr(municipality_prefix.size() + 5)
               : std::string_view();
  }
  /// The kind of mailbox, what projections and certificates are declared by: "gemeente/bij" for every
  /// municipality's BIJ box, "gemeente" for a municipality without a box, the name of an organisation.
  std::string kind() const {
    if (!is_municipality()) return name_;
    return box().empty() ? std::string("gemeente") : "gemeente/" + std::string(box());
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

/// @return true if `s` is the printed form of a municipality ("gemeente:" and four digits), with or without a
/// mailbox ("/bij").
inline bool is_municipality_name(std::string_view s) noexcept {
  constexpr auto n = recipient::municipality_prefix.size() + 4;
  if (s.size() < n || !s.starts_with(recipient::municipality_prefix) ||
      !recipient::is_gemeentecode(s.substr(recipient::municipality_prefix.size(), 4)))
    return false;
  return s.size() == n || (s[n] == '/' && recipient::is_box_name(s.substr(n + 1)));
}

/// @return true if `s` names a municipal mailbox that exists: gemeente:NNNN/BOX with BOX one of `boxes`, or, when
/// `boxes` is empty (municipalities without boxes), gemeente:NNNN. What a municipal certificate's CN must be.
inline bool is_municipal_mailbox(std::string_view s, const std::vector<std::string>& boxes) {
  if (!is_municipality_name(s)) return false;
  const auto box = s.substr(std::min(s.size(), recipient::municipality_prefix.size() + 5));
  if (boxes.empty()) return s.size() == recipient::municipality_prefix.size() + 4;
  for (const auto& b : boxes)
    if (b == box) return true;
  return false;
}

}  // namespace jubes
