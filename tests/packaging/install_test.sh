#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# packaging.install: `cmake --install` of this build tree into PREFIX, then the installed tree is
# checked and the installed jubesd started with the installed configuration on 127.0.0.1: every path
# it names (schemas, routes, municipality table, dashboard) must resolve inside the install, none
# into the source tree. Leaves PREFIX for packaging.systemd_verify (CTest fixture).
#   install_test.sh BUILD_DIR SOURCE_DIR PREFIX VERSION
set -euo pipefail
build=$1 src=$2 prefix=$3 version=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$prefix"
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log" >&2; fail "cmake --install"; }

# The tree: standard paths of GNUInstallDirs.
for f in bin/jubesd bin/jubesctl; do [ -x "$prefix/$f" ] || fail "$f not installed (or not executable)"; done
for f in etc/jubes/jubes.yaml etc/jubes/routes.yaml etc/jubes/gemeenten.csv etc/jubes/bij-deelnemers.yaml etc/jubes/gemeente-splitsingen.yaml \
  share/jubes/schemas/jubes/jubes0100.xsd share/jubes/schemas/jubes/outbox.xsd \
  share/jubes/examples/piBeeindiging.xml \
  share/jubes/dashboard/index.html share/jubes/dashboard/app.js share/jubes/dashboard/style.css \
  share/jubes/dashboard/parked.html share/jubes/dashboard/parked.js \
  share/jubes/dashboard/node_modules/uplot/dist/uPlot.iife.min.js \
  share/jubes/dashboard/node_modules/uplot/dist/uPlot.min.css share/jubes/dashboard/node_modules/uplot/LICENSE \
  share/jubes/grafana/jubes.json share/jubes/prometheus/jubes-alerts.yml share/jubes/prometheus/jubes-alerts.test.yml \
  share/doc/jubes/LICENSE share/doc/jubes/THIRD-PARTY-NOTICES.md \
  lib/systemd/system/jubesd.service lib/sysusers.d/jubes.conf; do
  [ -f "$prefix/$f" ] || fail "$f not installed"
done
# The installed alert rules pass their unit tests where they were installed (docs/operations.md).
(cd "$prefix/share/jubes/prometheus" && promtool test rules jubes-alerts.test.yml >/dev/null) ||
  fail "promtool test rules in $prefix/share/jubes/prometheus"
conf=$prefix/etc/jubes/jubes.yaml
# (PREFIX may itself be inside the source tree, in the build tree: look for the source tree's files.)
if grep -nE "$src/(conf|gateway|data)(/|$| )" "$conf"; then fail "the installed configuration names the source tree"; fi
grep -q "entry_points: \[$prefix/share/jubes/schemas/jubes/jubes0100.xsd\]" "$conf" || fail "schemas of $conf: $(grep entry_points "$conf")"
grep -qx "dashboard_dir: $prefix/share/jubes/dashboard" "$conf" || fail "dashboard_dir of $conf: $(grep dashboard_dir "$conf")"
grep -q "^data_dir: /var/lib/jubes " "$conf" || fail "data_dir of $conf: $(grep data_dir "$conf")"
grep -qx "ExecStart=$prefix/bin/jubesd --config $conf" "$prefix/lib/systemd/system/jubesd.service" ||
  fail "ExecStart of the installed unit: $(grep ExecStart "$prefix/lib/systemd/system/jubesd.service")"

# --version of the installed binaries.
for b in jubesd jubesctl; do
  out=$("$prefix/bin/$b" --version) || fail "$b --version exited non-zero"
  [[ $out =~ ^$b\ $version\ \(git\ ([0-9a-f]{12}|unknown)\)$ ]] || fail "$b --version: '$out'"
done

# --check-config with the installed configuration, a development PKI in the data directory.
data=$work/data
"$src/scripts/dev-pki" "$data/pki" 2>/dev/null
"$prefix/bin/jubesd" --check-config --config "$conf" --data-dir "$data" >"$work/check.out" 2>"$work/check.err" ||
  fail "--check-config: $(cat "$work/check.err")"
