package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Admission limits and the origin allow-list. */
class LimitsE2ETest {
    private TestNode node;
    private final List<WsClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        if (node != null) {
            node.close();
        }
    }

    private int refusedStatus(Map<String, String> headers) {
        return assertThrows(WsClient.HandshakeFailed.class, () -> WsClient.connect(node.ws(), headers, null)).status;
    }

    @Test
    void perUserLimitOnHeaderAuthIs429AndFreesOnClose() {
        node = TestNode.start(Map.of("RATE_LIMIT_MAX_CONNECTIONS", "2"));
        clients.add(node.connect("multi"));
        WsClient second = node.connect("multi");
        assertEquals(429, refusedStatus(Map.of("Authorization", "Bearer " + TestNode.token("multi"))));
        second.close();
        // The slot frees once the server has seen the close.
        WsClient third = null;
        for (int attempt = 0; attempt < 100 && third == null; attempt++) {
            try {
                third = node.connect("multi");
            } catch (WsClient.HandshakeFailed stillCounted) {
                Thread.onSpinWait();
            }
        }
        clients.add(third);
        assertEquals("multi", node.getWithKey("/api/stats").json().get("userConnections").get(0).get("userId").asText());
    }

    @Test
    void perUserLimitOnFrameAuthCloses4429() {
        node = TestNode.start(Map.of("RATE_LIMIT_MAX_CONNECTIONS", "1"));
        clients.add(node.connect("solo"));
        WsClient late = WsClient.connect(node.ws());
        clients.add(late);
        late.send("{\"op\":\"auth\",\"token\":\"" + TestNode.token("solo") + "\"}");
        assertEquals("too_many_connections", late.expectOp("error").get("error").get("code").asText());
        assertEquals(4429, late.awaitClose());
    }

    @Test
    void nodeLimitIs503() {
        node = TestNode.start(Map.of("WS_MAX_CONNECTIONS", "2"));
        clients.add(node.connect("a"));
        clients.add(node.connect("b"));
        assertEquals(503, refusedStatus(Map.of("Authorization", "Bearer " + TestNode.token("c"))));
    }

    @Test
    void perIpLimitIs429() {
        node = TestNode.start(Map.of("MAX_CONNECTIONS_PER_IP", "1"));
        clients.add(node.connect("a"));
        assertEquals(429, refusedStatus(Map.of("Authorization", "Bearer " + TestNode.token("b"))));
    }

    @Test
    void forwardedForIsBelievedOnlyFromTrustedProxiesGivenAsRanges() {
        node = TestNode.start(Map.of("MAX_CONNECTIONS_PER_IP", "1", "TRUSTED_PROXIES", "10.9.9.9, 127.0.0.0/8"));
        clients.add(connectVia("198.51.100.1", "a"));
        clients.add(connectVia("198.51.100.2", "b")); // another client behind the same proxy
        assertEquals(429, refusedStatus(Map.of("Authorization", "Bearer " + TestNode.token("c"),
                "X-Forwarded-For", "203.0.113.5, 198.51.100.1"))); // the right-most untrusted hop counts
        node.close();
        clients.clear();
        node = TestNode.start(Map.of("MAX_CONNECTIONS_PER_IP", "1", "TRUSTED_PROXIES", "10.0.0.0/8"));
        clients.add(connectVia("198.51.100.1", "a"));
        assertEquals(429, refusedStatus(Map.of("Authorization", "Bearer " + TestNode.token("b"),
                "X-Forwarded-For", "198.51.100.2")), "a peer that is no trusted proxy cannot choose its address");
    }

    @Test
    void theConnectionsPerUserLimitHoldsAcrossNodes() {
        try (dev.realtime.testing.RedisServer redis = dev.realtime.testing.RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url(), "RATE_LIMIT_MAX_CONNECTIONS", "2",
                     "PRESENCE_TIMEOUT", "3000"));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url(), "RATE_LIMIT_MAX_CONNECTIONS", "2",
                     "PRESENCE_TIMEOUT", "3000"));
             WsClient first = a.connect("roamer");
             WsClient second = a.connect("roamer");
             WsClient third = connectOnceCounted(redis, b, "roamer", 2);
             WsClient other = b.connect("someone-else")) {
            // b counts one connection of its own, so it lets the third in; the cluster count closes it
            // (once the excess is confirmed a PRESENCE_TIMEOUT later: a crashed node's connections
            // must not lock its users out).
            assertEquals("too_many_connections", third.expectOp("error").path("error").path("code").asText());
            assertEquals(4429, third.awaitClose());
            first.send("{\"op\":\"ping\",\"id\":1}");
            first.expectOp("pong");
            other.send("{\"op\":\"ping\",\"id\":2}");
            other.expectOp("pong"); // nobody else is touched
        }
    }

    /** Connects {@code user} to {@code node} once the cluster counts {@code before} connections of theirs. */
    private static WsClient connectOnceCounted(dev.realtime.testing.RedisServer redis, TestNode node, String user, int before) {
        redis.awaitConnections(user, before);
        return node.connect(user);
    }

    private WsClient connectVia(String forwardedFor, String user) {
        WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token(user),
                "X-Forwarded-For", forwardedFor), null);
        c.expectOp("connected");
        return c;
    }

    @Test
    void idlePlainHttpConnectionsAreClosedButWebSocketsStay() throws Exception {
        node = TestNode.start(Map.of("HTTP_IDLE_TIMEOUT_MS", "300"));
        WsClient ws = node.connect("stays");
        clients.add(ws);
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", node.port())) {
            idle.setSoTimeout(10_000);
            assertEquals(-1, idle.getInputStream().read(), "server closed the idle HTTP connection");
        }
        ws.send("{\"op\":\"ping\",\"id\":1}");
        ws.expectOp("pong");
    }

    @Test
    void originAllowList() {
        node = TestNode.start(Map.of("WS_ALLOWED_ORIGINS", "https://app.example.com"));
        String token = "Bearer " + TestNode.token("o");
        assertEquals(403, refusedStatus(Map.of("Authorization", token, "Origin", "https://evil.example.com")));
        WsClient ok = WsClient.connect(node.ws(), Map.of("Authorization", token, "Origin", "https://app.example.com"), null);
        clients.add(ok);
        ok.expectOp("connected");
        WsClient noOrigin = WsClient.connect(node.ws(), Map.of("Authorization", token), null);
        clients.add(noOrigin);
        noOrigin.expectOp("connected");
    }
}
