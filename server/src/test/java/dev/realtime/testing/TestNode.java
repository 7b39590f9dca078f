package dev.realtime.testing;

import dev.realtime.auth.DevTokens;
import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A real gateway node on a free loopback port, for end-to-end tests. Close it in {@code @AfterEach}. */
public final class TestNode implements AutoCloseable {
    public static final String SECRET = "test-secret-0123456789-abcdefghij";
    public static final String API_KEY = "test-api-key";

    private final GatewayServer server;

    private TestNode(GatewayServer server) {
        this.server = server;
    }

    /** Starts a node with test defaults overridden by {@code env}. */
    public static TestNode start(Map<String, String> env) {
        return start(env, null);
    }

    /** Starts a node with explicit backends ({@code null}: from the configuration). */
    public static TestNode start(Map<String, String> env, dev.realtime.cluster.Backends backends) {
        Map<String, String> all = new HashMap<>();
        all.put("PORT", "0");
        all.put("HOST", "127.0.0.1");
        all.put("JWT_SECRET", SECRET);
        all.put("INTERNAL_API_KEY", API_KEY);
        all.put("IO_THREADS", "2");
        all.put("SHUTDOWN_GRACE_MS", "2000");
        all.put("SHUTDOWN_DELAY_MS", "0");
        all.putAll(env);
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(all), backends);
        try {
            server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new TestNode(server);
    }

    public static TestNode start() {
        return start(Map.of());
    }

    public GatewayServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public URI ws() {
        return URI.create("ws://127.0.0.1:" + port() + "/ws");
    }

    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** A valid token for {@code userId}, one hour. */
    public static String token(String userId) {
        return DevTokens.sign(SECRET, userId, null, Duration.ofHours(1));
    }

    public static String token(String userId, String role) {
        return DevTokens.sign(SECRET, userId, role, Duration.ofHours(1));
    }

    /** Connects with a bearer header and waits for {@code connected}. */
    public WsClient connect(String userId) {
        WsClient c = WsClient.connect(ws(), Map.of("Authorization", "Bearer " + token(userId)), null);
        c.expectOp("connected");
        return c;
    }

    public HttpResult get(String path) {
        return Http.send(http(path), "GET", null, Map.of());
    }

    public HttpResult getWithKey(String path) {
        return Http.send(http(path), "GET", null, Map.of("internal-api-key", API_KEY));
    }

    public HttpResult post(String path, String body) {
        return Http.send(http(path), "POST", body, Map.of("internal-api-key", API_KEY, "Content-Type", "application/json"));
    }

    /** One sample of this node's /metrics, e.g. {@code realtime_closes_total{code="4429"}} (0 when absent). */
    public double metric(String sample) {
        for (String line : get("/metrics").body().split("\n")) {
            line = line.replace(",}", "}"); // simpleclient writes name{a="b",} value
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
