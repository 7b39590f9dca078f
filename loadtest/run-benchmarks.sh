#!/usr/bin/env bash
# Runs the standard benchmark set (W1-W5 of docs/benchmarks.md) end to end on this machine:
# the server pinned to core 1, the harness to core 0, file-descriptor limit raised, JSON results
# collected in loadtest/results/<timestamp>/. Bounded: every harness run stops by itself.
#
#   loadtest/run-benchmarks.sh            # W1-W4 (about 15 minutes)
#   loadtest/run-benchmarks.sh w1 w3      # a subset
#   loadtest/run-benchmarks.sh w5         # two nodes over Redis (about 4 minutes; needs redis-server)
#   loadtest/run-benchmarks.sh w5ref      # W5's ladders on one node, without and with Redis (7 minutes)
#   loadtest/run-benchmarks.sh w6         # seed 004 live video: 10,000 viewers, chat 50/s, 100 joins/s (1 minute)
#   loadtest/run-benchmarks.sh w6cluster  # the same over two nodes and Redis (needs redis-server)
#   loadtest/run-benchmarks.sh w8         # quiz matchmaking + matches: 1 node, 1 node on Redis, 2 nodes (about 4 minutes)
#   loadtest/run-benchmarks.sh w8think    # only W8's human-pace run (W8_THINK_PLAYERS, default 400, W8_THINK_DURATION 30 s)
#   loadtest/run-benchmarks.sh compare    # W1 and W2 on five servers side by side (about 50 minutes):
#                                         # our native JSON, our Socket.IO endpoint, socket.io 4.8 (Node),
#                                         # netty-socketio 2.0.14 and the kernel floor (FloorServer), each
#                                         # alone on SERVER_CORE
#   loadtest/run-benchmarks.sh w9         # W5 over a 3-primary Redis Cluster (REDIS_MODE=cluster; ~4 minutes)
#   loadtest/run-benchmarks.sh failover   # W9 traffic, a primary killed mid-run: blackout, loss, duplicates
#   loadtest/run-benchmarks.sh scale      # 1..4 nodes over a 3-shard cluster, 20,000 connections spread
#   loadtest/run-benchmarks.sh tail       # issue 12's tail-latency points (1,000 rooms x 10 at 80,000/s,
#                                         # 1 room x 1,000 at 300,000/s), REPEAT times
#   loadtest/run-benchmarks.sh gc         # the tail points under Serial, Parallel, G1 (JDK 17) and
#                                         # generational ZGC (JDK_25, default /usr/lib/jvm/temurin-25-jdk-amd64)
#   loadtest/run-benchmarks.sh transport  # epoll against io_uring at the compare points, alternating
#   loadtest/run-benchmarks.sh placement  # rooms on the I/O loop (ROOM_SHARDS=0) against a shard thread (1)
#   loadtest/run-benchmarks.sh writedelay # writeDelayMs 0, 5 and 20: 1,000 rooms x 10 at 80,000/s and 1 room x 1,000 at 300,000/s
#                                         # (WRITEDELAY_BIG_ONLY=1: the big room only)
#
# The server runs with SERVER_GC (the launcher's GC settings, see docs/benchmarks.md "GC") on
# SERVER_JAVA (default: java); TRANSPORT and ROOM_SHARDS pass through. The harness runs with its own
# settings (HARNESS_JVM): a young generation big enough that its receive path, which allocates
# nothing, never collects during a run; it reports its own GC pauses next to the server's.
#
# W9/failover/scale start a Redis Cluster (3 primaries + 3 replicas, `redis-cli --cluster create`,
# cluster-node-timeout CLUSTER_NODE_TIMEOUT ms, default 2000) pinned to REDIS_CORES (default
# SERVER_CORE). scale starts SCALE_NODES nodes (default "1 2 3 4"), node i pinned to the i-th entry of
# NODE_CORES (default: all on SERVER_CORE), SCALE_CONNECTIONS (20000) over SCALE_ROOMS (1000) rooms at
# SCALE_RATE (2000) messages/s for SCALE_DURATION (20) s, NODE_HEAP (2g) each.
#
# compare needs node/npm (the socket.io peer is installed with npm ci) and builds the
# netty-socketio peer (a standalone pom, not part of the reactor). Rates: COMPARE_RATES_W1 and
# COMPARE_RATES_W2 (messages/s; the first is the equal-rate point, 20k deliveries/s), rest a ladder;
# COMPARE_W1_CONNECTIONS and COMPARE_W2_ROOMS shrink the workloads for a quick check that it all runs.
#
# W5 starts redis-server and two nodes (NODE_ID a and b on PORT and PORT+1, REDIS_URL set), all
# three pinned to SERVER_CORE: the cluster gets the same one core the single node of W1 had, and
# the harness keeps its own core, so the numbers compare with W1's on the same CPU budget.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/loadtest/results/$(date -u +%Y%m%dT%H%M%SZ)}
PORT=${PORT:-18080}
SECRET="bench-$(date +%s)-0123456789abcdef"
SERVER_CORE=${SERVER_CORE:-1}
HARNESS_CORE=${HARNESS_CORE:-0}
DURATION=${DURATION:-15}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
SERVER_JAVA=${SERVER_JAVA:-java}
SERVER_GC=${SERVER_GC:--XX:+UseSerialGC -Xmn64m}
HARNESS_JVM=${HARNESS_JVM:--Xms2g -Xmx2g -Xmn1536m -XX:+UseSerialGC -XX:MetaspaceSize=256m -XX:+AlwaysPreTouch}
JDK_25=${JDK_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
REPEAT=${REPEAT:-3}
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
# Run copies, so a rebuild in the working tree during the run cannot change what is measured
# (removed at exit; their checksums stay in jars.sha256).
cp server/target/realtime-server.jar loadtest/target/realtime-loadtest.jar "$OUT/"
SERVER_JAR="$OUT/realtime-server.jar"
HARNESS_JAR="$OUT/realtime-loadtest.jar"
sha256sum "$SERVER_JAR" "$HARNESS_JAR" > "$OUT/jars.sha256"

SPID=""      # the node of a one-node run (also node a of a cluster)
SPID_B=""    # node b of a cluster
REDIS_PID=""
URLS="ws://127.0.0.1:$PORT/ws"
PIDS=""
# $1 log name, $2 port, rest: extra environment (NODE_ID=..., REDIS_URL=...); prints nothing, sets LAST_PID
launch_node() {
  local name=$1 port=$2; shift 2
  # PRESENCE_EVENTS_MAX_MEMBERS=0: the harness's joins are not announced (W1-W5 stay comparable with
  # runs before presence events existed; W6's rooms are above the default limit in steady state).
  # ROOM_SHARDS and TRANSPORT pass through from the caller's environment (defaults: rooms on the
  # I/O loop, epoll).
  # shellcheck disable=SC2086
  env JWT_SECRET="$SECRET" PORT="$port" HOST=127.0.0.1 IO_THREADS=1 ROOM_SHARDS="${ROOM_SHARDS:-0}" \
      TRANSPORT="${TRANSPORT:-auto}" \
      RATE_LIMIT_MAX_MESSAGES=10000000 RATE_LIMIT_MAX_CONNECTIONS=0 WS_MAX_CONNECTIONS=1000000 \
      PRESENCE_EVENTS_MAX_MEMBERS=0 \
      WS_PING_INTERVAL=600000 WS_PING_TIMEOUT=600000 "$@" \
      taskset -c "${NODE_CORE:-$SERVER_CORE}" "$SERVER_JAVA" -Xms"${NODE_HEAP:-2g}" -Xmx"${NODE_HEAP:-2g}" -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=1g \
      -XX:ActiveProcessorCount=1 $SERVER_GC ${SERVER_JVM_EXTRA:-} -Dio.netty.leakDetection.level=disabled \
      -jar "$SERVER_JAR" > "$OUT/server-$name.log" 2>&1 &
  LAST_PID=$!
}
wait_ready() {
  # Up to 60 s: several 2 GB pre-touched JVMs and a Redis Cluster starting on one core take a while.
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/health/ready" > /dev/null && return 0
    sleep 0.2
  done
  echo "server on port $1 did not start; see $OUT/server-$2.log" >&2
  exit 1
}
start_server() {
  stop_server
  launch_node "$1" "$PORT"
  SPID=$LAST_PID
  URLS="ws://127.0.0.1:$PORT/ws"
  PIDS="$SPID"
  wait_ready "$PORT" "$1"
}
# W5: redis-server and $CLUSTER_NODES nodes (default 2: a on PORT, b on PORT+1), all on SERVER_CORE.
start_cluster() {
  stop_server
  local rport
  rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  taskset -c "$SERVER_CORE" "$REDIS_SERVER" --port "$rport" --bind 127.0.0.1 --save "" --appendonly no \
    --protected-mode no --dir "$OUT" > "$OUT/redis-$1.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do
    [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] || { echo "redis-server did not start; see $OUT/redis-$1.log" >&2; exit 1; }
  launch_node "$1-a" "$PORT" NODE_ID=a REDIS_URL="redis://127.0.0.1:$rport"
  SPID=$LAST_PID
  URLS="ws://127.0.0.1:$PORT/ws"
  PIDS="$SPID"
  if [ "${CLUSTER_NODES:-2}" -ge 2 ]; then
    launch_node "$1-b" "$((PORT + 1))" NODE_ID=b REDIS_URL="redis://127.0.0.1:$rport"
    SPID_B=$LAST_PID
    URLS="$URLS,ws://127.0.0.1:$((PORT + 1))/ws"
    PIDS="$PIDS,$SPID_B"
  fi
  wait_ready "$PORT" "$1-a"
  [ -z "$SPID_B" ] || wait_ready "$((PORT + 1))" "$1-b"
}
# W5 reference: one node that keeps its history and presence in Redis (its bus publishes come back
# only as its own echo).
start_redis_node() {
  CLUSTER_NODES=1 start_cluster "$1"
}
stop_pid() {
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill "$1"; wait "$1" 2>/dev/null || true
  fi
}
stop_server() {
  stop_pid "$SPID"
  stop_pid "$SPID_B"
  stop_pid "$REDIS_PID"
  for p in $EXTRA_PIDS $CLUSTER_PIDS; do stop_pid "$p"; done
  SPID=""; SPID_B=""; REDIS_PID=""; EXTRA_PIDS=""; CLUSTER_PIDS=""; PRIMARY_PIDS=""; CLUSTER_URL=""
  # The next server binds the same ports: wait (up to 15 s) until nothing listens on them any more
  # (a peer that takes its time to exit made the next start fail with "Address already in use").
  for _ in $(seq 1 75); do
    ss -ltn 2>/dev/null | grep -qE "127\.0\.0\.1:($PORT|$((PORT + 1))|$((PORT + 2))|$((PORT + 3))) " || break
    sleep 0.2
  done
}

# --- Redis Cluster (W6, failover, scale) -------------------------------------------------------
CLUSTER_PIDS=""   # every redis-server of the cluster
PRIMARY_PIDS=""   # the primaries, comma-separated, in slot order (for --redis-pid)
CLUSTER_URL=""    # REDIS_URL listing the three primaries as seeds
EXTRA_PIDS=""     # gateway nodes beyond a and b
REDIS_CLI=${REDIS_CLI:-redis-cli}
# A port p with p and p+10000 (the cluster bus) free, below 55000.
cluster_port() {
  python3 -c 'import random, socket
while True:
    p = random.randint(20000, 44999)
    try:
        a = socket.socket(); a.bind(("127.0.0.1", p)); b = socket.socket(); b.bind(("127.0.0.1", p + 10000))
        a.close(); b.close(); print(p); break
    except OSError:
        pass'
}
# $1 run name: 6 redis-servers in cluster mode, 3 primaries + 3 replicas, all slots covered.
start_redis_cluster() {
  command -v "$REDIS_CLI" > /dev/null || { echo "the cluster workloads need redis-cli (Debian: redis-tools)" >&2; exit 2; }
  local ports=() p pid i
  declare -gA CLUSTER_PID_OF=()
  for i in 1 2 3 4 5 6; do
    p=$(cluster_port)
    ports+=("$p")
    mkdir -p "$OUT/redis-$1-$p"
    taskset -c "${REDIS_CORES:-$SERVER_CORE}" "$REDIS_SERVER" --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "$OUT/redis-$1-$p/nodes.conf" --cluster-node-timeout "${CLUSTER_NODE_TIMEOUT:-2000}" \
      --save "" --appendonly no --protected-mode no --dir "$OUT/redis-$1-$p" > "$OUT/redis-$1-$p.log" 2>&1 &
    CLUSTER_PIDS="$CLUSTER_PIDS $!"
    CLUSTER_PID_OF[$p]=$!
  done
  for p in "${ports[@]}"; do
    for _ in $(seq 1 50); do [ "$("$REDIS_CLI" -p "$p" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
  done
  local hosts=()
  for p in "${ports[@]}"; do hosts+=("127.0.0.1:$p"); done
  "$REDIS_CLI" --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes > "$OUT/redis-$1-create.log" 2>&1 \
    || { echo "redis-cli --cluster create failed; see $OUT/redis-$1-create.log" >&2; exit 1; }
  for p in "${ports[@]}"; do
    for _ in $(seq 1 100); do
      "$REDIS_CLI" -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
  done
  # Primaries in slot order (the first serves slot 0).
  PRIMARY_PIDS=""
  local seeds=()
  while read -r port; do
    PRIMARY_PIDS="${PRIMARY_PIDS:+$PRIMARY_PIDS,}${CLUSTER_PID_OF[$port]}"
    seeds+=("127.0.0.1:$port")
  done < <("$REDIS_CLI" -p "${ports[0]}" --json cluster slots | python3 -c '
import json, sys
seen = []
for r in sorted(json.load(sys.stdin), key=lambda r: r[0]):
    if r[2][1] not in seen:
        seen.append(r[2][1])
print("\n".join(str(p) for p in seen))')
  CLUSTER_URL="redis://$(IFS=,; echo "${seeds[*]}")"
  echo "redis cluster: primaries ${seeds[*]} (pids $PRIMARY_PIDS)"
}
# $1 name, $2 node count: a Redis Cluster and that many nodes in cluster mode (a, b, c, ... on PORT, PORT+1, ...).
start_cluster_nodes() {
  stop_server
  start_redis_cluster "$1"
  local n=$2 i cores
  local NODE_NAMES=(a b c d e f g h)
  read -r -a cores <<< "${NODE_CORES:-}"
  URLS=""; PIDS=""
  for i in $(seq 0 $((n - 1))); do
    local id=${NODE_NAMES[$i]}
    NODE_CORE=${cores[$i]:-$SERVER_CORE} launch_node "$1-$id" "$((PORT + i))" NODE_ID="$id" REDIS_MODE=cluster \
      REDIS_URL="$CLUSTER_URL"
    if [ "$i" -eq 0 ]; then SPID=$LAST_PID; elif [ "$i" -eq 1 ]; then SPID_B=$LAST_PID; else EXTRA_PIDS="$EXTRA_PIDS $LAST_PID"; fi
    URLS="${URLS:+$URLS,}ws://127.0.0.1:$((PORT + i))/ws"
    PIDS="${PIDS:+$PIDS,}$LAST_PID"
  done
  for i in $(seq 0 $((n - 1))); do wait_ready "$((PORT + i))" "$1-node$i"; done
}
start_cluster3() {
  start_cluster_nodes "$1" 2
}
# compare: the peers of loadtest/peers/ ($1 log name); each sets SPID and URLS like start_server.
PEER_NODE_DIR="$ROOT/loadtest/peers/socketio-node"
PEER_NSIO_JAR="$ROOT/loadtest/peers/netty-socketio/target/netty-socketio-peer.jar"
start_peer_node() {
  stop_server
  env PORT="$PORT" JWT_SECRET="$SECRET" PING_INTERVAL=600000 PING_TIMEOUT=600000 \
    taskset -c "$SERVER_CORE" node "$PEER_NODE_DIR/server.js" > "$OUT/server-$1.log" 2>&1 &
  SPID=$!; PIDS="$SPID"; URLS="ws://127.0.0.1:$PORT/socket.io/"
  wait_ready "$PORT" "$1"
}
start_peer_nsio() {
  stop_server
  # A port of its own: netty-socketio's sockets lack SO_REUSEADDR, so the next server could not bind
  # its port until their TIME_WAIT ran out (a minute).
  local port=$((PORT + 10))
  env PORT="$port" JWT_SECRET="$SECRET" PING_INTERVAL=600000 PING_TIMEOUT=600000 WORKER_THREADS=1 \
    taskset -c "$SERVER_CORE" java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:ActiveProcessorCount=1 \
    -Dio.netty.leakDetection.level=disabled -jar "$PEER_NSIO_JAR" > "$OUT/server-$1.log" 2>&1 &
  SPID=$!; PIDS="$SPID"; URLS="ws://127.0.0.1:$port/socket.io/"
  # netty-socketio has no health route: wait for its port
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/socket.io/?EIO=4&transport=polling" && return 0
    sleep 0.2
  done
  echo "netty-socketio peer did not start; see $OUT/server-$1.log" >&2; exit 1
}
# the kernel's floor: a bare Netty program that only writes pre-encoded frames (loadtest/FloorServer)
start_floor() {
  stop_server
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CORE" java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:ActiveProcessorCount=1 $SERVER_GC \
    -Dio.netty.leakDetection.level=disabled -cp "$HARNESS_JAR" dev.realtime.loadtest.FloorServer "$PORT" \
    ${FLOOR_MODE:-} > "$OUT/server-$1.log" 2>&1 &
  SPID=$!; PIDS="$SPID"; URLS="ws://127.0.0.1:$PORT/ws"
  for _ in $(seq 1 100); do
    grep -q "floor server on" "$OUT/server-$1.log" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "floor server did not start; see $OUT/server-$1.log" >&2; exit 1
}
# A node with a route table (ROUTES: its file), e.g. room policies.
start_server_with_routes() {
  stop_server
  launch_node "$1" "$PORT" ROUTES_FILE="$ROUTES"
  SPID=$LAST_PID
  URLS="ws://127.0.0.1:$PORT/ws"
  PIDS="$SPID"
  wait_ready "$PORT" "$1"
}
# our node, serving both endpoints: native JSON on /ws, Socket.IO on /socket.io/
start_gateway_sio() {
  start_server "$1"
  URLS="ws://127.0.0.1:$PORT/socket.io/"
}
trap 'stop_server; rm -f "$SERVER_JAR" "$HARNESS_JAR"' EXIT

harness() {
  local extra=()
  [ -n "$REDIS_PID" ] && extra=(--redis-pid "$REDIS_PID")
  [ -n "$PRIMARY_PIDS" ] && extra=(--redis-pid "$PRIMARY_PIDS")
  # shellcheck disable=SC2086
  # Exit 1 is a run that lost messages or counted errors: on a rate ladder that is a result (the
  # table says "not clean"), not a reason to stop; 2 (bad options) and anything else is.
  local rc=0
  taskset -c "$HARNESS_CORE" java $HARNESS_JVM -jar "$HARNESS_JAR" "$@" \
    --url "$URLS" --secret "$SECRET" --server-pid "$PIDS" --threads 1 "${extra[@]}" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]
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

# One line per W5 run: the numbers docs/benchmarks.md tabulates for W5.
summary() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "aborted" in r:
    print("aborted:", r["aborted"]); sys.exit(0)
l = r["latencyMs"]
out = [f'deliveries/s {r["deliveriesPerSec"]:.0f}',
       f'p50 {l["p50"]} p99 {l["p99"]} p99.9 {l["p999"]} max {l["max"]} ms']
if "latencyMsCrossNode" in r:
    s, c = r["latencyMsSameNode"], r["latencyMsCrossNode"]
    out.append(f'same-node p50/p99 {s["p50"]}/{s["p99"]}, cross-node {c["p50"]}/{c["p99"]} ms')
out.append(f'lost {r["lost"]} dup {r["duplicates"]}')
out.append(f'server CPU s/M deliveries {r.get("serverCpuSecondsPerMillionDeliveries")}'
           + (f' (by node {r["serverCpuSecondsByNode"]} s)' if "serverCpuSecondsByNode" in r else ''))
if "redisCpuSeconds" in r:
    out.append(f'redis {r["redisCpuSeconds"]} s ({r["redisCpuMicrosPerMessage"]} us/msg)')
if "redisCpuMicrosPerMessageByPid" in r:
    out.append(f'redis us/msg by primary {r["redisCpuMicrosPerMessageByPid"]}')
if "failover" in r:
    f = r["failover"]
    out.append(f'failover: killed at {f["killedAtSecond"]} s, first cross-node delivery after it p50 '
               f'{f.get("firstCrossNodeDeliveryAfterKillMsP50")} ms, max {f.get("firstCrossNodeDeliveryAfterKillMsMax")} ms, '
               f'{f.get("roomsSilentOver100ms")} of {f["roomsMeasured"]} rooms silent > 100 ms')
m = r.get("machineCpu", {})
out.append(f'harness {r["harnessCpuUtilization"]:.0%}, other CPU {m.get("otherCpuSeconds")} s')
if r["errors"]:
    out.append(f'errors {r["errors"]}')
print(" | ".join(out))
PY
}

# One line per W6 run: chat deliveries, latency, and what the viewer counts cost.
video_summary() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "aborted" in r:
    print("aborted:", r["aborted"]); sys.exit(0)
l = r["latencyMs"]
print(" | ".join([f'viewers {r["viewers"]} chat {r["chatRate"]}/s churn {r["churnJoinsPerSec"]} joins/s',
    f'deliveries/s {r["deliveriesPerSec"]:.0f}', f'p50 {l["p50"]} p99 {l["p99"]} p99.9 {l["p999"]} max {l["max"]} ms',
    f'lost {r["lost"]} dup {r["duplicates"]}', f'count events/s {r["countEventsPerSec"]}',
    f'server CPU {r.get("serverCpuSeconds")} s, counting {r.get("viewerCountCpuSeconds")} s '
    f'({r.get("viewerCountCpuPercentOfServer")} %)', f'harness {r["harnessCpuUtilization"]:.0%}',
    f'errors {r["errors"]}' if r["errors"] else "no errors"]))
PY
}

# W6: seed 004's live stream; $1 name. W6_VIEWERS (default 10000), W6_CHAT (50 msg/s), W6_CHURN (100 joins/s).
video_run() {
  local name=$1 viewers=${W6_VIEWERS:-10000} chat=${W6_CHAT:-50} churn=${W6_CHURN:-100}
  "${START:-start_server}" "$name"
  harness video --connections "$viewers" --rate "$chat" --churn "$churn" --duration 8 --warmup 4 \
    --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt" || true
  harness video --connections "$viewers" --rate "$chat" --churn "$churn" --duration "$DURATION" --warmup 3 \
    --out "$OUT/$name.json" > "$OUT/$name.txt" || true
  video_summary "$OUT/$name.json"
  stop_server
}

# One line per quiz run (W8).
quiz_summary() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "aborted" in r:
    print("aborted:", r["aborted"]); sys.exit(0)
f, s = r["matchFoundAfterSecondJoinMs"], r["stateUpdateAfterSubmitMs"]
out = [f'matches/s {r["matchesPerSec"]}', f'match:found p50/p99 {f["p50"]}/{f["p99"]} ms',
       f'stateUpdate p50/p99 {s["p50"]}/{s["p99"]} ms', f'server CPU ms/match {r.get("serverCpuMillisPerMatch")}',
       f'harness {r["harnessCpuUtilization"]:.0%}']
if r["errors"]:
    out.append(f'errors {r["errors"]}')
print(" | ".join(out))
PY
}

