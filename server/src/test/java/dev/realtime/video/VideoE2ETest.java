package dev.realtime.video;

import static dev.realtime.testing.WsClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Seed 004's video events: join/leave, live viewer counts (coalesced, cluster-wide), multi-device sync, bad input. */
class VideoE2ETest {

    private static JsonNode join(WsClient c, String videoId) {
        return c.emit("video:join", "{\"videoId\":" + WsClient.quote(videoId) + "}");
    }

    private static Predicate<JsonNode> viewers(String videoId, int count) {
        return m -> "video:viewers".equals(m.path("event").asText()) && videoId.equals(m.path("data").path("videoId").asText())
                && m.path("data").path("count").asInt() == count;
    }

    private static Predicate<JsonNode> sync() {
        return m -> "video:sync".equals(m.path("event").asText());
    }

    @Test
    void viewersAreCountedAndCountsAreCoalesced() {
        try (TestNode node = TestNode.start(Map.of("VIEWER_COUNT_INTERVAL_MS", "1000"));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            JsonNode reply = join(alice, "42");
            assertTrue(reply.get("ok").asBoolean(), reply.toString());
            assertEquals("42", reply.get("data").get("videoId").asText());
            assertEquals("video:42", reply.get("data").get("room").asText());
            JsonNode first = alice.expect(viewers("42", 1));
            assertEquals("video:42", first.get("room").asText());
            join(bob, "42");
            alice.expect(viewers("42", 2));
            bob.expect(viewers("42", 2));
            assertTrue(bob.emit("video:leave", "{\"videoId\":\"42\"}").get("ok").asBoolean());
            alice.expect(viewers("42", 1));

            // A burst of 16 joins (sent without waiting) is shown in a few events, not 16.
            List<WsClient> burst = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    burst.add(node.connect("fan-" + i));
                }
                for (WsClient c : burst) {
                    c.send("{\"op\":\"emit\",\"event\":\"video:join\",\"data\":{\"videoId\":\"42\"}}");
                }
                alice.expect(viewers("42", 17));
                long events = 1 + countEvents(alice); // the 17, and the ones on the way there still queued
                assertTrue(events < 8, "16 joins shown in " + events + " events");
            } finally {
                burst.forEach(WsClient::close);
            }
            alice.expect(viewers("42", 1));
        }
    }

    /** The video:viewers events queued for {@code c} (skipped by earlier expectations or arriving now). */
    private static long countEvents(WsClient c) {
        long[] n = {0};
        c.expectNone(m -> {
            if ("video:viewers".equals(m.path("event").asText())) {
                n[0]++;
            }
            return false;
        }, Duration.ofMillis(200));
        return n[0];
    }

    @Test
    void progressReachesTheSameUsersOtherDevicesOnlyAcrossNodesAndCountsAddUp() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url(), "VIEWER_COUNT_INTERVAL_MS", "200"));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url(), "VIEWER_COUNT_INTERVAL_MS", "200"));
             WsClient laptop = a.connect("alice");
             WsClient tv = a.connect("alice");
             WsClient phone = b.connect("alice");
             WsClient bob = b.connect("bob")) {
            join(laptop, "7");
            join(tv, "7");
            join(bob, "7");
            for (WsClient c : List.of(laptop, tv, bob)) {
                c.expect(viewers("7", 3)); // two viewers on a, one on b: every viewer sees 3
            }
            JsonNode ok = laptop.emit("video:progress", "{\"videoId\":\"7\",\"timestamp\":45.5}");
            assertTrue(ok.get("ok").asBoolean(), ok.toString());
            for (WsClient other : List.of(tv, phone)) {
                JsonNode s = other.expect(sync());
                assertEquals("7", s.get("data").get("videoId").asText());
                assertEquals(45.5, s.get("data").get("timestamp").asDouble());
                assertFalse(s.has("room"), "a user's events carry no room");
            }
            laptop.expectNone(sync(), Duration.ofMillis(300)); // not back to the sender
            bob.expectNone(sync(), Duration.ZERO);              // nor to anybody else

            join(phone, "7");
            bob.expect(viewers("7", 4));
            laptop.expect(viewers("7", 4));
            tv.close();
            bob.expect(viewers("7", 3));
            bob.emit("video:leave", "{\"videoId\":\"7\"}");
            phone.emit("video:leave", "{\"videoId\":\"7\"}");
            laptop.expect(viewers("7", 1)); // node b has nobody left in the room
        }
    }

    @Test
    void aNodeThatShutsDownLeavesTheCountsAtOnce() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url()));
             WsClient watcher = a.connect("watcher")) {
            TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url()));
            try {
                join(watcher, "9");
                List<WsClient> onB = new java.util.ArrayList<>();
                for (String user : new String[] {"v1", "v2", "v3"}) {
                    onB.add(b.connect(user));
                    join(onB.get(onB.size() - 1), "9");
                }
                watcher.expect(viewers("9", 4));
                onB.get(0).emit("video:leave", "{\"videoId\":\"9\"}");
                watcher.expect(viewers("9", 3)); // b just reported: its next report waits out the interval
            } finally {
                b.close(); // graceful: its viewers are closed with 1001, then the node stops
            }
            long closed = System.nanoTime();
            watcher.expect(viewers("9", 1));
            // Without the goodbye the other node keeps b's last count until it expires (three keep-alives, ~15 s).
            assertTrue(System.nanoTime() - closed < java.util.concurrent.TimeUnit.SECONDS.toNanos(5),
                    "b left the count at once");
        }
    }

    @Test
    void badInputGetsSpecificErrors() {
        try (TestNode node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true", "PUBLIC_ROOMS", "video:*"));
             WsClient alice = node.connect("alice")) {
            assertEquals("invalid_message", errorCode(alice.emit("video:join", null)));
            assertEquals("invalid_message", errorCode(alice.emit("video:join", "{}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:join", "{\"videoId\":\"\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:join", "{\"videoId\":\"a b\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:join", "{\"videoId\":\"" + "x".repeat(129) + "\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:join", "{\"videoId\":{\"id\":1}}")));
            assertEquals("video:12", alice.emit("video:join", "{\"videoId\":12}").get("data").get("room").asText());
            assertEquals("not_in_room", errorCode(alice.emit("video:leave", "{\"videoId\":\"nope\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:leave", "\"12\"")));
            assertEquals("invalid_message", errorCode(alice.emit("video:progress", "{\"videoId\":\"12\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:progress", "{\"videoId\":\"12\",\"timestamp\":-1}")));
            assertEquals("invalid_message", errorCode(alice.emit("video:progress", "{\"videoId\":\"12\",\"timestamp\":\"45\"}")));
            assertTrue(alice.emit("video:progress", "{\"videoId\":\"12\",\"timestamp\":0}").get("ok").asBoolean());
            try (WsClient anon = WsClient.connect(node.ws())) {
                anon.expectOp("connected");
                assertTrue(join(anon, "12").get("ok").asBoolean(), "video rooms may be public");
                assertEquals("forbidden", errorCode(anon.emit("video:progress", "{\"videoId\":\"12\",\"timestamp\":1}")));
                alice.expect(viewers("12", 2));
                // Logging in later does not count the connection twice.
                assertTrue(anon.request("auth", "\"token\":" + WsClient.quote(TestNode.token("carol"))).get("ok").asBoolean());
                anon.emit("video:leave", "{\"videoId\":\"12\"}");
                alice.expect(viewers("12", 1));
            }
            assertFalse(alice.isClosed());
        }
    }
}
