// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: `jubesctl audit ...`, the audit trail's commands (docs/operations.md, "Audit trail"):
//   audit list [--message ID] [--party P] [--since T] [--until T] [--limit N] [--json]
//   audit verify [--from-checkpoint FILE] [--json]   exit 0 intact, 1 broken, 2 usage or error
//   audit checkpoint [--json]                        the current head, to keep elsewhere
// They read the store directly (the LMDB store read-only, which works while jubesd runs; or the
// PostgreSQL store), never through jubesd, so that a verification does not trust the gateway.
//
// Threading: jubesctl's main thread only.
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend.hpp"

namespace jubes::gateway::detail {

struct ctl_audit_env {
  std::ostream& out;
  std::ostream& err;
  /// Opens the store for reading; nullptr after printing why (rc set).
  std::function<std::unique_ptr<storage::backend>(int& rc)> open_readonly;
};

/// Runs `cmd` ("audit", sub, options...). @return the exit code
int ctl_audit(const ctl_audit_env& env, const std::vector<std::string>& cmd);

/// The identity jubesctl records for an action it does on the store itself: "os:<user>".
std::string os_identity();

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters, '/' and ':' kept).
std::string pct_encode(std::string_view v);

}  // namespace jubes::gateway::detail