# quiz run: $1 name, $2 start function, $3 players, $4 think ms. An untimed warm-up run first.
quiz_run() {
  local name=$1 start=$2 players=$3 think=$4
  "$start" "$name"
  harness quiz --connections "$players" --think-ms "$think" --duration 10 --warmup 5 \
    --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt" || true
  echo "== $name: $players players, think $think ms"
  harness quiz --connections "$players" --think-ms "$think" --duration "$DURATION" --warmup 3 \
    --out "$OUT/$name.json" > "$OUT/$name.txt" || true
  quiz_summary "$OUT/$name.json"
  stop_server
}

# W8 at a human pace: players answer once a second, at about half of what two nodes and Redis on one
# core can serve (~80 matches/s flat out), for long enough that matches start and end in the window
# (a match lasts 5 answers). 10,000 such players would ask ~2,000 answers/s, past one core.
w8_think() {
  DURATION=${W8_THINK_DURATION:-30} quiz_run w8-2nodes-think start_cluster "${W8_THINK_PLAYERS:-400}" 1000
}

# One compare run: $1 server kind, $2 name, $3 connections, $4 rooms, $5 publishers, $6 rate.
compare_run() {
  local kind=$1 name=$2 conns=$3 rooms=$4 pubs=$5 rate=$6 proto=native
  case "$kind" in
    native) start_server "$name" ;;
    sio) start_gateway_sio "$name"; proto=socketio ;;
    socketio-node) start_peer_node "$name"; proto=socketio ;;
    netty-socketio) start_peer_nsio "$name"; proto=socketio ;;
    floor) start_floor "$name" ;;
  esac
  harness fanout --protocol "$proto" --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
    --duration 6 --warmup 3 --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt" 2>&1 || true
  local f="$OUT/$name.json"
  harness fanout --protocol "$proto" --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
    --duration "$DURATION" --warmup 3 --out "$f" > "${f%.json}.txt" 2>&1 || true
  stop_server
  echo "== $name: $(compare_line "$f")"
  clean "$f" > /dev/null
}
compare_line() {
  python3 - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("no result:", e); sys.exit(0)
if "aborted" in r:
    print("aborted:", r["aborted"]); sys.exit(0)
l = r["latencyMs"]
print(f'deliveries/s {r["deliveriesPerSec"]:.0f} | CPU s/M deliveries user {r.get("serverCpuUserSecondsPerMillionDeliveries")} '
      f'system {r.get("serverCpuSystemSecondsPerMillionDeliveries")} | p50 {l["p50"]} p99 {l["p99"]} ms | lost {r["lost"]} dup {r["duplicates"]}')
PY
}
# compare: every rate of a workload on the four servers in turn (alternating, so drift hits all
# alike); each server climbs its own ladder until not clean, so "highest clean rate" is per server.
compare() {
  local w=$1 conns=$2 rooms=$3 pubs=$4; shift 4
  # shellcheck disable=SC2206
  local kinds=(${COMPARE_KINDS:-native sio socketio-node netty-socketio floor})
  declare -A done_kind=()
  for rate in "$@"; do
    for kind in "${kinds[@]}"; do
      [ -n "${done_kind[$kind]:-}" ] && continue
      compare_run "$kind" "compare-$w-$kind-rate$rate" "$conns" "$rooms" "$pubs" "$rate" || done_kind[$kind]=1
    done
  done
}
compare_table() {
  python3 - "$OUT" <<'PY'
import glob, json, os, re, sys
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "compare-*-rate*.json"))):
    if f.endswith("-warmup.json"):
        continue
    m = re.match(r"compare-(w\d)-(.+)-rate(\d+)\.json", os.path.basename(f))
    r = json.load(open(f))
    if "aborted" in r:
        rows.append((m[1], m[2], int(m[3]), "aborted", "", "", "", "")); continue
    l = r["latencyMs"]
    rows.append((m[1], m[2], int(m[3]), f'{r["deliveriesPerSec"]:.0f}', r.get("serverCpuUserSecondsPerMillionDeliveries"),
                 r.get("serverCpuSystemSecondsPerMillionDeliveries"), l["p99"], r["lost"]))
