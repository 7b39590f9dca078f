package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that dies without a goodbye (SIGKILL of a separate JVM) takes its users out of cluster
 * presence within {@code PRESENCE_TIMEOUT}: the surviving node stops counting them.
 */
class NodeCrashE2ETest {
    private static final long PRESENCE_TIMEOUT_MS = 1500;

    private RedisServer redis;
    private TestNode survivor;
    private Process doomed;

    @AfterEach
    void stop() {
        if (doomed != null) {
            doomed.destroyForcibly();
        }
        if (survivor != null) {
            survivor.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void crashedNodesUsersLeavePresenceWithinTheTimeout(@TempDir Path dir) throws Exception {
        redis = RedisServer.start();
        Map<String, String> shared = Map.of("REDIS_URL", redis.url(), "PRESENCE_TIMEOUT", Long.toString(PRESENCE_TIMEOUT_MS));
        survivor = TestNode.start(Map.of("NODE_ID", "survivor", "REDIS_URL", redis.url(),
                "PRESENCE_TIMEOUT", Long.toString(PRESENCE_TIMEOUT_MS)));
        int port = freePort();
        File log = dir.resolve("doomed.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.realtime.server.Main")
                .redirectErrorStream(true).redirectOutput(log);
        pb.environment().putAll(shared);
        pb.environment().putAll(Map.of("NODE_ID", "doomed", "PORT", Integer.toString(port), "HOST", "127.0.0.1",
                "JWT_SECRET", TestNode.SECRET, "INTERNAL_API_KEY", TestNode.API_KEY));
        doomed = pb.start();
        URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
        await(() -> {
            try {
                return Http.send(ready, "GET", null, Map.of()).status() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        }, 30_000, () -> "the child node never became ready; its log:\n" + read(log));

        try (WsClient here = survivor.connect("stays");
             WsClient there = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"),
                     Map.of("Authorization", "Bearer " + TestNode.token("doomed-user")), null)) {
            there.expectOp("connected");
            await(() -> clusterStats().get("uniqueUsers").asInt() == 2, 10_000, () -> clusterStats().toString());
            assertEquals(2, clusterStats().get("nodeCount").asInt());

            doomed.destroyForcibly(); // SIGKILL: no shutdown hook, no forgetNode
            assertTrue(doomed.waitFor(10, TimeUnit.SECONDS));
            long killedAt = System.nanoTime();
            await(() -> clusterStats().get("uniqueUsers").asInt() == 1, 10_000, () -> clusterStats().toString());
            long goneAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            JsonNode stats = clusterStats();
            assertEquals(1, stats.get("nodeCount").asInt());
            assertEquals("survivor", stats.get("nodes").get(0).get("node").asText());
            // Gone within the timeout (plus polling slack), not merely eventually.
            assertTrue(goneAfterMs <= PRESENCE_TIMEOUT_MS + 2500, "users left presence after " + goneAfterMs + " ms");
        }
    }

    private JsonNode clusterStats() {
        HttpResult r = survivor.getWithKey("/api/stats?scope=cluster");
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static void await(java.util.function.BooleanSupplier condition, long timeoutMs,
                              java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeoutMs + " ms: " + what.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String read(File f) {
        try {
            return Files.readString(f.toPath());
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
