// SPDX-License-Identifier: EUPL-1.2
#pragma once
// `jubesctl keys rotate [--reencrypt]` (docs/storage.md, "Bodies at rest"): a new data key for
// the store's bodies. With jubesd holding the store, through its operator endpoint
// POST /v1/admin/keys/rotate[?reencrypt=1]; else on the store directly (re-encrypting before it
// returns). Threading: jubesctl's main thread.
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace jubes::gateway::detail {

struct ctl_hooks {
  std::function<int(const std::string&)> fail;                       ///< prints the cause, returns 1
  std::function<int(const std::string&, const std::string&)> admin;  ///< method, target -> exit code
};

/// `cmd` is the command line from "keys" on. @return the exit code (2: not a keys command).
int run_keys(const config& cfg, const std::vector<std::string>& cmd, std::ostream& out, const ctl_hooks& hooks);

}  // namespace jubes::gateway::detail