print("| workload | server | msg/s | deliveries/s | CPU user s/M del. | CPU system s/M del. | p99 ms | lost |")
print("|---|---|---|---|---|---|---|---|")
order = {"native": 0, "sio": 1, "socketio-node": 2, "netty-socketio": 3, "floor": 4}
for row in sorted(rows, key=lambda x: (x[0], x[2], order.get(x[1], 9))):
    print("| " + " | ".join(str(c) for c in row) + " |")
PY
}

# One line per run with everything issue 12 asks for (latency over the whole timed run, loss, CPU
# per delivery user and system apart, context switches per published message, allocation per
# delivery and per message, GC pauses of server and harness).
point_line() {
  python3 - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("no result:", e); sys.exit(0)
if "aborted" in r:
    print("aborted:", r["aborted"]); sys.exit(0)
l = r["latencyMs"]; cs = r.get("serverContextSwitchesPerMessage") or {}
a = r.get("serverAllocatedBytesPerDelivery") or {}; am = r.get("serverAllocatedBytesPerMessage") or {}
sg = r.get("serverGc") or {}; hg = r.get("harnessGc") or {}
print(f'{r["deliveriesPerSec"]:.0f} del/s | p50 {l["p50"]} p99 {l["p99"]} p99.9 {l["p999"]} max {l["max"]} ms | lost {r["lost"]} dup {r["duplicates"]}'
      f' | CPU us/del user {r.get("serverCpuUserSecondsPerMillionDeliveries")} system {r.get("serverCpuSystemSecondsPerMillionDeliveries")}'
      f' | ctx sw/msg vol {cs.get("voluntary")} invol {cs.get("involuntary")} | alloc B/del {a.get("all")} B/msg {am.get("all")}'
      f' | server GC max {sg.get("maxPauseMs")} ms ({sg.get("pauses")} pauses) | harness GC max {hg.get("maxPauseMs")} ms ({hg.get("pauses")})'
      f' | harness CPU {r.get("harnessCpuUtilization")} | other CPU {(r.get("machineCpu") or {}).get("otherCpuSeconds")} s')
PY
}
# point: $1 name, $2 connections, $3 rooms, $4 publishers, $5 rate: a fresh server (START, default
# start_server), one untimed warm-up run, then the timed run.
point() {
  local name=$1 conns=$2 rooms=$3 pubs=$4 rate=$5
  "${START:-start_server}" "$name"
  harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" --duration 8 \
    --warmup 4 --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt" 2>&1 || true
  # The timed run's first WARMUP seconds are not measured (the harness's own JIT warms up there).
  harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
    --duration "$((DURATION + ${WARMUP:-8}))" --warmup "${WARMUP:-8}" --out "$OUT/$name.json" > "$OUT/$name.txt" 2>&1 || true
  stop_server
  echo "== $name: $(point_line "$OUT/$name.json")"
}
# The two tail-latency points of issue 12, goal 1.
tail_points() {
  local tag=$1
  point "$tag-rooms-80k" 10000 1000 1000 8000
  point "$tag-room1k-300k" 1000 1 1 300
}

