// SPDX-License-Identifier: EUPL-1.2
#pragma once
// jubesctl, the admin CLI, as a library function so that jubesctl_main.cpp stays thin.
//
//   jubesctl [--config FILE] [--data-dir DIR] [--listen HOST:PORT] COMMAND
//     validate [--xsd ENTRY.xsd]... FILE...   OK + envelope per file, or the error with line:column
//     route explain FILE                      which rules route this message, and why
//     routes reload                           asks the running jubesd to reload (else checks the file)
//     outbox list | parked list | check | stats | backup DIR     read-only, work while jubesd runs
//     parked reroute [ID|--all] | purge       via the running jubesd's admin API (operator cert),
//                                             or on the store directly when no jubesd holds it
// Exit 0 on success; non-zero with a one-line cause on stderr otherwise. Never prints message bodies.
//
// Threading: call from main() only (it sets up and tears down xerces when it validates).
#include <iosfwd>

namespace jubes::gateway {

/// Runs jubesctl. @param out where results go (stdout) @param err where causes go (stderr)
/// @return the process exit code
int run_ctl(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace jubes::gateway
