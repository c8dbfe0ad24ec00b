// SPDX-License-Identifier: EUPL-1.2
#include "common/version.hpp"

// JUBES_VERSION and JUBES_REVISION are set on this file only (common/CMakeLists.txt), so that a new
// revision recompiles one file.
#ifndef JUBES_VERSION
#error "JUBES_VERSION must be defined by the build"
#endif
#ifndef JUBES_REVISION
#error "JUBES_REVISION must be defined by the build"
#endif

namespace jubes {

std::string_view build_version() {
  return JUBES_VERSION;
}

std::string_view build_revision() {
  return JUBES_REVISION;
}

std::string version_line(std::string_view program) {
  std::string out(program);
  out += ' ';
  out += build_version();
  out += " (git ";
  out += build_revision();
  out += ')';
  return out;
}

}  // namespace jubes