# fanout ladder: raise the rate until not clean; $1 name, $2 connections, $3 rooms, $4 publishers, rest rates.
# START=start_cluster runs it against the two-node cluster (W5).
ladder() {
  local name=$1 conns=$2 rooms=$3 pubs=$4; shift 4
  "${START:-start_server}" "$name"
  harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$1" --duration 8 \
    --warmup 4 --out "$OUT/$name-warmup.json" > "$OUT/$name-warmup.txt"
  for rate in "$@"; do
    local f="$OUT/$name-rate$rate.json"
    echo "== $name rate $rate msg/s"
    harness fanout --connections "$conns" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
      --duration "$DURATION" --warmup 3 --out "$f" > "${f%.json}.txt" || true
    if [[ $name == w5* || $name == w9* ]]; then
      summary "$f"
    else
      grep -E "deliveriesPerSec|lost|p50|p99 |serverCpuSecondsPer" "${f%.json}.txt" | tr -s ' ' | paste -sd' '
    fi
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
      # JIT warm-up storms (W3_WARMUPS x 5,000, not recorded: one was not enough, C2 still compiled
      # through the measured storm); then as fast as possible, then at fixed rates.
      for i in $(seq 1 "${W3_WARMUPS:-4}"); do
        harness connect --connections 5000 --source-addresses 8 --out "$OUT/w3-warmup.json" > "$OUT/w3-warmup.txt" || true
      done
      harness connect --connections "$STORM" --source-addresses 8 --out "$OUT/w3.json" > "$OUT/w3.txt" || true
      grep -E "connectsPerSec|p99 |failed|serverCpuMicros|harnessCpuUtil" "$OUT/w3.txt" | tr -s ' ' | paste -sd' '
      harness connect --connections "$STORM" --source-addresses 8 --ramp 1000 --out "$OUT/w3-ramp1000.json" \
        > "$OUT/w3-ramp1000.txt" || true
      grep -E "connectsPerSec|p99 |failed|serverCpuMicros|harnessCpuUtil" "$OUT/w3-ramp1000.txt" | tr -s ' ' | paste -sd' '
      harness connect --connections "$STORM" --source-addresses 8 --ramp 2000 --out "$OUT/w3-ramp2000.json" \
        > "$OUT/w3-ramp2000.txt" || true
      grep -E "connectsPerSec|p99 |failed|serverCpuMicros|harnessCpuUtil" "$OUT/w3-ramp2000.txt" | tr -s ' ' | paste -sd' '
      stop_server
      ;;
    w4)
      # MarkSweepDeadRatio=0: Serial's full GC otherwise leaves up to 5 % of the old generation as
      # "dead wood" (garbage it does not compact away, kept as int[] filler objects), which the heap
      # gauge counts as used: 300-500 B per connection of noise that came and went between runs.
      SERVER_JVM_EXTRA="-XX:MarkSweepDeadRatio=0" start_server w4
      harness idle --connections "$IDLE" --source-addresses 8 --ramp 2000 --duration 20 \
        --out "$OUT/w4.json" > "$OUT/w4.txt" || true
      sed -n '/bytesPerConnection/,/serverAfter/p' "$OUT/w4.txt"
      stop_server
      ;;
    w5)
      # Two nodes over Redis: every room has members on both nodes, so half of all deliveries
      # cross the bus. One room of 1,000 like W1, then 1,000 rooms x 10 like W2.
      command -v "$REDIS_SERVER" > /dev/null || { echo "w5 needs redis-server (apt-get install redis-server)" >&2; exit 2; }
      START=start_cluster ladder w5-1k 1000 1 1 50 100 200 300 500 800
      START=start_cluster ladder w5-rooms 10000 1000 1000 1000 2000 3000 5000
      ;;
    w5ref)
      # The same ladders on one node: without Redis (as W1/W2), and with Redis (history, presence
      # and the bus publish go to Redis, but no delivery crosses nodes), to split the cost.
      command -v "$REDIS_SERVER" > /dev/null || { echo "w5ref needs redis-server (apt-get install redis-server)" >&2; exit 2; }
      START=start_server ladder w5ref-1node-1k 1000 1 1 50 100 200 300 500 800
      START=start_redis_node ladder w5ref-1node-redis-1k 1000 1 1 50 100 200 300 500 800
      START=start_server ladder w5ref-1node-rooms 10000 1000 1000 1000 2000 3000 5000
      START=start_redis_node ladder w5ref-1node-redis-rooms 10000 1000 1000 1000 2000 3000 5000
      ;;
    w6)
      video_run w6
      ;;
    w6cluster)
      command -v "$REDIS_SERVER" > /dev/null || { echo "w6cluster needs redis-server (apt-get install redis-server)" >&2; exit 2; }
      START=start_cluster video_run w6-cluster
      ;;
    w8)
      # Quiz: players queue for 1v1_rapid_quiz and play whole 5-question matches, then queue again.
      # Think 0: as fast as the server lets them (throughput); think 1000: human-like pace (latency).
      command -v "$REDIS_SERVER" > /dev/null || { echo "w8 needs redis-server (apt-get install redis-server)" >&2; exit 2; }
      quiz_run w8-1node start_server 1000 0
      quiz_run w8-1node-redis start_redis_node 1000 0
      quiz_run w8-2nodes start_cluster 1000 0
      w8_think
      ;;
    compare)
      command -v node > /dev/null || { echo "compare needs node and npm" >&2; exit 2; }
      [ -d "$PEER_NODE_DIR/node_modules" ] || npm ci --prefix "$PEER_NODE_DIR" --no-audit --no-fund
      [ -f "$PEER_NSIO_JAR" ] || mvn -B -q -f "$ROOT/loadtest/peers/netty-socketio/pom.xml" package
      # W1: 1,000 members in one room (20 msg/s = 20k deliveries/s), W2: 1,000 rooms x 10 (2,000 msg/s = 20k/s)
      # shellcheck disable=SC2086
      W2_ROOMS=${COMPARE_W2_ROOMS:-1000}
      compare w1 "${COMPARE_W1_CONNECTIONS:-1000}" 1 1 ${COMPARE_RATES_W1:-20 50 100 200 300 500 800 1200}
      # shellcheck disable=SC2086
      compare w2 $((W2_ROOMS * 10)) "$W2_ROOMS" "$W2_ROOMS" ${COMPARE_RATES_W2:-2000 5000 10000 20000 30000 50000}
      compare_table | tee "$OUT/compare-table.md"
      ;;
    tail)
      for i in $(seq 1 "$REPEAT"); do tail_points "tail-$i"; done
      ;;
    gc)
      # Alternating, REPEAT rounds: every collector sees the same drift.
      for i in $(seq 1 "$REPEAT"); do
        SERVER_GC="-XX:+UseSerialGC -Xmn64m" tail_points "gc-serial-$i"
        SERVER_GC="-XX:+UseSerialGC" tail_points "gc-serial-default-$i"
        SERVER_GC="-XX:+UseParallelGC -Xmn64m" tail_points "gc-parallel-$i"
        SERVER_GC="-XX:+UseG1GC -XX:MaxGCPauseMillis=5" tail_points "gc-g1-$i"
        SERVER_JAVA="$JDK_25/bin/java" SERVER_GC="-XX:+UseZGC" tail_points "gc-zgc25-$i"
      done
      ;;
    transport)
      for i in $(seq 1 "$REPEAT"); do
        for t in epoll io_uring; do
          TRANSPORT=$t point "transport-$t-rooms-20k-$i" 10000 1000 1000 2000
          TRANSPORT=$t point "transport-$t-rooms-80k-$i" 10000 1000 1000 8000
          TRANSPORT=$t point "transport-$t-room1k-300k-$i" 1000 1 1 300
        done
      done
      ;;
    placement)
      for i in $(seq 1 "$REPEAT"); do
        for shards in 0 1; do
          ROOM_SHARDS=$shards point "placement-shards$shards-rooms-20k-$i" 10000 1000 1000 2000
          ROOM_SHARDS=$shards point "placement-shards$shards-rooms-80k-$i" 10000 1000 1000 8000
          ROOM_SHARDS=$shards point "placement-shards$shards-room1k-20k-$i" 1000 1 1 20
        done
      done
      ;;
    writedelay)
      # Coalescing needs several events per connection within the delay: the small rooms get 8 per
      # second per connection (a 20 ms window rarely holds two), the big room 300 (5 ms: 1.5, 20 ms: 6).
      for ms in 0 5 20; do
        printf '{"policies": {"load-*": {"writeDelayMs": %s}}}\n' "$ms" > "$OUT/routes-delay$ms.json"
      done
      for i in $(seq 1 "$REPEAT"); do
        for ms in 0 5 20; do
          [ -n "${WRITEDELAY_BIG_ONLY:-}" ] || \
            START=start_server_with_routes ROUTES="$OUT/routes-delay$ms.json" point "writedelay-$ms-rooms-80k-$i" 10000 1000 1000 8000
          START=start_server_with_routes ROUTES="$OUT/routes-delay$ms.json" point "writedelay-$ms-room1k-300k-$i" 1000 1 1 300
        done
      done
      ;;
    w8think)
      w8_think
      ;;
    w9)
      # W5 over a Redis Cluster of 3 primaries (+3 replicas): sharded pub/sub, stores by hash tag.
      command -v "$REDIS_SERVER" > /dev/null || { echo "w9 needs redis-server" >&2; exit 2; }
      START=start_cluster3 ladder w9-1k 1000 1 1 50 100 200 300 500 800
      START=start_cluster3 ladder w9-rooms 10000 1000 1000 1000 2000 3000 5000
      ;;
    failover)
      # W9's 1,000 rooms at a fixed rate; the primary serving slot 0 is killed FAILOVER_AFTER s in.
      # Its replica takes over after cluster-node-timeout; nothing may be lost or duplicated, and
      # failover.firstCrossNodeDeliveryAfterKillMsMax is the time from its death to the first
      # delivery through its replica.
      start_cluster3 failover
      victim=${PRIMARY_PIDS%%,*}
      harness fanout --connections "${FAILOVER_CONNECTIONS:-10000}" --rooms 1000 --publishers 1000 \
        --rate "${FAILOVER_RATE:-2000}" --duration "${FAILOVER_DURATION:-30}" --warmup 3 \
        --kill-pid "$victim" --kill-after "${FAILOVER_AFTER:-10}" --out "$OUT/failover.json" > "$OUT/failover.txt" || true
      summary "$OUT/failover.json"
      stop_server
      ;;
    scale)
      # The 1M plan's simulation: the same 20,000 connections spread over 1, 2, 3, 4 nodes of one
      # 3-shard cluster; per-node CPU per delivery should stay flat as nodes are added.
      for n in ${SCALE_NODES:-1 2 3 4}; do
        start_cluster_nodes "scale-$n" "$n"
        f="$OUT/scale-$n.json"
        harness fanout --connections "${SCALE_CONNECTIONS:-20000}" --rooms "${SCALE_ROOMS:-1000}" \
          --publishers "${SCALE_ROOMS:-1000}" --rate "${SCALE_RATE:-2000}" --duration "${SCALE_DURATION:-20}" \
          --warmup 3 --source-addresses 8 --out "$f" > "${f%.json}.txt" || true
        echo "== scale: $n node(s)"
        summary "$f"
        python3 - "$f" "$n" <<'PY2'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
if "aborted" in r:
    sys.exit(0)
by = r.get("serverCpuSecondsByNode") or [r.get("serverCpuSeconds")]
d = r["delivered"]
print(f"per node: connections {r.get('connectionsPerNode', [r['connections']])}, CPU s {by}, "
      f"CPU us per delivery (all nodes) {sum(by) * 1e6 / d:.2f}, per node {[round(c * 1e6 / (d / n), 2) for c in by]}")
PY2
        stop_server
      done
      ;;
    *) echo "unknown workload $w (w1 w2 w3 w4 w5 w5ref w6 w6cluster w8 w8think compare w9 failover scale tail gc transport placement writedelay)" >&2; exit 2 ;;
  esac
done
echo "done: $OUT"
