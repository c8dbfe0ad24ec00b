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
    case audit_kind::routes_reloaded:
      return "routes_reloaded";
    case audit_kind::reroute_ordered:
      return "reroute_ordered";
    case audit_kind::purge_ordered:
      return "purge_ordered";
    case audit_kind::backup_taken:
      return "backup_taken";
    case audit_kind::forward_override:
      return "forward_override";
    case audit_kind::parked_assigned:
      return "parked_assigned";
    case audit_kind::parked_closed:
      return "parked_closed";
    case audit_kind::checkpoint:
      return "checkpoint";
    case audit_kind::keys_rotated:
      return "keys_rotated";
    case audit_kind::tls_reloaded:
      return "tls_reloaded";
  }
  return "unknown";
}

std::string operator_detail(std::string_view what, std::string_view reason) {
  std::string d(what);
  if (!reason.empty()) (d += d.empty() ? "" : "; ") += "reason: " + std::string(reason);
  return d;
}

std::string operator_detail(std::string_view what, const operator_action& by) {
  std::string w(what);
  if (!by.note.empty()) w += " (" + by.note + ")";
  return operator_detail(w, by.reason);
}

namespace {
bool valid_text(std::string_view s, std::size_t max) noexcept {
  return !s.empty() && s.size() <= max && s.find('\0') == std::string_view::npos;
}
bool no_nul(std::string_view s) noexcept {
  return s.find('\0') == std::string_view::npos;
}
}  // namespace

bool valid(const operator_action& by) noexcept {
  if (by.identity.empty()) return by.reason.empty() && by.note.empty();
  return valid_text(by.identity, 255) && no_nul(by.reason) && no_nul(by.note);
}

bool valid(const park_decision& d) noexcept {
  const bool assign = d.act == park_decision::action::assign;
  return d.message_id != 0 && valid_text(d.operator_party, 255) && valid_text(d.reason, 1000) &&
         (assign ? valid_text(d.recipient, 255) : d.recipient.empty());
}

std::string audit_detail(const park_decision& d) {
  return d.act == park_decision::action::assign ? d.recipient + ": " + d.reason : d.reason;
}

bool may_read(const stored_message& m, std::string_view party) noexcept {
  if (party.empty()) return false;
  if (m.source_party == party) return true;
  return std::find(m.recipients.begin(), m.recipients.end(), party) != m.recipients.end();
}

}  // namespace jubes::storage
