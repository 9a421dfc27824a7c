#!/usr/bin/env bash
# 10,000 connections and the ceiling: this server vs @y/websocket-server, driven by the Rust load
# generator in bench/load (loopback only). Results: target/bench/load-<timestamp>.md (+ JSON).
#
#   bench/load/run.sh                                   # idle-10k steady-10k-5hz ceiling, both servers
#   DURATION=60 SCENARIOS="steady-10k-5hz" bench/load/run.sh
#   SCENARIOS=small SERVERS=whiteboard bench/load/run.sh   # 100 boards × 10, 30 s: a smoke test
#
# Env: SERVERS ("whiteboard ywss"), SCENARIOS ("idle-10k steady-10k-5hz ceiling"; also "small"),
# DURATION (steady run, default 300 s), STEP_SECS (ceiling steps, default 60 s), QUIET_WAIT_SECS
# (longest wait for a quiet machine before each measured run, default 1200), HARNESS (the npm
# project holding @y/websocket-server; default: ../shared/bench copied to /tmp as compare.sh does),
# CARGO_TARGET_DIR (honoured), WB_THREADS (this server's worker threads; default: its own, 1),
# UP_STEPS / DOWN_STEPS (the ceiling's connection counts: from the first up while steps pass,
# else down until one passes; default "10000 15000 19000" / "7500 5000 3500 2500").
#
# The server runs with limits raised for one loopback address holding every connection:
# WB_MAX_CONNECTIONS=20000 (default 10,000), WB_MAX_CONNECTIONS_PER_ADDRESS=20000 (100),
# WB_MAX_CONNECTIONS_PER_BOARD=1000 (250; a board here has 10). Its rate limit (300 messages/s,
# burst 1500, per connection) is far above 20 updates/s + 1 presence/s, so it stays as it is.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
SERVERS=${SERVERS:-"whiteboard ywss"}
SCENARIOS=${SCENARIOS:-"idle-10k steady-10k-5hz ceiling"}
DURATION=${DURATION:-300}
STEP_SECS=${STEP_SECS:-60}
QUIET_WAIT_SECS=${QUIET_WAIT_SECS:-1200}
CONNECT_PER_SEC=${CONNECT_PER_SEC:-500}

(cd "$root" && cargo build --release -p server -p loadgen)
server_bin="$CARGO_TARGET_DIR/release/server"
loadgen="$CARGO_TARGET_DIR/release/loadgen"

HARNESS=${HARNESS:-}
if [ -z "$HARNESS" ]; then
  HARNESS=/tmp/whiteboard-bench-harness
  if [ ! -d "$HARNESS/node_modules/@y/websocket-server" ]; then
    rm -rf "$HARNESS"; cp -r "$root/../shared/bench" "$HARNESS"; chmod -R u+w "$HARNESS"
    (cd "$HARNESS" && npm ci --no-fund --no-audit >/dev/null)
  fi
fi
ywss_js="$HARNESS/node_modules/@y/websocket-server/src/server.js"

# Every connection takes a descriptor in the server and one in the load generator.
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)

ts=$(date +%Y%m%d-%H%M%S)
mkdir -p "$root/target/bench"
out="$root/target/bench/load-$ts.md"
jdir="$root/target/bench/load-$ts"
mkdir -p "$jdir"
work=$(mktemp -d /tmp/whiteboard-load.XXXXXX)
pids=()
port=42100

cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  rm -rf "$work"
}
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts server $1 on a fresh port; sets $srv_pid, $srv_url, $srv_log.
start_server() {
  port=$((port + 1))
  while port_open "$port"; do port=$((port + 1)); done
  srv_log="$jdir/$1.${2:-run}.server.log"
  case $1 in
    whiteboard)
      rm -f "$work"/load.db*
      env DATABASE_URL="sqlite://$work/load.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
        LEPTOS_SITE_ROOT="$root/target/site" RUST_LOG=info \
        WB_MAX_CONNECTIONS=20000 WB_MAX_CONNECTIONS_PER_ADDRESS=20000 WB_MAX_CONNECTIONS_PER_BOARD=1000 \
        ${WB_THREADS:+WB_WORKER_THREADS=$WB_THREADS} "$server_bin" >"$srv_log" 2>&1 </dev/null &
      srv_url="ws://127.0.0.1:$port/ws/" ;;
    ywss)
      HOST=127.0.0.1 PORT=$port node "$ywss_js" >"$srv_log" 2>&1 </dev/null &
      srv_url="ws://127.0.0.1:$port/" ;;
    *) echo "unknown server $1" >&2; return 1 ;;
  esac
  srv_pid=$!
  pids+=("$srv_pid")
  for _ in $(seq 1 200); do   # bounded: 20 s
    kill -0 "$srv_pid" 2>/dev/null || { echo "$1 exited; see $srv_log" >&2; return 1; }
    port_open "$port" && return 0
    sleep 0.1
  done
  echo "$1 did not open port $port in 20 s" >&2; return 1
}

