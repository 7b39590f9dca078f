#!/usr/bin/env bash
# Soak run: starts the gateway (one node, or two nodes over a local redis-server) with paranoid
# leak detection and a log file each, runs the harness's soak scenario against it, and stops what
# it started. Usage (from the repository root, after `mvn -B package -DskipTests`):
#
#   loadtest/run-soak.sh one 1800 [out-dir]     # 30 minutes, one node
#   loadtest/run-soak.sh two 720  [out-dir]     # 2 + 10 minutes, two nodes over Redis
#
# Extra harness options can be passed in SOAK_OPTS (e.g. SOAK_OPTS="--connections 500 --rate 500").
# Samples every 60 s (every 30 s for runs under 10 minutes) and judges flat memory over the last
# 10 minutes (for runs under 12 minutes: their second half). Exit code: the harness's (0 = PASS printed in the report).
set -euo pipefail

mode=${1:?usage: run-soak.sh one|two SECONDS [out-dir]}
seconds=${2:?usage: run-soak.sh one|two SECONDS [out-dir]}
out=${3:-soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

server_jar=server/target/realtime-server.jar
harness_jar=loadtest/target/realtime-loadtest.jar
[[ -f $server_jar && -f $harness_jar ]] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }

secret=soak-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
api_key=soak-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
heap=${SOAK_HEAP:-384m}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

redis_url=
if [[ $mode == two ]]; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --maxmemory 256mb --maxmemory-policy volatile-lru > "$out/redis.log" 2>&1 &
  pids+=($!)
  redis_url=redis://127.0.0.1:$redis_port
  nodes=(a b)
elif [[ $mode == one ]]; then
  nodes=(a)
else
  echo "mode must be one or two" >&2; exit 2
fi

urls=() server_pids=() logs=()
for n in "${nodes[@]}"; do
  port=$(free_port)
  env PORT=$port HOST=127.0.0.1 NODE_ID=soak-$n JWT_SECRET=$secret INTERNAL_API_KEY=$api_key \
      RATE_LIMIT_MAX_MESSAGES=100000 RATE_LIMIT_MAX_CONNECTIONS=0 ${redis_url:+REDIS_URL=$redis_url} \
      java -Xms$heap -Xmx$heap -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=paranoid \
      -jar "$server_jar" > "$out/node-$n.log" 2>&1 &
  pids+=($!)
  server_pids+=($!)
  urls+=("ws://127.0.0.1:$port/ws")
  logs+=("$out/node-$n.log")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.2
  done
done

# The last 10 minutes are judged once the run leaves at least 2 minutes of warm-up before them.
if (( seconds >= 720 )); then sample=60; window=600; elif (( seconds >= 600 )); then sample=60; window=$((seconds / 2)); else sample=30; window=$((seconds / 2)); fi
join() { local IFS=,; echo "$*"; }

set +e
java -jar "$harness_jar" soak --url "$(join "${urls[@]}")" --secret "$secret" --api-key "$api_key" \
    --server-pid "$(join "${server_pids[@]}")" --server-log "$(join "${logs[@]}")" \
    --connections 200 --rooms 20 --publishers 4 --rate 200 --payload-bytes 200 \
    --churn 50 --slow 5 --notify-rate 20 \
    --duration "$seconds" --sample-seconds "$sample" --flat-window "$window" \
    --out "$out/soak-$mode.json" ${SOAK_OPTS:-} | tee "$out/harness.txt"
status=${PIPESTATUS[0]}
grep -q '^verdict  *PASS' "$out/harness.txt" || status=1
exit $status
