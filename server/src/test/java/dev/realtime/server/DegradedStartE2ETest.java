package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.config.GatewayConfig;
import dev.realtime.ingest.RouteTableException;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Misconfigured or unreachable Redis and Kafka at startup: the node starts, serves its local
 * clients and reports itself degraded, naming each dependency that is down. A bad route file, on
 * the other hand, stops the start with a message naming the file and field.
 */
class DegradedStartE2ETest {

    @Test
    void unreachableRedisAndKafkaLeaveTheNodeServingButDegraded() throws Exception {
        int closed = closedPort();
        try (TestNode node = TestNode.start(Map.of("REDIS_URL", "redis://127.0.0.1:" + closed,
                "KAFKA_BROKERS", "127.0.0.1:" + closed));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            HttpResult ready = node.get("/health/ready");
            assertEquals(503, ready.status());
            JsonNode body = ready.json();
            assertEquals("degraded", body.get("status").asText());
            assertEquals("down", body.get("checks").get("redis").asText());
            assertEquals("down", body.get("checks").get("kafka").asText());
            assertEquals(200, node.get("/health/live").status());
            // Local service goes on.
            alice.join("local");
            bob.join("local");
            alice.publish("local", "chat:message", "{\"text\":\"still here\"}");
            assertEquals("still here", bob.expectEvent("chat:message").get("data").get("text").asText());
            String metrics = node.get("/metrics").body();
            assertTrue(metrics.contains("realtime_kafka_up 0.0"), metrics);
            assertTrue(metrics.contains("realtime_bus_up 0.0"), metrics);
            assertTrue(redisErrors(node) > 0, "Redis failures are counted in realtime_redis_errors_total");
        }
    }

    /** {@code realtime_redis_errors_total}, once a failed Redis call has been counted (bounded wait). */
    private static double redisErrors(TestNode node) throws InterruptedException {
        double value = 0;
        for (int i = 0; i < 100 && value == 0; i++) {
            for (String line : node.get("/metrics").body().split("\n")) {
                if (line.startsWith("realtime_redis_errors_total ")) {
                    value = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                }
            }
            if (value == 0) {
                Thread.sleep(100);
            }
        }
        return value;
    }

    @Test
    void unresolvableKafkaAddressIsNotFatalEither() {
        try (TestNode node = TestNode.start(Map.of("KAFKA_BROKERS", "no-such-host.invalid:9092"));
             WsClient alice = node.connect("alice")) {
            assertEquals("down", node.get("/health/ready").json().get("checks").get("kafka").asText());
            alice.send("{\"op\":\"ping\",\"id\":7}");
            assertEquals(7, alice.expectOp("pong").get("id").asInt());
        }
    }

    @Test
    void aBadRouteFileStopsTheStartNamingTheField(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("routes.json");
        Files.writeString(file, "{\"routes\":[{\"id\":\"r1\",\"kafka\":\"t\",\"event\":\"e\",\"targets\":[{\"room\":\"x:{id}\"}],"
                + "\"payload\":{\"bogus\":true}}]}");
        Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET,
                "ROUTES_FILE", file.toString()));
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
        RouteTableException e = assertThrows(RouteTableException.class, server::start);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("payload"), e.getMessage());
        server.shutdown(); // nothing was started: must not throw
    }

    @Test
    void aStartThatCannotBindStopsEveryThreadItCreated() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Map<String, String> env = new HashMap<>(Map.of("PORT", Integer.toString(taken.getLocalPort()),
                    "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET, "NODE_ID", "busyport",
                    "KAFKA_BROKERS", "127.0.0.1:" + closedPort()));
            GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
            assertThrows(Exception.class, server::start);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (aliveThreadsNamed("busyport") > 0) {
                assertTrue(System.nanoTime() < deadline, "threads left running: " + threadNames("busyport"));
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            server.shutdown(); // after a failed start: a no-op, not an exception
        }
    }

    @Test
    void aStartThatFailsAfterItsThreadsExistStopsThemAll() {
        Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET,
                "NODE_ID", "clashing"));
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
        server.emits().register("history", ctx -> { }); // clashes with the built-in, registered mid-start
        assertThrows(RuntimeException.class, server::start);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (aliveThreadsNamed("clashing") > 0) {
            assertTrue(System.nanoTime() < deadline, "threads left running: " + threadNames("clashing"));
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        server.shutdown();
    }

    @Test
    void anUnreadableTlsKeyStopsTheStartBeforeAnyThreadExists(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
        Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET,
                "NODE_ID", "badtls", "TLS_CERT", cert.toString(), "TLS_KEY", cert.toString()));
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
        IllegalStateException e = assertThrows(IllegalStateException.class, server::start);
        assertTrue(e.getMessage().contains("TLS_CERT"), e.getMessage());
        assertEquals(0, aliveThreadsNamed("badtls"), threadNames("badtls").toString());
        server.shutdown();
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheStart(@TempDir Path dir) throws Exception {
        Path cert = Path.of(getClass().getResource("/tls/cert.pem").toURI());
        java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(gen.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path otherKey = Files.writeString(dir.resolve("other.pem"), pem);
        Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET,
                "NODE_ID", "wrongkey", "TLS_CERT", cert.toString(), "TLS_KEY", otherKey.toString()));
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
        IllegalStateException e = assertThrows(IllegalStateException.class, server::start);
        assertTrue(e.getMessage().contains("TLS_CERT/TLS_KEY do not work together"), e.getMessage());
        server.shutdown();
    }

    private static long aliveThreadsNamed(String part) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().contains(part)).count();
    }

    private static java.util.List<String> threadNames(String part) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.contains(part)).toList();
    }

    private static int closedPort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