# Builds, browser tests and cluster benches running now, other than this script and its
# ancestors. (A plain `pgrep -f 'rustc|cargo|…'` also matches any process whose command line
# merely mentions ~/.cargo/bin, so the program names are anchored.)
busy_pids() {
  local anc=" " p=$$
  for _ in $(seq 1 64); do
    anc="$anc$p "
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo 1)
    [ "$p" -le 1 ] && break
  done
  for p in $(pgrep -f '(^|/)(rustc|cargo|cargo-leptos)( |$)|playwright|chromium|node bench/cluster' || true); do
    [[ $anc == *" $p "* ]] || echo "$p"
  done
}

# Waits (bounded) until no build or browser test of another engineer is running.
wait_quiet() {
  local waited=0 others
  while :; do
    others=$(busy_pids)
    [ -z "$others" ] && break
    if [ "$waited" -ge "$QUIET_WAIT_SECS" ]; then
      echo "- $1: ran under load after a ${waited} s wait ($(ps -o comm= -p "$(echo "$others" | tr '\n' ',' | sed 's/,$//')" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' '))" >>"$jdir/quiet.txt"
      echo "machine not quiet after ${waited}s; running anyway" >&2
      return 0
    fi
    sleep 10; waited=$((waited + 10))
  done
  if [ "$waited" -gt 0 ]; then echo "- $1: waited ${waited} s for a quiet machine" >>"$jdir/quiet.txt"; else echo "- $1: machine quiet" >>"$jdir/quiet.txt"; fi
  return 0
}

# run_step SERVER LABEL BOARDS PER_BOARD RATE DURATION -> JSON file path on stdout.
run_step() {
  local srv=$1 label=$2 boards=$3 per=$4 rate=$5 dur=$6 json
  json="$jdir/$srv.$label.json"
  wait_quiet "$srv/$label"
  start_server "$srv" "$label"
  echo "== $srv $label: $boards × $per, $rate Hz, $dur s (pid $srv_pid, $srv_url)" >&2
  set +e
  timeout $((dur + 300)) "$loadgen" --url "$srv_url" --boards "$boards" --per-board "$per" --rate "$rate" \
    --duration-secs "$dur" --connect-per-sec "$CONNECT_PER_SEC" --server-pid "$srv_pid" \
    --label "$srv/$label" --json >"$json" 2>"$jdir/$srv.$label.loadgen.log"
  local rc=$?
  set -e
  cat "$jdir/$srv.$label.loadgen.log" >&2
  if ! kill -0 "$srv_pid" 2>/dev/null; then
    echo "  $srv died during $label" >&2
    echo "{\"label\":\"$srv/$label\",\"server_died\":true}" >>"$json"
  fi
  [ "$rc" -ne 0 ] && echo "  loadgen exit $rc" >&2
  stop_pid "$srv_pid"
  echo "$json"
}

