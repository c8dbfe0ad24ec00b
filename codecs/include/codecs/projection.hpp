// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Need-to-know projections (issue 13): what one recipient purpose may see of one message type.
//
// A projection is a set of field paths (docs/MESSAGES.md: local names relative to the root, joined by '/').
// Applying it to a message element keeps
//   - the root element and its start tag as sent (namespace declarations included),
//   - `stuurgegevens`, always (the recipient needs the referentienummer to answer and to deduplicate),
//   - every element whose path is one of the paths or lies under one (the whole subtree, as sent),
//   - the ancestors of those elements (their start and end tags only),
// and drops everything else, including text, comments and PIs between the children of an ancestor that is
// kept only for its descendants (element-only content: that whitespace carries nothing).
//
// The last step of a path may carry a selector: `persoon/brpAdressen/adres[brp_gemeente]` keeps only the
// one address that decided the municipality (routing's `brp_gemeente`: the record with the latest begindatum
// among those with djiInstelling false; the later record wins a tie), not the BRP address history.
//
// The projected document is in the message's own namespace and validates against the projection's XSD
// (conf/schemas/projecties/, docs/MESSAGES.md "Projections"). Thread-safe once built; cheap to copy.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace jubes::codecs {

class projection {
 public:
  /// The selector that keeps one address of the BRP history (see above).
  static constexpr std::string_view brp_gemeente_selector = "[brp_gemeente]";

  /// Builds a projection from field paths. Refuses (errc::schema_load_failed with the path in the detail) an
  /// empty or malformed path (empty step, a selector that is not the last step or not a known one). It does not
  /// know the schema: routing checks each path against the schema of every message type it is declared for.
  static jubes::result<projection> make(std::span<const std::string> paths);

  /// @return true if `path` is syntactically a projection path (what make() accepts).
  static bool valid_path(std::string_view path) noexcept;

  /// The paths as given, sorted and deduplicated.
  const std::vector<std::string>& paths() const noexcept;

  struct impl;

 private:
  std::shared_ptr<const impl> impl_;
  friend jubes::result<void> append_projected(std::string& out, std::string_view element, const projection& p);
};

/// Appends the projection of `element` to `out`. `element` is a message element as embeddable_body() returns it
/// (UTF-8, no prolog; a document the validator accepted). errc::not_well_formed, with nothing appended, if it is
/// not a well-formed element (never for an accepted message); the full message is never appended instead.
jubes::result<void> append_projected(std::string& out, std::string_view element, const projection& p);

}  // namespace jubes::codecs
