// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The RvIG municipality table (Landelijke tabel 33): which gemeentecodes exist and which
// municipality an old code belongs to today.
//
// Lifecycle: load() once at startup (and again on a reload if the operator wants); the result is
// immutable and shared as std::shared_ptr<const gemeente_registry>.
// Threading: all const member functions are safe to call from any number of threads at once.
// Cost: exists(), current(), name() are O(1) array lookups (codes are four digits), because the
// codec calls exists() for every BRP address of every message during validation.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "routing/errc.hpp"

namespace jubes::routing {

class gemeente_registry {
 public:
  /// Loads an RvIG table-33 CSV: a header line, then quoted fields
  /// "92.10 Gemeentecode","92.11 Omschrijving","92.12 Nieuwe code","99.98 Datum ingang","99.99 Datum einde".
  /// CRLF and LF line ends and a trailing empty column are accepted.
  /// @param file path of the CSV (conf/gemeenten.csv)
  /// @return the registry, or errc::io_error / errc::bad_csv with the detail "gemeenten.csv:LINE: cause"
  static result<std::shared_ptr<const gemeente_registry>> load(const std::filesystem::path& file);

  /// Same as load(), from text in memory; `name` is used in error messages.
  static result<std::shared_ptr<const gemeente_registry>> parse(std::string_view csv, std::string_view name);

  /// @return true if `code` (four digits) is any code in the table, including dissolved
  ///         municipalities and the special codes 0000 (unknown) and 1999 (RNI).
  bool exists(std::string_view code) const noexcept;

  /// Follows "Nieuwe code" transitively to a municipality without an end date.
  /// @return today's code (a view into the registry, valid as long as it lives), or nullopt if the
  ///         code is unknown, the chain ends in a dissolved code without successor, loops, or ends
  ///         in 0000 / 1999, which are no municipalities.
  std::optional<std::string_view> current(std::string_view code) const noexcept;

  /// @return true if `code` is a municipality today (current(code) == code).
  bool is_current(std::string_view code) const noexcept;

  /// @return the "Nieuwe code" of a code in the table as written (one step, not followed), or an empty view.
  std::string_view new_code(std::string_view code) const noexcept;

  /// @return the name ("Omschrijving") of a code in the table, or an empty view.
  std::string_view name(std::string_view code) const noexcept;

  /// @return the codes of all current municipalities, ascending (excludes 0000 and 1999).
  const std::vector<std::string>& current_municipalities() const noexcept { return current_list_; }

  /// @return the number of codes in the table.
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct entry {
    std::string code;
    std::string name;
    std::string new_code;
    std::string end_date;
    int current = -1;  // index into entries_ of today's municipality, -1 if none
  };
  gemeente_registry() = default;
  static int index_of(std::string_view code) noexcept;  // 0..9999 or -1 if not four digits

  std::vector<entry> entries_;
  std::vector<int> by_code_;  // 10,000 slots: code -> index into entries_, -1 if absent
  std::vector<std::string> current_list_;
};

}  // namespace jubes::routing
