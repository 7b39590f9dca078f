package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.auth.DevTokens;
import dev.realtime.config.GatewayConfig;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.server.GatewayServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** A real gateway started in-process on a loopback port, plus helpers to mint tokens and broadcast. */
final class GatewayFixture implements AutoCloseable {
    static final String SECRET = "test-secret-0123456789-abcdefghij";
    static final String API_KEY = "k";

    private final GatewayServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayFixture(GatewayServer server) {
        this.server = server;
    }

    static GatewayFixture start() {
        return start(0, Map.of(), r -> { });
    }

    /** Starts a node on {@code port} (0 = any free port) with extra env entries and emit handlers. */
    static GatewayFixture start(int port, Map<String, String> extraEnv, Consumer<EmitRegistry> emits) {
        Map<String, String> env = new HashMap<>(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1",
                "JWT_SECRET", SECRET, "INTERNAL_API_KEY", API_KEY, "IO_THREADS", "1", "ROOM_SHARDS", "1",
                "SHUTDOWN_GRACE_MS", "1000", "SHUTDOWN_DELAY_MS", "0"));
        env.putAll(extraEnv);
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
        emits.accept(server.emits());
        try {
            return new GatewayFixture(server.start());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return server.port();
    }

    String wsUri() {
        return "ws://127.0.0.1:" + port() + "/ws";
    }

    static String token(String userId) {
        return DevTokens.sign(SECRET, userId, null, Duration.ofHours(1));
    }

    /** A client builder for this node with test-friendly timeouts and a fast reconnect policy. */
    RealtimeClientBuilder client(String userId) {
        return RealtimeClient.builder().uri(wsUri()).token(token(userId))
                .connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(5))
                .reconnectPolicy(ReconnectPolicy.forever(Duration.ofMillis(50), Duration.ofMillis(250)));
    }

    void broadcastRoom(String room, String event, String dataJson) {
        post("/api/broadcast/room", "{\"room\":\"" + room + "\",\"event\":\"" + event + "\",\"data\":" + dataJson + "}");
    }

    void broadcastUser(String userId, String event, String dataJson) {
        post("/api/broadcast/user", "{\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"data\":" + dataJson + "}");
    }

    /** A notification for {@code userId} through the internal API (kept in the inbox while offline). */
    void notify(String userId, String payloadJson) {
        post("/api/realtime/internal/notify", "{\"userIds\":[\"" + userId + "\"],\"payload\":" + payloadJson + "}");
    }

    private void post(String path, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(5))
                .header("internal-api-key", API_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            assertEquals(202, res.statusCode(), res.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
