#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# packaging.systemd_verify: `systemd-analyze verify` on the unit `cmake --install` wrote (its
# ExecStart names the installed jubesd, which must exist for verify to pass). Any diagnostic about
# the unit fails the test, not only a non-zero exit.
#   systemd_verify.sh PREFIX
set -euo pipefail
unit=$1/lib/systemd/system/jubesd.service
[ -f "$unit" ] || { echo "FAIL: $unit not installed (packaging.install runs first)" >&2; exit 1; }
out=$(systemd-analyze verify "$unit" 2>&1) || { echo "FAIL: systemd-analyze verify: $out" >&2; exit 1; }
if grep -F "jubesd.service" <<<"$out"; then echo "FAIL: systemd-analyze verify reported the above" >&2; exit 1; fi
echo "packaging.systemd_verify: OK${out:+ (other output: $out)}"
