// SPDX-License-Identifier: EUPL-1.2
#pragma once
// jubesctl, the admin CLI, as a library function so that jubesctl_main.cpp stays thin.
//
//   jubesctl [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--json] COMMAND [ARGS]
// The commands, their help and the exit codes are in one table (gateway/src/ctl.cpp, kCommands):
// `jubesctl --help` lists them. Exit 0 success, 1 failed, 2 usage, 3 not found, 4 partial,
// 5 refused (data directory ownership). On failure one line on stderr; with --json stdout is
// exactly one JSON document. Never prints message bodies.
//
// Threading: call from main() only (it sets up and tears down xerces when it validates).
#include <iosfwd>

namespace jubes::gateway {

/// Runs jubesctl. @param out where results go (stdout) @param err where causes go (stderr)
/// @return the process exit code
int run_ctl(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace jubes::gateway
