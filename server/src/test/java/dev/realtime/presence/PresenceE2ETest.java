package dev.realtime.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code presence} emit answers a room's users across nodes, as joins and leaves happen. */
class PresenceE2ETest {

    private static List<String> users(WsClient c, String room) {
        JsonNode reply = c.request("emit", "\"event\":\"presence\",\"data\":{\"room\":" + WsClient.quote(room) + "}");
        assertTrue(reply.get("ok").asBoolean(), reply.toString());
        List<String> out = new ArrayList<>();
        reply.get("data").get("users").forEach(u -> out.add(u.asText()));
        assertEquals(out.size(), reply.get("data").get("count").asInt());
        return out;
    }

    private static void awaitUsers(WsClient c, String room, List<String> expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> got = users(c, room);
        while (!got.equals(expected)) {
            assertTrue(System.nanoTime() < deadline, "presence of " + room + " stayed " + got + ", wanted " + expected);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            got = users(c, room);
        }
    }

    @Test
    void usersOfARoomAcrossNodes() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url()));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url()));
             WsClient alice = a.connect("alice");
             WsClient bob = b.connect("bob");
             WsClient bobPhone = a.connect("bob")) {
            alice.join("lobby-p");
            bob.join("lobby-p");
            bobPhone.join("lobby-p");
            awaitUsers(alice, "lobby-p", List.of("alice", "bob"));
            // Bob is still there through his phone after one device leaves, and gone after both.
            bob.request("leave", "\"room\":\"lobby-p\"");
            awaitUsers(alice, "lobby-p", List.of("alice", "bob"));
            bobPhone.request("leave", "\"room\":\"lobby-p\"");
            awaitUsers(alice, "lobby-p", List.of("alice"));

            assertEquals("not_in_room", code(bob.request("emit", "\"event\":\"presence\",\"data\":{\"room\":\"lobby-p\"}")));
            assertEquals("invalid_room", code(alice.request("emit", "\"event\":\"presence\",\"data\":{\"room\":\"global\"}")));
            assertEquals("invalid_message", code(alice.request("emit", "\"event\":\"presence\",\"data\":{}")));
        }
    }

    @Test
    void roomsJoinedWhileAnonymousCountForTheUserAfterTheUpgrade() {
        try (TestNode node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true", "PUBLIC_ROOMS", "lobby-a"));
             WsClient watcher = node.connect("watcher");
             WsClient phone = node.connect("u")) {
            watcher.join("lobby-a");
            phone.join("lobby-a");
            // A browser joins the public room before logging in, then logs in as u.
            WsClient laptop = WsClient.connect(node.ws());
            assertTrue(laptop.expectOp("connected").get("anonymous").asBoolean());
            assertTrue(laptop.join("lobby-a").get("ok").asBoolean());
            JsonNode auth = laptop.request("auth", "\"token\":" + WsClient.quote(TestNode.token("u")));
            assertTrue(auth.get("ok").asBoolean(), auth.toString());
            awaitUsers(watcher, "lobby-a", List.of("u", "watcher"));
            // The upgraded laptop goes away: u is still in the room through the phone.
            laptop.close();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            assertEquals(List.of("u", "watcher"), users(watcher, "lobby-a"), "the phone keeps u in the room");
            phone.request("leave", "\"room\":\"lobby-a\"");
            awaitUsers(watcher, "lobby-a", List.of("watcher"));
        }
    }

    /** room:user_joined goes to everyone but the user who joined, also when they joined while anonymous. */
    @Test
    void aConnectionThatLogsInIsNotToldOfItsOwnArrival() {
        try (TestNode node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true", "PUBLIC_ROOMS", "lobby-b"));
             WsClient watcher = node.connect("watcher");
             WsClient laptop = WsClient.connect(node.ws())) {
            watcher.join("lobby-b");
            assertTrue(laptop.expectOp("connected").get("anonymous").asBoolean());
            assertTrue(laptop.join("lobby-b").get("ok").asBoolean());
            JsonNode auth = laptop.request("auth", "\"token\":" + WsClient.quote(TestNode.token("v")));
            assertTrue(auth.get("ok").asBoolean(), auth.toString());
            watcher.expectEvent("room:user_joined", "userId", "v");
            laptop.expectNone(m -> "room:user_joined".equals(m.path("event").asText())
                    && "v".equals(m.path("data").path("userId").asText()), java.time.Duration.ofMillis(500));
        }
    }

    private static String code(JsonNode reply) {
        return reply.get("error").get("code").asText();
    }
}
