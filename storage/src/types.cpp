// SPDX-License-Identifier: EUPL-1.2
#include "storage/types.hpp"

#include <algorithm>

#include "storage/backend.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

jubes::result<std::uint32_t> backend::rotate_key(const key_bytes&, bool) {
  return fail(errc::invalid_argument, "this store backend has no encryption at rest to rotate");
}

std::string_view to_string(ingest_outcome o) noexcept {
  switch (o) {
    case ingest_outcome::accepted:
      return "accepted";
    case ingest_outcome::duplicate:
      return "duplicate";
    case ingest_outcome::conflict:
      return "conflict";
  }
  return "unknown";
}

std::string_view to_string(store_health::state s) noexcept {
  switch (s) {
    case store_health::state::writable:
      return "writable";
    case store_health::state::full:
      return "full";
    case store_health::state::failed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(audit_kind k) noexcept {
  switch (k) {
    case audit_kind::accepted:
      return "accepted";
    case audit_kind::routed:
      return "routed";
    case audit_kind::parked:
      return "parked";
    case audit_kind::acked:
      return "acked";
    case audit_kind::forwarded:
      return "forwarded";
    case audit_kind::read:
      return "read";
    case audit_kind::purged:
      return "purged";
    case audit_kind::rerouted:
      return "rerouted";
  }
  return "unknown";
}

bool may_read(const stored_message& m, std::string_view party) noexcept {
  if (party.empty()) return false;
  if (m.source_party == party) return true;
  return std::find(m.recipients.begin(), m.recipients.end(), party) != m.recipients.end();
}

}  // namespace jubes::storage
