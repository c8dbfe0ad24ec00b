// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The build's identity, for `--version` on every binary and the jubes_build_info metric.
// The version is the CMake project(VERSION); the revision is `git rev-parse --short=12 HEAD` of the
// source tree at configure time ("unknown" when the tree is not a git checkout, e.g. a tarball;
// -DJUBES_REVISION=... sets it). A commit after configuring shows only once cmake runs again.
#include <string>
#include <string_view>

namespace jubes {

/// @return the release version, e.g. "0.1.0"
std::string_view build_version();
/// @return the git revision the build was configured from (12 hex digits), or "unknown"
std::string_view build_revision();
/// @param program the binary's name, e.g. "jubesd"
/// @return one line without newline: "jubesd 0.1.0 (git 0123456789ab)"
std::string version_line(std::string_view program);

}  // namespace jubes