grep -qF "jubesd: configuration OK: $conf" "$work/check.out" || fail "--check-config said: $(cat "$work/check.out")"
if grep "jubesd: warning:" "$work/check.err"; then fail "--check-config warned (above)"; fi

# Start it: the dashboard from the installed copy, the schemas from the installed tree.
"$prefix/bin/jubesd" --config "$conf" --data-dir "$data" --listen 127.0.0.1:0 --ops-listen 127.0.0.1:0 \
  >"$work/jubesd.log" 2>&1 &
pid=$!
api= ops=
for _ in $(seq 1 600); do
  line=$(grep -m1 'INFO gateway listening api=' "$work/jubesd.log" || true)
  if [ -n "$line" ]; then
    api=$(sed -E 's|.*api=https://[^:]+:([0-9]+)/.*|\1|' <<<"$line")
    ops=$(sed -E 's|.*ops=http://[^:]+:([0-9]+)/.*|\1|' <<<"$line")
    break
  fi
  kill -0 "$pid" 2>/dev/null || fail "jubesd exited: $(cat "$work/jubesd.log")"
  sleep 0.1
done
[ -n "$ops" ] || fail "jubesd did not report its listeners: $(cat "$work/jubesd.log")"

dash=$prefix/share/jubes/dashboard
curl -sS -o "$work/uplot.js" "http://127.0.0.1:$ops/dashboard/uplot.iife.min.js" || fail "GET /dashboard/uplot.iife.min.js"
cmp -s "$work/uplot.js" "$dash/node_modules/uplot/dist/uPlot.iife.min.js" || fail "/dashboard/uplot.iife.min.js is not the installed file"
curl -sS -o "$work/index.html" "http://127.0.0.1:$ops/dashboard" || fail "GET /dashboard"
cmp -s "$work/index.html" "$dash/index.html" || fail "/dashboard is not the installed index.html"
curl -sS "http://127.0.0.1:$ops/metrics" >"$work/metrics"
grep -qE "^jubes_build_info\{version=\"$version\",revision=\"([0-9a-f]{12}|unknown)\"\} 1$" "$work/metrics" ||
  fail "no jubes_build_info in /metrics: $(grep build_info "$work/metrics")"

# A message validated against the installed schemas and routed with the installed routes.
pki=$data/pki
status=$(curl -sS -o "$work/reply.xml" -w '%{http_code}' --cacert "$pki/ca.crt" --cert "$pki/clients/tulp-gw.crt" \
  --key "$pki/clients/tulp-gw.key" -H 'Content-Type: application/xml' \
  --data-binary @"$prefix/share/jubes/examples/piBeeindiging.xml" "https://127.0.0.1:$api/v1/messages")
[ "$status" = 201 ] || fail "POST /v1/messages: $status $(cat "$work/reply.xml")"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || fail "jubesd exited $rc after SIGTERM: $(tail -5 "$work/jubesd.log")"

# Installing again keeps an operator's edited configuration and puts the new version beside it.
echo "# edited by the operator" >>"$prefix/etc/jubes/routes.yaml"
cmake --install "$build" --prefix "$prefix" >"$work/install2.log" || fail "second cmake --install"
tail -1 "$prefix/etc/jubes/routes.yaml" | grep -qx "# edited by the operator" || fail "the edited routes.yaml was overwritten"
cmp -s "$prefix/etc/jubes/routes.yaml.new" "$src/conf/routes.yaml" || fail "no routes.yaml.new beside the edited file"
[ ! -e "$prefix/etc/jubes/jubes.yaml.new" ] || fail "jubes.yaml.new although jubes.yaml was not edited"
grep -q "Kept: .*routes.yaml" "$work/install2.log" || fail "the second install did not say it kept routes.yaml"
echo "packaging.install: OK ($prefix)"
