package dev.realtime.typing;

import static dev.realtime.testing.WsClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.cluster.BusBridge;
import dev.realtime.cluster.RedisBus;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

/** {@code typing} -> {@code room:typing}: start, refresh, stop, expiry, leave, disconnect, limits, bad input, two nodes. */
class TypingE2ETest {
    private static final Duration QUIET = Duration.ofMillis(300);

    private static Predicate<JsonNode> typing(String user, boolean isTyping) {
        return m -> "room:typing".equals(m.path("event").asText()) && user.equals(m.path("data").path("userId").asText())
                && m.path("data").path("isTyping").asBoolean() == isTyping;
    }

    private static JsonNode type(WsClient c, String room, boolean isTyping) {
        return c.emit("typing", "{\"room\":" + WsClient.quote(room) + ",\"isTyping\":" + isTyping + "}");
    }

    @Test
    void othersSeeStartAndStopOnceAndFalseComesByItself() {
        // Long enough that the steps before the expiry cannot outlast it on a loaded machine.
        try (TestNode node = TestNode.start(Map.of("ROOM_TYPING_TIMEOUT", "2500"));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob");
             WsClient bobPhone = node.connect("bob")) {
            alice.join("lobby");
            bob.join("lobby");
            bobPhone.join("lobby");
            assertTrue(type(bob, "lobby", true).get("ok").asBoolean());
            JsonNode started = alice.expect(typing("bob", true));
            assertEquals("lobby", started.get("room").asText());
            assertEquals("lobby", started.get("data").get("room").asText());
            type(bob, "lobby", true);      // a refresh: no second event
            type(bobPhone, "lobby", true); // another device of the same typist: none either
            alice.expectNone(typing("bob", true), QUIET);
            bob.expectNone(typing("bob", true), Duration.ZERO); // not sent to the typist's own devices
            bobPhone.expectNone(typing("bob", true), Duration.ZERO);
            type(bob, "lobby", false);     // the phone still types
            alice.expectNone(typing("bob", false), QUIET);
            // No refresh from the phone: false after ROOM_TYPING_TIMEOUT.
            alice.expect(typing("bob", false));
            type(bob, "lobby", false);     // not typing any more: nothing to say
            alice.expectNone(typing("bob", false), QUIET);

            // Leaving the room and disconnecting end typing at once.
            type(bob, "lobby", true);
            alice.expect(typing("bob", true));
            bob.request("leave", "\"room\":\"lobby\"");
            alice.expect(typing("bob", false));
            type(bobPhone, "lobby", true);
            alice.expect(typing("bob", true));
            bobPhone.close();
            alice.expect(typing("bob", false));
        }
    }

