// SPDX-License-Identifier: EUPL-1.2
// See testing/fault_sync.hpp. Compiled into a test executable (never a library: the definitions below
// must be the executable's own to take precedence over libc's).
#include "testing/fault_sync.hpp"

#include <dlfcn.h>

#include <cerrno>

namespace {

using sync_fn = int (*)(int);

/// @return whether this call is one the armed fault fails
bool fails_now() {
  namespace f = jubes::testing::fault;
  if (!f::armed.load() || f::pass_before_failing.fetch_sub(1) > 0) return false;
  f::failed_calls.fetch_add(1);
  return true;
}

int call(const char* name, int fd) {
  auto real = reinterpret_cast<sync_fn>(::dlsym(RTLD_NEXT, name));
  if (!real) {
    errno = ENOSYS;
    return -1;
  }
  return real(fd);
}

}  // namespace

extern "C" int fdatasync(int fd) {
  if (fails_now()) {
    errno = EIO;
    return -1;
  }
  static const sync_fn real = [] { return reinterpret_cast<sync_fn>(::dlsym(RTLD_NEXT, "fdatasync")); }();
  return real ? real(fd) : call("fdatasync", fd);
}

extern "C" int fsync(int fd) {
  if (fails_now()) {
    errno = EIO;
    return -1;
  }
  static const sync_fn real = [] { return reinterpret_cast<sync_fn>(::dlsym(RTLD_NEXT, "fsync")); }();
  return real ? real(fd) : call("fsync", fd);
}
