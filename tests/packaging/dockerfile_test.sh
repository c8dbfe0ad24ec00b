#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# packaging.dockerfile: Docker cannot run on every test machine, so this checks what can be checked
# without it: the Dockerfile's runtime stage (after its last FROM) installs, with their dependencies,
# the Debian packages that provide every shared library the built binaries link. A new library
# dependency without a Dockerfile change fails here rather than in the image at start.
# The sanitizer runtimes of a test build (libasan, libubsan) are not needed by the Release image.
#   dockerfile_test.sh DOCKERFILE BINARY...
set -euo pipefail
dockerfile=$1
shift
fail() { echo "FAIL: $*" >&2; exit 1; }

# The runtime stage: two stages, the last one from debian:12-slim, running as a user other than root.
[ "$(grep -c '^FROM ' "$dockerfile")" -eq 2 ] || fail "expected two stages (build and runtime)"
runtime=$(awk '/^FROM /{stage=$0; text=""} {text=text $0 "\n"} END{printf "%s", text}' "$dockerfile")
grep -q '^FROM debian:12-slim' <<<"$runtime" || fail "the runtime stage is not debian:12-slim"
user=$(grep -E '^USER ' <<<"$runtime" | tail -1 | awk '{print $2}')
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the runtime stage does not end as a non-root USER"
# The packages of its apt-get install line(s).
listed=$(tr '\n' ' ' <<<"$runtime" | sed 's/\\ */ /g' | grep -oE 'apt-get install [^&]*' |
  sed -E 's/apt-get install//; s/ -[^ ]+//g' | tr ' ' '\n' | grep -v '^$' | sort -u)
[ -n "$listed" ] || fail "no apt-get install in the runtime stage"
for p in $listed; do
  apt-cache show "$p" >/dev/null 2>&1 || fail "the runtime stage installs '$p', which Debian does not have"
done
# What those packages bring with them (Depends and Pre-Depends, recursively), plus debian:12-slim's own.
closure=$( (echo "$listed"; echo libc6 libgcc-s1 libstdc++6 | tr ' ' '\n'
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances $listed 2>/dev/null | grep -vE '^ |^<') | sed 's/:.*//' | sort -u)

for bin in "$@"; do
  [ -x "$bin" ] || fail "$bin is not built"
  while read -r lib; do
    case "$(basename "$lib")" in libasan.so* | libubsan.so*) continue ;; esac
    real=$(readlink -f "$lib")
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || true)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || fail "$(basename "$bin") links $lib, which no Debian package provides"
    grep -qx "$pkg" <<<"$closure" ||
      fail "$(basename "$bin") links $lib from package $pkg, which the Dockerfile's runtime stage does not install"
  done < <(ldd "$bin" | awk '/=> \//{print $3}')
done
echo "packaging.dockerfile: OK (runtime packages: $(echo $listed))"
