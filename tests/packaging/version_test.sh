#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# packaging.version: every binary answers --version with "NAME VERSION (git REVISION)" and exit 0,
# and its --help names --version.
#   version_test.sh VERSION BINARY...
set -euo pipefail
version=$1
shift
for bin in "$@"; do
  name=$(basename "$bin")
  out=$("$bin" --version) || { echo "FAIL: $name --version exited non-zero" >&2; exit 1; }
  [[ $out =~ ^$name\ $version\ \(git\ ([0-9a-f]{12}|unknown)\)$ ]] || { echo "FAIL: $name --version: '$out'" >&2; exit 1; }
  help=$("$bin" --help) || { echo "FAIL: $name --help exited non-zero" >&2; exit 1; }
  grep -q -- "--version" <<<"$help" || { echo "FAIL: $name --help does not mention --version" >&2; exit 1; }
  echo "$out"
done
