# syntax=docker/dockerfile:1
#
# Realtime Gateway container image.
#
#   docker build -t realtime-gateway .
#
# Needs BuildKit (RUN --mount=type=cache below): the default builder of Docker Engine 23+ and of
# `docker compose` v2. With an older engine: DOCKER_BUILDKIT=1 docker build -t realtime-gateway .
#   docker run --rm -p 8080:8080 -e JWT_SECRET=... -e INTERNAL_API_KEY=... realtime-gateway
#
# Every setting is an environment variable (docs/configuration.md). JVM flags go in JAVA_OPTS.

# ---------------------------------------------------------------------------------------------
# Build stage: the same command as on a developer machine.
# ---------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# The whole reactor (every module, so new modules need no change here); .dockerignore keeps out
# target/, .git, docs and load-test results. The BuildKit cache mount keeps ~/.m2 between builds.
COPY . .

RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests package \
 && test -s server/target/realtime-server.jar

# ---------------------------------------------------------------------------------------------
# Runtime stage: JRE only, non-root.
# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# curl is only for the HEALTHCHECK below: temurin JRE images do not ship it, and a check that
# starts a second JVM every few seconds would cost far more than this small package.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 realtime \
 && useradd --system --uid 10001 --gid realtime --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin realtime \
 && mkdir -p /app \
 && chown realtime:realtime /app

WORKDIR /app
COPY --from=build --chown=realtime:realtime /src/server/target/realtime-server.jar /app/realtime-server.jar

# Heap at 60% of the container's memory: Netty's pooled direct buffers (bounded by default by
# the max heap size), metaspace and thread stacks live outside the heap and need the rest.
# Leak detection is a debugging aid with a per-buffer cost: off in production images.
# ExitOnOutOfMemoryError lets the orchestrator restart a broken node instead of limping on.
# GC: Serial with a fixed 64 MB young generation. Measured on one core (docs/benchmarks.md "GC"),
# it costs the least CPU per delivery and its young pauses stay near 12 ms, where Serial's default
# sizing paused 176 ms and G1 used more CPU and still paused 28 ms. The live set of a node is small
# (a few KB per connection), so each young GC copies little. With many cores, try ParallelGC with
# the same -Xmn, or generational ZGC on JDK 21+.
ENV PORT=8080 \
    JAVA_OPTS="-XX:MaxRAMPercentage=60 -XX:+UseSerialGC -Xmn64m -XX:+ExitOnOutOfMemoryError -Dio.netty.leakDetection.level=disabled"

USER 10001:10001
EXPOSE 8080

# Liveness only (the process answers HTTP). Readiness (/health/ready, 503 while draining or when
# Redis is down) is for load balancers and orchestrators, not for restarting the container. With
# TLS_CERT/TLS_KEY the port speaks only https (-k: the certificate names the public host, not 127.0.0.1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health/live" \
     || curl -kfsS -o /dev/null "https://127.0.0.1:${PORT}/health/live" || exit 1

# `exec` makes java PID 1, so SIGTERM from `docker stop` reaches the JVM and starts the graceful
# drain (not ready -> close 1001 -> wait SHUTDOWN_GRACE_MS). A shell is needed to split JAVA_OPTS.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/realtime-server.jar \"$@\"", "realtime-server"]
