#!/usr/bin/env bash
# Runs the standard benchmark set (W1-W4 of docs/benchmarks.md) end to end on this machine:
# the server pinned to core 1, the harness to core 0, file-descriptor limit raised, JSON results
# collected in loadtest/results/<timestamp>/. Bounded: every harness run stops by itself.
#
#   loadtest/run-benchmarks.sh            # everything (about 15 minutes)
#   loadtest/run-benchmarks.sh w1 w3      # a subset
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/loadtest/results/$(date -u +%Y%m%dT%H%M%SZ)}
PORT=${PORT:-18080}
SECRET="bench-$(date +%s)-0123456789abcdef"
SERVER_CORE=${SERVER_CORE:-1}
HARNESS_CORE=${HARNESS_CORE:-0}
DURATION=${DURATION:-15}
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(w1 w2 w3 w4)
mkdir -p "$OUT"

ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "fd limit: $(ulimit -n); results in $OUT"
# Each process (server and harness) needs one descriptor per connection plus some spare.
FD_ROOM=$(( $(ulimit -n) - 1000 ))
STORM=$(( FD_ROOM < 20000 ? FD_ROOM : 20000 ))
IDLE=${IDLE_CONNECTIONS:-$(( FD_ROOM < 50000 ? FD_ROOM : 50000 ))}
[ "$STORM" -lt 20000 ] && echo "WARNING: the fd limit ($(ulimit -n)) caps W3 at $STORM connections (wanted 20000)"
[ "$IDLE" -lt 50000 ] && echo "WARNING: the fd limit ($(ulimit -n)) caps W4 at $IDLE connections (wanted 50000)"

if [ ! -f server/target/realtime-server.jar ] || [ ! -f loadtest/target/realtime-loadtest.jar ]; then
  mvn -B -q -DskipTests package
fi

SPID=""
start_server() {
  stop_server
  env JWT_SECRET="$SECRET" PORT="$PORT" HOST=127.0.0.1 IO_THREADS=1 ROOM_SHARDS=1 \
      RATE_LIMIT_MAX_MESSAGES=10000000 RATE_LIMIT_MAX_CONNECTIONS=0 WS_MAX_CONNECTIONS=1000000 \
      WS_PING_INTERVAL=600000 WS_PING_TIMEOUT=600000 \
      taskset -c "$SERVER_CORE" java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=1g \
      -XX:ActiveProcessorCount=1 -Dio.netty.leakDetection.level=disabled \
      -jar server/target/realtime-server.jar > "$OUT/server-$1.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" > /dev/null && return 0
    sleep 0.2
  done
  echo "server did not start; see $OUT/server-$1.log" >&2
  exit 1
}
stop_server() {
  if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
    kill "$SPID"; wait "$SPID" 2>/dev/null || true
  fi
  SPID=""
}
trap stop_server EXIT

harness() {
  taskset -c "$HARNESS_CORE" java -Xmx6g -XX:+UseParallelGC -jar loadtest/target/realtime-loadtest.jar "$@" \
    --url "ws://127.0.0.1:$PORT/ws" --secret "$SECRET" --server-pid "$SPID" --threads 1
}

# clean = p99 below 100 ms and nothing lost
clean() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = "aborted" not in r and r.get("lost", 1) == 0 and r["latencyMs"]["p99"] < 100
print("clean" if ok else "not clean")
sys.exit(0 if ok else 1)
PY
}

# fanout ladder: raise the rate until not clean; $1 name, $2 connections, $3 rooms, $4 publishers, rest rates
ladder() {
  local name=$1 conns=$2 rooms=$3 pubs=$4; shift 4
  start_server "$name"
  harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$1" --duration 8 \
    --warmup 4 --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt"
  for rate in "$@"; do
    local f="$OUT/$name-rate$rate.json"
    echo "== $name rate $rate msg/s"
    harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
      --duration "$DURATION" --warmup 3 --out "$f" > "${f%.json}.txt" || true
    grep -E "deliveriesPerSec|lost|p50|p99 |serverCpuSecondsPer" "${f%.json}.txt" | tr -s ' ' | paste -sd' '
    clean "$f" || break
  done
  stop_server
}

for w in "${WORKLOADS[@]}"; do
  case "$w" in
    w1)
      ladder w1-1k 1000 1 1 100 200 300 500 800 1200
      ladder w1-10k 10000 1 1 10 20 30 50 80 120
      ;;
    w2)
      ladder w2 10000 1000 1000 5000 10000 20000 30000 50000
      ;;
    w3)
      start_server w3
      # JIT warm-up storm, not recorded; then as fast as possible, then at a fixed rate.
      harness connect --connections 5000 --out "$OUT/w3-warmup.json" > "$OUT/w3-warmup.txt" || true
      harness connect --connections "$STORM" --source-addresses 8 --out "$OUT/w3.json" > "$OUT/w3.txt" || true
      grep -E "connectsPerSec|p99 |failed|serverCpuMicros|harnessCpuUtil" "$OUT/w3.txt" | tr -s ' ' | paste -sd' '
      harness connect --connections "$STORM" --source-addresses 8 --ramp 1000 --out "$OUT/w3-ramp1000.json" \
        > "$OUT/w3-ramp1000.txt" || true
      grep -E "connectsPerSec|p99 |failed|serverCpuMicros|harnessCpuUtil" "$OUT/w3-ramp1000.txt" | tr -s ' ' | paste -sd' '
      stop_server
      ;;
    w4)
      start_server w4
      harness idle --connections "$IDLE" --source-addresses 8 --ramp 2000 --duration 20 \
        --out "$OUT/w4.json" > "$OUT/w4.txt" || true
      sed -n '/bytesPerConnection/,/serverAfter/p' "$OUT/w4.txt"
      stop_server
      ;;
    *) echo "unknown workload $w (w1 w2 w3 w4)" >&2; exit 2 ;;
  esac
done
echo "done: $OUT"
