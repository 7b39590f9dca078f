package dev.realtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.net.URI;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every way a connection authenticates, and every way it is refused. */
class AuthE2ETest {
    private TestNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static String tokenExpiringIn(String user, Duration d) {
        return JWT.create().withSubject(user).withExpiresAt(Instant.now().plus(d)).sign(Algorithm.HMAC256(TestNode.SECRET));
    }

    private static String unsigned(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        String body = b64.encodeToString(("{\"sub\":\"" + user + "\",\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + body + ".";
    }

    private int handshakeStatus(Map<String, String> headers, String query) {
        var uri = java.net.URI.create(node.ws() + query);
        WsClient.HandshakeFailed failed = assertThrows(WsClient.HandshakeFailed.class,
                () -> WsClient.connect(uri, headers, null).close());
        return failed.status;
    }

    @Test
    void headerAndQueryTokens() {
        node = TestNode.start();
        try (WsClient header = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("u1")), null);
             WsClient query = WsClient.connect(java.net.URI.create(node.ws() + "?token=" + TestNode.token("u2")))) {
            assertEquals("u1", header.expectOp("connected").get("userId").asText());
            assertEquals("u2", query.expectOp("connected").get("userId").asText());
        }
    }

    @Test
    void badHeaderOrQueryTokensGet401BeforeUpgrade() {
        node = TestNode.start();
        String wrongSecret = JWT.create().withSubject("u").withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256("another-secret-another-secret"));
        String expired = JWT.create().withSubject("u").withExpiresAt(Instant.now().minusSeconds(120))
                .sign(Algorithm.HMAC256(TestNode.SECRET));
        String noSubject = JWT.create().withClaim("role", "x").withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256(TestNode.SECRET));
        for (String bad : new String[] {"garbage", unsigned("u"), wrongSecret, expired, noSubject}) {
            assertEquals(401, handshakeStatus(Map.of("Authorization", "Bearer " + bad), ""), bad);
            assertEquals(401, handshakeStatus(Map.of(), "?token=" + bad), bad);
        }
        assertEquals(401, handshakeStatus(Map.of("Authorization", "Bearer"), ""));
        assertEquals(401, handshakeStatus(Map.of("Authorization", "Bearer "), ""));
        String metrics = node.get("/metrics").body();
        assertTrue(metrics.contains("realtime_auth_failures_total{reason=\"signature\""), metrics);
        assertTrue(metrics.contains("realtime_auth_failures_total{reason=\"expired\""));
        assertTrue(metrics.contains("realtime_auth_failures_total{reason=\"algorithm\""));
    }

    @Test
    void anotherAuthorizationSchemeIsLeftToTheProxyThatAskedForIt() {
        node = TestNode.start();
        Map<String, String> basic = Map.of("Authorization", "Basic dXNlcjpwYXNz"); // what a browser adds by itself
        try (WsClient c = WsClient.connect(URI.create(node.ws() + "?token=" + TestNode.token("q-user")), basic, null)) {
            assertEquals("q-user", c.expectOp("connected").get("userId").asText());
        }
        try (WsClient c = WsClient.connect(node.ws(), basic, null)) {
            c.send("{\"op\":\"auth\",\"id\":1,\"token\":\"" + TestNode.token("frame-user") + "\"}");
            assertEquals("frame-user", c.expectOp("connected").get("userId").asText());
        }
    }

    @Test
    void userIdClaimIsUsedWhenSubIsMissing() {
        node = TestNode.start();
        String token = JWT.create().withClaim("userId", "legacy-7").withClaim("role", "student")
                .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(TestNode.SECRET));
        try (WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + token), null)) {
            JsonNode connected = c.expectOp("connected");
            assertEquals("legacy-7", connected.get("userId").asText());
            assertEquals("[\"user:legacy-7\",\"global\"]", connected.get("rooms").toString());
        }
    }

    @Test
    void firstFrameAuth() {
        node = TestNode.start();
        try (WsClient c = WsClient.connect(node.ws())) {
            c.send("{\"op\":\"auth\",\"id\":1,\"token\":\"" + TestNode.token("browser") + "\"}");
            assertEquals("browser", c.expectOp("connected").get("userId").asText());
            JsonNode reply = c.expectOp("reply");
            assertEquals(1, reply.get("id").asInt());
            assertTrue(reply.get("ok").asBoolean());
            assertEquals("browser", reply.get("data").get("userId").asText());
        }
    }

    @Test
    void badFirstFrameGetsErrorAndClose4401() {
        node = TestNode.start();
        for (String first : new String[] {
                "{\"op\":\"auth\",\"token\":\"" + unsigned("x") + "\"}",
                "{\"op\":\"join\",\"room\":\"lobby\"}",
                "not json"}) {
            try (WsClient c = WsClient.connect(node.ws())) {
                c.send(first);
                assertEquals("unauthorized", c.expectOp("error").get("error").get("code").asText());
                assertEquals(4401, c.awaitClose(), first);
            }
        }
    }

    @Test
    void authTimeoutCloses4401() {
        node = TestNode.start(Map.of("AUTH_TIMEOUT_MS", "300"));
        try (WsClient c = WsClient.connect(node.ws())) {
            assertEquals("unauthorized", c.expectOp("error").get("error").get("code").asText());
            assertEquals(4401, c.awaitClose());
        }
    }

    @Test
    void refreshExtendsAndExpiryWarnsThenCloses() {
        // exp is in whole seconds (a 5-6 s token); the warning comes on connect. Two handshakes and
        // three requests must fit before exp on a busy machine too.
        node = TestNode.start(Map.of("AUTH_EXPIRY_WARNING_MS", "6000", "JWT_LEEWAY_SECONDS", "0"));
        String shortLived = tokenExpiringIn("exp-user", Duration.ofSeconds(6));
        try (WsClient refreshed = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + shortLived), null);
             WsClient lapsed = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + shortLived), null)) {
            refreshed.expectOp("connected");
            lapsed.expectOp("connected");
            JsonNode warning = refreshed.expectEvent("auth:expiring");
            assertTrue(warning.get("data").get("expiresInMs").asLong() <= 6000);
            assertFalse(warning.has("room"));

            JsonNode otherUser = refreshed.request("auth", "\"token\":\"" + TestNode.token("someone-else") + "\"");
            assertEquals("forbidden", otherUser.get("error").get("code").asText());
            JsonNode bad = refreshed.request("auth", "\"token\":\"nope\"");
            assertEquals("unauthorized", bad.get("error").get("code").asText());
            JsonNode ok = refreshed.request("auth", "\"token\":\"" + TestNode.token("exp-user") + "\"");
            assertTrue(ok.get("ok").asBoolean(), ok.toString());

            lapsed.expectEvent("auth:expiring");
            assertEquals(4401, lapsed.awaitClose());
            // The refreshed connection outlived the first token: still answers.
            refreshed.send("{\"op\":\"ping\",\"id\":9}");
            assertEquals(9, refreshed.expectOp("pong").get("id").asInt());
            assertFalse(refreshed.isClosed());
        }
    }

    @Test
    void anonymousOnlyGlobalAndPublicRooms() {
        node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true", "PUBLIC_ROOMS", "lobby,public:*"));
        try (WsClient anon = WsClient.connect(node.ws())) {
            JsonNode connected = anon.expectOp("connected");
            assertTrue(connected.get("anonymous").asBoolean());
            assertEquals("[\"global\"]", connected.get("rooms").toString());
            assertTrue(anon.join("lobby").get("ok").asBoolean());
            assertTrue(anon.join("public:news").get("ok").asBoolean());
            assertEquals("forbidden", anon.join("private-room").get("error").get("code").asText());
            // A later auth turns it into a user connection.
            JsonNode upgraded = anon.request("auth", "\"token\":\"" + TestNode.token("late") + "\"");
            assertEquals("late", upgraded.get("data").get("userId").asText());
            assertTrue(anon.join("private-room").get("ok").asBoolean());
        }
    }

    @Test
    void anonymousRefusedByDefault() {
        node = TestNode.start();
        try (WsClient c = WsClient.connect(node.ws())) {
            // Without a token the server waits for an auth frame; anything else is refused.
            c.send("{\"op\":\"join\",\"id\":1,\"room\":\"global\"}");
            assertEquals(4401, c.awaitClose());
        }
    }
}
