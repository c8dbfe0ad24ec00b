// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: `jubesctl audit ...`, the audit trail's commands (docs/operations.md, "Audit trail"):
//   audit list [--message ID] [--party P] [--since T] [--until T] [--limit N] [--json]
//   audit verify [--from-checkpoint FILE] [--json]   exit 0 intact, 1 broken, 2 usage or error
//   audit checkpoint [--json]                        the current head, to keep elsewhere
// They read the store directly (the LMDB store read-only, which works while jubesd runs; or the
// PostgreSQL store), never through jubesd, so that a verification does not trust the gateway. The
// handlers are entries of jubesctl's command table (cmd_audit_* in ctl_context.hpp, ctl_audit.cpp);
// this header keeps the two helpers other commands share.
//
// Threading: jubesctl's main thread only.
#include <string>
#include <string_view>

namespace jubes::gateway::detail {

/// The identity jubesctl records for an action it does on the store itself: "os:<user>".
std::string os_identity();

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters, '/' and ':' kept).
std::string pct_encode(std::string_view v);

}  // namespace jubes::gateway::detail
