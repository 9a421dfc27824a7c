#!/usr/bin/env bash
# Server benchmark: this server (SQLite persistence on, synchronous=FULL) side by side with the
# Node reference servers, @y/websocket-server and Hocuspocus (both in memory), in one run, using
# the shared load harness (real yjs + y-websocket clients in Node, 127.0.0.1 only).
#
#   bench/compare.sh                          # all scenarios, 1 run
#   RUNS=2 SCENARIOS="fanout-1x50" bench/compare.sh
#   HARNESS=/path/to/bench SERVERS="whiteboard ywss" bench/compare.sh
#
# Needs a release build (cargo leptos build --release, or cargo build --release -p server) and
# the harness (../shared/bench) with its npm packages; it is copied to /tmp when read-only.
# Prints the harness's markdown tables, then per-scenario ratios against @y/websocket-server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
RUNS=${RUNS:-1}
SERVERS=${SERVERS:-"whiteboard ywss hocuspocus"}
SCENARIOS=${SCENARIOS:-"fanout-1x50 rooms-100x4 latejoin-10k restart-10x5"}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
HARNESS=${HARNESS:-}
if [ -z "$HARNESS" ]; then
  HARNESS=/tmp/whiteboard-bench-harness
  if [ ! -d "$HARNESS/node_modules" ]; then
    rm -rf "$HARNESS"; cp -r "$root/../shared/bench" "$HARNESS"; chmod -R u+w "$HARNESS"
    (cd "$HARNESS" && npm ci --no-fund --no-audit >/dev/null)
  fi
fi
binary="$root/target/release/server"
[ -x "$binary" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }

OUT=${OUT:-$root/target/bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
export STATE_DIR; STATE_DIR=$(mktemp -d /tmp/whiteboard-bench.XXXXXX)
db_dir=$(mktemp -d /tmp/whiteboard-bench-db.XXXXXX)
# The database lives for one scenario: the restart scenario must find its boards again.
# Every client comes from 127.0.0.1: the per-address limit (100 connections) is raised to the
# scenarios' largest (400 in rooms-100x4), as bench/load/run.sh does; the rest are defaults.
export SERVER_CMD="env DATABASE_URL=sqlite://$db_dir/bench.db LEPTOS_SITE_ADDR=127.0.0.1:{PORT} LEPTOS_SITE_ROOT=$root/target/site RUST_LOG=warn WB_MAX_CONNECTIONS_PER_ADDRESS=1000 $binary"

port_of() { case $1 in ywss) echo 41001 ;; hocuspocus) echo 41002 ;; *) echo 41003 ;; esac; }
url_of() { case $1 in ywss|hocuspocus) echo "ws://127.0.0.1:$2/" ;; *) echo "ws://127.0.0.1:$2/ws/" ;; esac; }
proto_of() { case $1 in hocuspocus) echo hocuspocus ;; *) echo y-websocket ;; esac; }
args_of() {
  case $1 in
    fanout-1x50) echo "--rooms 1 --clients-per-room 50 --updates 200 --rate 20 --payload 200" ;;
    rooms-100x4) echo "--rooms 100 --clients-per-room 4 --updates 40 --rate 5 --payload 200" ;;
    latejoin-10k) echo "--rooms 0 --updates 0 --late-join-shapes 10000 --late-join-trials 5 --payload 200" ;;
    restart-10x5) echo "--rooms 10 --clients-per-room 5 --updates 20 --rate 10 --payload 200 --max-backoff-ms 500" ;;
    *) echo "unknown scenario $1" >&2; return 1 ;;
  esac
}
cleanup() {
  for srv in $SERVERS; do "$HARNESS/server-ctl.sh" stop "$srv" "$(port_of "$srv")" >/dev/null 2>&1 || true; done
  rm -rf "$STATE_DIR" "$db_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "results -> $OUT  (servers: $SERVERS; scenarios: $SCENARIOS; runs: $RUNS)" >&2
for run in $(seq 1 "$RUNS"); do
  for sc in $SCENARIOS; do
    for srv in $SERVERS; do
      port=$(port_of "$srv")
      rm -f "$db_dir"/bench.db*
      pid=$("$HARNESS/server-ctl.sh" start "$srv" "$port" | tail -n1) || { echo "could not start $srv" >&2; continue; }
      read -r -a extra <<<"$(args_of "$sc")"
      cmd=(node "$HARNESS/bench.mjs" --json --quiet --label "$srv/$sc/run$run" --protocol "$(proto_of "$srv")"
           --url "$(url_of "$srv" "$port")" --server-pid "$pid" --max-duration-s "$((BENCH_TIMEOUT - 10))" "${extra[@]}")
      [[ $sc == restart-* ]] && cmd+=(--restart-cmd "$HARNESS/server-ctl.sh restart $srv $port")
      echo "run $run  $sc  $srv (pid $pid)" >&2
      set +e
      timeout "$BENCH_TIMEOUT" "${cmd[@]}" >"$OUT/$srv.$sc.run$run.json" 2>"$OUT/$srv.$sc.run$run.log"
      echo "  exit $?" >&2
      set -e
      "$HARNESS/server-ctl.sh" stop "$srv" "$port"
    done
  done
done
node "$HARNESS/report.mjs" "$OUT" | tee "$OUT/report.md"
node "$here/ratios.mjs" "$OUT" | tee -a "$OUT/report.md"