    @Test
    void badInputAndLimitsGetSpecificErrors() {
        try (TestNode node = TestNode.start(Map.of("ROOM_TYPING_MAX_PER_SECOND", "3", "ALLOW_ANONYMOUS", "true",
                "PUBLIC_ROOMS", "open"));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            alice.join("lobby");
            bob.join("lobby");
            assertEquals("invalid_message", errorCode(alice.emit("typing", null)));
            assertEquals("invalid_message", errorCode(alice.emit("typing", "[1]")));
            assertEquals("invalid_message", errorCode(alice.emit("typing", "{\"isTyping\":true}")));
            assertEquals("invalid_message", errorCode(alice.emit("typing", "{\"room\":\"lobby\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("typing", "{\"room\":\"lobby\",\"isTyping\":\"yes\"}")));
            assertEquals("invalid_room", errorCode(alice.emit("typing", "{\"room\":\"a b\",\"isTyping\":true}")));
            assertEquals("invalid_room", errorCode(alice.emit("typing", "{\"room\":\"global\",\"isTyping\":true}")));
            assertEquals("not_in_room", errorCode(alice.emit("typing", "{\"room\":\"elsewhere\",\"isTyping\":true}")));
            try (WsClient anon = WsClient.connect(node.ws())) {
                anon.expectOp("connected");
                anon.join("open");
                assertEquals("forbidden", errorCode(anon.emit("typing", "{\"room\":\"open\",\"isTyping\":true}")));
            }
            // Six in one batch: they reach the limit (3 a second) together however slow the machine.
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 6; i++) {
                batch.append(i > 0 ? "," : "").append("{\"op\":\"emit\",\"id\":").append(100 + i)
                        .append(",\"event\":\"typing\",\"data\":{\"room\":\"lobby\",\"isTyping\":").append(i % 2 == 0).append("}}");
            }
            alice.send(batch.append("]").toString());
            JsonNode limited = null;
            for (int i = 0; i < 6; i++) {
                JsonNode r = alice.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asInt() >= 100);
                if (!r.get("ok").asBoolean() && limited == null) {
                    limited = r;
                }
            }
            assertEquals("rate_limited", errorCode(limited));
            assertTrue(limited.get("error").get("retryAfterMs").asLong() > 0, limited.toString());
            bob.expectNone(m -> m.path("event").asText().equals("unknown_event"), Duration.ZERO);
            assertFalse(bob.isClosed());
        }
    }

    @Test
    void acrossTwoNodesIncludingTheTimeout() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url(), "ROOM_TYPING_TIMEOUT", "300"));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url(), "ROOM_TYPING_TIMEOUT", "300"));
             WsClient alice = a.connect("alice");
             WsClient bob = b.connect("bob");
             WsClient bobLaptop = a.connect("bob")) {
            alice.join("lobby");
            bob.join("lobby");
            bobLaptop.join("lobby");
            type(bob, "lobby", true);
            alice.expect(typing("bob", true));
            alice.expect(typing("bob", false)); // expired on node b, heard on node a
            bobLaptop.expectNone(typing("bob", true), Duration.ZERO); // the typist's devices are left out everywhere
            type(alice, "lobby", true);
            bob.expect(typing("alice", true));
            bobLaptop.expect(typing("alice", true));
        }
    }

    @Test
    void aUserTypingOnDevicesOnTwoNodesIsOneTypistEverywhere() {
        Map<String, String> env = Map.of("ROOM_TYPING_TIMEOUT", "2500");
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(with(env, "NODE_ID", "a", "REDIS_URL", redis.url()));
             TestNode b = TestNode.start(with(env, "NODE_ID", "b", "REDIS_URL", redis.url()));
             WsClient carol = a.connect("carol");
             WsClient alice = b.connect("alice");
             WsClient bobOnA = a.connect("bob");
             WsClient bobOnB = b.connect("bob")) {
            for (WsClient c : new WsClient[] {carol, alice, bobOnA, bobOnB}) {
                c.join("lobby");
            }
            type(bobOnA, "lobby", true);
            alice.expect(typing("bob", true));
            carol.expect(typing("bob", true));
            type(bobOnB, "lobby", true); // the same typist, from the other node: nobody hears it twice
            alice.expectNone(typing("bob", true), QUIET);
            carol.expectNone(typing("bob", true), Duration.ZERO);
            type(bobOnA, "lobby", false); // the device on b still types
            alice.expectNone(typing("bob", false), QUIET);
            carol.expectNone(typing("bob", false), Duration.ZERO);
            type(bobOnB, "lobby", false); // the last device stopped: both nodes' members hear it once
            alice.expect(typing("bob", false));
            carol.expect(typing("bob", false));
            alice.expectNone(typing("bob", false), QUIET);
            carol.expectNone(typing("bob", false), Duration.ZERO);
        }
    }

    @Test
    void aTypistOfANodeThatWentSilentIsForgotten() {
        Map<String, String> env = Map.of("ROOM_TYPING_TIMEOUT", "300");
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(with(env, "NODE_ID", "a", "REDIS_URL", redis.url()));
             WsClient alice = a.connect("alice");
             RedisBus ghost = new RedisBus(new HostAndPort("127.0.0.1", redis.port()), null, "ghost", new GatewayMetrics())) {
            alice.join("lobby");
            ghost.start((room, envelope) -> { });
            // A node says dave types, then dies without its false (nor any refresh).
            TypingPeerMessage says = new TypingPeerMessage("dave", true,
                    TypingEmit.STYLE.event("lobby", "dave", true), TypingEmit.STYLE.event("lobby", "dave", false));
            ghost.publish("lobby", BusBridge.peerEnvelope("ghost", "lobby", TypingService.PEER_KIND, says.encode()));
            alice.expect(typing("dave", true));
            long heard = System.nanoTime();
            alice.expect(typing("dave", false)); // forgotten after twice the timeout and a second
            assertTrue(System.nanoTime() - heard >= 1_000_000_000L, "forgotten too early");
        }
    }

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> m = new java.util.HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
