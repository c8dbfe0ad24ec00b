// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Reads what jubes-bench needs from an outbox batch (GET /v1/outbox): per entry its seq, message id
// and the referentienummer of the message it carries. Tolerant by design: it needs only that each
// entry is an element named `entry` (any prefix) carrying seq and id as attributes or as child
// elements, with the message inside; everything else is ignored. The full format is the gateway's
// (docs/api.md); its own tests parse it with a real XML parser.
// Thread-safe (pure function).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jubes::bench {

struct batch_entry {
  std::uint64_t seq = 0;
  std::string id;
  std::string referentienummer;  ///< of the carried message (first referentienummer in the entry)
  // Corrections and withdrawals (docs/api.md): the entry's link attributes, empty where absent
  std::string superseded_by, withdrawn_by, relates_to;
  bool has_body = true;  ///< false for an empty entry (<entry .../>: a marker or a purged entry)
};

/// @return false with `error` set if an entry lacks a seq or an id
bool parse_batch(std::string_view xml, std::vector<batch_entry>& out, std::string& error);

/// @return the message id named by a receipt: the Location header's last path segment, else the
/// Bv03's stuurgegevens/referentienummer; empty if neither is there
std::string receipt_id(std::string_view location, std::string_view bv03);

}  // namespace jubes::bench
