#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The end-to-end benchmarks of docs/BENCHMARKS.md, reproducibly: builds nothing, uses a Release
# build's bin/jubesd and bin/jubes-bench, a fresh dev PKI and data directory under $WORK, and
# prints every summary line with the scenario it belongs to. Each scenario gets a fresh gateway.
#
# Usage: bench/load/e2e-bench.sh BUILD_DIR [SCENARIO...]
#   scenarios: baseline ingest half poll idle growth (default: all but growth)
# Environment: WORK (default: a temp dir), DURATION (s, default 20), CONNS (default 64),
#   IDLE (idle long polls, default 5000), GROWTH_STEPS / GROWTH_STEP (default 4 x 500000).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: e2e-bench.sh BUILD_DIR [SCENARIO...]}
shift || true
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(baseline ingest half poll idle)
bin=$build/bin
work=${WORK:-$(mktemp -d /tmp/jubes-e2e-bench.XXXXXX)}
duration=${DURATION:-20}
conns=${CONNS:-64}
idle=${IDLE:-5000}
pki=$work/pki
"$here/scripts/dev-pki" "$pki"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# A config like conf/jubes.yaml with absolute paths, and with the connection limits raised for the
# idle-connections scenario (nothing about durability or validation changes).
config=$work/jubes.yaml
sed -e "s#^routes_file: .*#routes_file: $here/conf/routes.yaml#" \
    -e "s#^gemeenten_file: .*#gemeenten_file: $here/conf/gemeenten.csv#" \
    -e "s#entry_points: \[schemas/#entry_points: [$here/conf/schemas/#" \
    -e "s#^dashboard_dir: [^ ]*#dashboard_dir: $here/gateway/dashboard#" \
    -e "s#^limits:#limits:\n  max_connections: 20000\n  max_connections_per_party: 20000\n  long_poll_max_wait_s: 3600#" \
    "$here/conf/jubes.yaml" > "$config"

start_gateway() {  # $1: data dir name; sets API, OPS, GW_PID
  local data=$work/$1
  mkdir -p "$data"
  [ -d "$data/pki" ] || cp -r "$pki" "$data/pki"
  API=$(free_port); OPS=$(free_port)
  "$bin/jubesd" --config "$config" --data-dir "$data" --listen 127.0.0.1:$API --ops-listen 127.0.0.1:$OPS \
    2> "$data/jubesd.log" &
  GW_PID=$!
  pids+=("$GW_PID")
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$OPS/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "jubesd did not become ready:" >&2; tail -20 "$data/jubesd.log" >&2; exit 1
}
stop_gateway() { kill -TERM "$GW_PID"; wait "$GW_PID" || true; }
start_trivial() {  # sets TRIVIAL_PORT, TRIVIAL_PID
  local port_file=$work/trivial.out
  "$bin/jubes-bench" --serve-trivial 127.0.0.1:0 --pki "$pki" > "$port_file" &
  TRIVIAL_PID=$!
  pids+=("$TRIVIAL_PID")
  for _ in $(seq 1 100); do grep -q serving "$port_file" && break; sleep 0.1; done
  TRIVIAL_PORT=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$port_file")
}
stop_trivial() { kill "$TRIVIAL_PID"; wait "$TRIVIAL_PID" || true; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
bench() { echo "+ jubes-bench $*" >&2; "$bin/jubes-bench" --quiet "$@"; }
max_rate=""
base_rate=""

for s in "${scenarios[@]}"; do
  case $s in
    baseline)
      start_trivial
      echo "== baseline: trivial mTLS endpoint, $conns connections, ${duration}s"
      out=$(bench --target 127.0.0.1:$TRIVIAL_PORT --pki "$pki" --connections "$conns" --duration "$duration" --seed 1)
      echo "$out"
      base_rate=$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
      stop_trivial
      ;;
    ingest)
      start_gateway ingest
      echo "== ingest: jubesd end to end (durable, validated, routed), $conns connections, ${duration}s"
      out=$(bench --target 127.0.0.1:$API --pki "$pki" --connections "$conns" --duration "$duration" --seed 2 --ops 127.0.0.1:$OPS)
      echo "$out"
      max_rate=$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
      # The quality bar (PRODUCT.md): ingest reaches at least 0.7x the trivial endpoint in the same run.
      [ -n "$base_rate" ] && awk -v i="$max_rate" -v b="$base_rate" \
        'BEGIN { if (b > 0) printf "ratio ingest/baseline: %.2f (%s / %s msgs/s)\n", i / b, i, b }'
      echo "jubesd RSS after ingest: $(rss_kib $GW_PID) KiB; store: $(du -sh "$work/ingest" | cut -f1)"
      stop_gateway
      ;;
    half)
      [ -n "$max_rate" ] || { echo "half: run 'ingest' first (it measures the maximum)" >&2; exit 1; }
      rate=$(awk -v r="$max_rate" 'BEGIN { printf "%d", r / 2 }')
      start_gateway half
      echo "== half: p99 at half the maximum rate ($rate msg/s), $conns connections, ${duration}s"
      bench --target 127.0.0.1:$API --pki "$pki" --connections "$conns" --duration "$duration" --rate "$rate" --seed 3 \
        --ops 127.0.0.1:$OPS 2> >(grep -E 'accept_latency|group_commit_size|process_cpu' >&2)
      stop_gateway
      # The goal compares the client-side p99 with the trivial endpoint's at the same paced rate.
      start_trivial
      echo "== half-trivial: the trivial endpoint at the same paced rate ($rate msg/s), $conns connections, ${duration}s"
      bench --target 127.0.0.1:$TRIVIAL_PORT --pki "$pki" --connections "$conns" --duration "$duration" --rate "$rate" --seed 3
      stop_trivial
      ;;
    poll)
      start_gateway poll
      n=${POLL_COUNT:-200000}
      echo "== poll: fill the outboxes with $n messages, then drain every outbox in batches of 100"
      bench --target 127.0.0.1:$API --pki "$pki" --connections "$conns" --count "$n" --seed 4 >/dev/null
      bench --target 127.0.0.1:$API --pki "$pki" --poll --poll-max 100
      stop_gateway
      ;;
    idle)
      start_gateway idle
      before=$(rss_kib $GW_PID)
      echo "== idle: $idle idle long polls held open, then 5 s of load beside them"
      "$bin/jubes-bench" --quiet --target 127.0.0.1:$API --pki "$pki" --idle-polls "$idle" --connections 8 \
        --duration 30 --rate 200 --seed 5 > "$work/idle.out" 2> "$work/idle.err" &
      ib=$!; pids+=($ib)
      sleep 20
      echo "jubesd RSS: $before KiB idle -> $(rss_kib $GW_PID) KiB with $idle long polls open; connections: $(curl -s http://127.0.0.1:$OPS/metrics | grep -E '^jubes_api_connections' || true)"
      wait $ib || true
      cat "$work/idle.out"
      stop_gateway
      ;;
    growth)
      start_gateway growth
      steps=${GROWTH_STEPS:-4}; step=${GROWTH_STEP:-500000}
      echo "== growth: $steps x $step messages into one store, $conns connections"
      for i in $(seq 1 "$steps"); do
        out=$(bench --target 127.0.0.1:$API --pki "$pki" --connections "$conns" --count "$step" --seed $((100 + i)))
        echo "after $((i * step)) messages: $out; store $(du -sh "$work/growth" | cut -f1)"
      done
      stop_gateway
      ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