row() { # one markdown row from a loadgen JSON
  jq -r '[.label, "\(.connected)/\(.connections)", (.time_to_connect_s|tostring|.[0:5]),
          (.deliveries_per_s|floor), (.latency_p50_ms*100|round/100), (.latency_p99_ms*100|round/100),
          (.latency_max_ms*10|round/10), .lost,
          ((.server_cpu_us_per_delivery // 0)*10|round/10), ((.server_cpu_us_per_delivery_net // 0)*10|round/10),
          ((.server_kb_per_idle_conn // 0)*100|round/100), ((.server_end.rss_kb // 0)/1024|floor),
          ((.server_cpu_steady_cores // 0)*100|round/100), (.loadgen_cpu_steady_cores*100|round/100),
          (.loadgen_cpu_us_per_frame*100|round/100), (.presence_frames_in_per_s|floor),
          ((.connect_failures|to_entries|map("\(.key): \(.value)")|join(", ")) + " / " +
           (.early_ends|to_entries|map("\(.key): \(.value)")|join(", ")) + " / retried: " +
           ((.connect_retries // {})|to_entries|map("\(.key): \(.value)")|join(", ")))] | "| " + join(" | ") + " |"' "$1" 2>/dev/null \
    || echo "| $(basename "$1") | (no result) |"
}
header() {
  echo "| run | connected | connect s | deliveries/s | p50 ms | p99 ms | max ms | lost | server µs/delivery | net of presence | server KB/idle conn | server RSS end MB | server cores | loadgen cores | loadgen µs/frame | presence in/s | failed / ended early / retried |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}

passes() { # JSON -> exit 0 when p99 < 100 ms, nothing lost, every connection made
  jq -e '(.server_died // false) == false and .latency_p99_ms < 100 and .lost == 0 and .connected == .connections and .updates_sent > 0' "$1" >/dev/null 2>&1
}
gave_out() { # JSON -> what gave out first, from the measurements
  jq -r '
    if (.server_died // false) then "server died"
    elif (.connected // 0) < (.connections // 0) then "connections refused/failed: \(.connect_failures)"
    elif ((.server_cpu_steady_cores // 0) >= 0.9) then "server CPU saturated (\(.server_cpu_steady_cores*100|round/100) cores; p99 \(.latency_p99_ms) ms, lost \(.lost))"
    elif (.loadgen_cpu_steady_cores >= 1.6) then "loadgen CPU (\(.loadgen_cpu_steady_cores*100|round/100) cores)"
    elif (.early_ends|length) > 0 then "connections closed: \(.early_ends)"
    else "p99 \(.latency_p99_ms) ms, lost \(.lost) (server \(.server_cpu_steady_cores // 0) cores, loadgen \(.loadgen_cpu_steady_cores) cores)" end' "$1" 2>/dev/null || echo "no result"
}

{
  echo "# Load: this server vs @y/websocket-server ($ts)"
  echo
  echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM, open-files limit $fd_limit; loopback only."
  echo "Server: $server_bin (WB_MAX_CONNECTIONS=20000, WB_MAX_CONNECTIONS_PER_ADDRESS=20000, WB_MAX_CONNECTIONS_PER_BOARD=1000, SQLite synchronous=FULL, worker threads: ${WB_THREADS:-default (1)})."
  echo "Reference: @y/websocket-server $(jq -r .version "$HARNESS/node_modules/@y/websocket-server/package.json" 2>/dev/null), node $(node --version) (in memory)."
  echo
} >"$out"

for sc in $SCENARIOS; do
  case $sc in
    small|idle-10k|steady-10k-5hz)
      case $sc in
        small) args=(100 10 5 30) ;;
        idle-10k) args=(1000 10 0 10) ;;
        steady-10k-5hz) args=(1000 10 5 "$DURATION") ;;
      esac
      { echo "## $sc"; echo; header; } >>"$out"
      for srv in $SERVERS; do
        j=$(run_step "$srv" "$sc" "${args[@]}")
        row "$j" >>"$out"
      done
      echo >>"$out" ;;
    ceiling)
      { echo "## ceiling (each step $STEP_SECS s; a step passes with p99 < 100 ms, nothing lost, every connection made)"; echo; } >>"$out"
      for srv in $SERVERS; do
        { echo "### $srv"; echo; header; } >>"$out"
        last=""; why=""; first_failed=""
        for n in ${UP_STEPS-10000 15000 19000}; do
          if [ $((n + 200)) -gt "$fd_limit" ]; then why="descriptor limit $fd_limit"; break; fi
          j=$(run_step "$srv" "conns-$n" $((n / 10)) 10 5 "$STEP_SECS")
          row "$j" >>"$out"
          if passes "$j"; then last="$n connections at 5 Hz"; else why=$(gave_out "$j"); [ -z "$last" ] && first_failed=1; break; fi
        done
        # Below the first step: step down until one passes (at most four more steps).
        if [ -n "$first_failed" ]; then
          for n in ${DOWN_STEPS-7500 5000 3500 2500}; do
            j=$(run_step "$srv" "conns-$n" $((n / 10)) 10 5 "$STEP_SECS")
            row "$j" >>"$out"
            if passes "$j"; then last="$n connections at 5 Hz"; break; fi
          done
        fi
        [ -z "$why" ] && why="none up to 19,000 connections (the descriptor budget: both processes under $fd_limit)"
        echo "connections ladder: last passing step **${last:-none}**; gave out: $why" >>"$out"
        echo >>"$out"
        if [ -n "$first_failed" ] || [[ $last != 1[0-9]000\ * ]]; then
          echo "rate ladder: not run (it starts from 10,000 connections at 5 Hz, which did not pass above)" >>"$out"
          echo >>"$out"
          continue
        fi
        last="10,000 connections at 5 Hz"; why=""
        header >>"$out"
        for r in 10 20; do
          j=$(run_step "$srv" "rate-$r" 1000 10 "$r" "$STEP_SECS")
          row "$j" >>"$out"
          if passes "$j"; then last="10,000 connections at $r Hz"; else why=$(gave_out "$j"); break; fi
        done
        [ -z "$why" ] && why="none up to 20 Hz"
        echo "rate ladder: last passing step **${last:-none}**; gave out: $why" >>"$out"
        echo >>"$out"
      done ;;
    *) echo "unknown scenario $sc" >&2 ;;
  esac
done
{
  echo "Machine before each run (no build, browser test or cluster bench of another engineer running):"
  cat "$jdir/quiet.txt" 2>/dev/null
  echo
  for l in "$jdir"/whiteboard.*.server.log; do
    [ -f "$l" ] || continue
    grep -m1 -o 'max_tcp_connections=[0-9]*' "$l" | sed "s|^|$(basename "$l"): |"
  done
} >>"$out"
echo "results: $out" >&2
cat "$out"
