#!/bin/bash
# storm.sh floor|ours N : warm-ups, then an ASAP connect storm of N with --server-pid
cd /tmp/idle
ulimit -n 20000
SECRET=benchmark-secret-benchmark-secret-0123
WHAT=$1; N=${2:-15000}
if [ "$WHAT" = floor ]; then
  taskset -c 1 java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xmn64m -Dio.netty.leakDetection.level=disabled -cp /work/main/loadtest/target/realtime-loadtest.jar dev.realtime.loadtest.FloorServer 18080 > floor.log 2>&1 &
  SPID=$!
  for i in $(seq 1 100); do grep -q "floor server on" floor.log && break; sleep 0.2; done
else
  env JWT_SECRET="$SECRET" PORT=18080 HOST=127.0.0.1 IO_THREADS=1 ROOM_SHARDS=0 TRANSPORT=auto \
    RATE_LIMIT_MAX_MESSAGES=10000000 RATE_LIMIT_MAX_CONNECTIONS=0 WS_MAX_CONNECTIONS=1000000 \
    PRESENCE_EVENTS_MAX_MEMBERS=0 WS_PING_INTERVAL=600000 WS_PING_TIMEOUT=600000 \
    taskset -c 1 java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=1g -XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xmn64m -Dio.netty.leakDetection.level=disabled \
    -jar ${JAR:-/work/main/server/target/realtime-server.jar} > server.log 2>&1 &
  SPID=$!
  for i in $(seq 1 100); do curl -sf http://127.0.0.1:18080/health/ready >/dev/null && break; sleep 0.2; done
fi
H="taskset -c 0 java -Xms2g -Xmx2g -Xmn1536m -XX:+UseSerialGC -jar /work/main/loadtest/target/realtime-loadtest.jar connect --url ws://127.0.0.1:18080/ws --secret $SECRET --source-addresses 8"
for w in 1 2 3 4; do $H --connections 5000 > /dev/null 2>&1; done
$H --connections $N --warmup 3 --server-pid $SPID > storm-$WHAT-$(date +%s).txt 2>&1
kill $SPID; wait
grep -E "^connectsPerSec|serverCpuMicrosPerHandshake|serverCpuUser|serverCpuSys|harnessCpuUtil" $(ls -t storm-$WHAT-*.txt | head -1) | tr -s ' ' | paste -sd' '
