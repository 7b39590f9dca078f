package dev.realtime.history;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Room history end to end: published events carry increasing offsets under one epoch, a join with
 * {@code since} replays what was missed (from any node, over Redis) or says {@code recovered:false},
 * and the {@code history} emit reads the newest events.
 */
class HistoryE2ETest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private static List<JsonNode> events(WsClient c, String event, int n) {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.expectEvent(event));
        }
        return out;
    }

    private static String joinSince(String room, String epoch, long offset) {
        return "\"room\":" + WsClient.quote(room) + ",\"since\":{\"epoch\":" + WsClient.quote(epoch) + ",\"offset\":" + offset + "}";
    }

    @Test
    void offsetsRecoveryAndTheHistoryEmitOnOneNode() {
        TestNode node = keep(TestNode.start());
        WsClient alice = keep(node.connect("alice"));
        WsClient bob = keep(node.connect("bob"));
        alice.join("lobby-h");
        bob.join("lobby-h");
        for (int i = 1; i <= 5; i++) {
            alice.publish("lobby-h", "move", "{\"n\":" + i + "}");
        }
        List<JsonNode> seen = events(bob, "move", 5);
        String epoch = seen.get(0).get("epoch").asText();
        assertFalse(epoch.isEmpty());
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, seen.get(i).get("offset").asLong());
            assertEquals(epoch, seen.get(i).get("epoch").asText());
        }

        // A client that saw offset 2 recovers 3..5, in order, before the reply.
        WsClient carol = keep(node.connect("carol"));
        JsonNode reply = carol.request("join", joinSince("lobby-h", epoch, 2));
        List<JsonNode> replayed = events(carol, "move", 3);
        assertEquals(List.of(3L, 4L, 5L), replayed.stream().map(e -> e.get("offset").asLong()).toList());
        assertEquals(3, replayed.get(0).get("data").get("n").asInt());
        assertTrue(reply.get("ok").asBoolean());
        assertTrue(reply.get("data").get("recovered").asBoolean());
        assertEquals(5, reply.get("data").get("offset").asLong());
        assertEquals(epoch, reply.get("data").get("epoch").asText());
        // Live events go on after the replay.
        alice.publish("lobby-h", "move", "{\"n\":6}");
        assertEquals(6, carol.expectEvent("move").get("offset").asLong());

        // An unknown epoch cannot be recovered: no replay, recovered:false.
        WsClient dave = keep(node.connect("dave"));
        JsonNode stale = dave.request("join", joinSince("lobby-h", "old-epoch", 1));
        assertFalse(stale.get("data").get("recovered").asBoolean());
        assertEquals(epoch, stale.get("data").get("epoch").asText());
        dave.expectNone(m -> "move".equals(m.path("event").asText()), Duration.ofMillis(150));

        // The history emit: newest two, then everything after offset 4.
        JsonNode last2 = bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"lobby-h\",\"limit\":2}");
        assertTrue(last2.get("ok").asBoolean(), last2.toString());
        JsonNode evs = last2.get("data").get("events");
        assertEquals(2, evs.size());
        assertEquals(5, evs.get(0).get("offset").asLong());
        assertEquals(6, evs.get(1).get("data").get("n").asInt());
        JsonNode after4 = bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"lobby-h\",\"since\":{\"epoch\":"
                + WsClient.quote(epoch) + ",\"offset\":4}}");
        assertEquals(2, after4.get("data").get("events").size());
        assertTrue(after4.get("data").get("recovered").asBoolean());

        // Bad history requests.
        assertEquals("not_in_room", dave.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"elsewhere\"}")
                .get("error").get("code").asText());
        assertEquals("invalid_message", bob.request("emit", "\"event\":\"history\",\"data\":{}")
                .get("error").get("code").asText());
        assertEquals("invalid_message", bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"lobby-h\",\"limit\":-3}")
                .get("error").get("code").asText());
        assertEquals("invalid_message", bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"lobby-h\",\"limit\":1.5}")
                .get("error").get("code").asText(), "a count is a whole number");
        assertEquals("invalid_message", bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"lobby-h\","
                + "\"since\":{\"epoch\":\"e\",\"offset\":2.5}}").get("error").get("code").asText());
        assertEquals("invalid_room", bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"global\"}")
                .get("error").get("code").asText());
    }

    @Test
    void userAndGlobalEventsKeepNoHistory() {
        TestNode node = keep(TestNode.start());
        WsClient alice = keep(node.connect("alice"));
        node.post("/api/broadcast/user", "{\"userId\":\"alice\",\"event\":\"ping:user\",\"data\":{}}");
        node.post("/api/broadcast/global", "{\"event\":\"ping:all\",\"data\":{}}");
        assertFalse(alice.expectEvent("ping:user").has("offset"));
        assertFalse(alice.expectEvent("ping:all").has("offset"));
    }

    @Test
    void historyCanBeTurnedOff() {
        TestNode node = keep(TestNode.start(Map.of("ROOM_MESSAGE_HISTORY", "0")));
        WsClient alice = keep(node.connect("alice"));
        alice.join("plain");
        alice.publish("plain", "move", "{}");
        assertFalse(alice.expectEvent("move").has("offset"));
        WsClient bob = keep(node.connect("bob"));
        JsonNode reply = bob.request("join", joinSince("plain", "e", 0));
        assertFalse(reply.get("data").get("recovered").asBoolean());
    }

    @Test
    void recoveryWorksFromAnyNodeOverRedis() {
        RedisServer redis = keep(RedisServer.start());
        TestNode a = keep(TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url())));
        TestNode b = keep(TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url())));
        WsClient alice = keep(a.connect("alice"));
        WsClient bob = keep(b.connect("bob"));
        alice.join("match-room");
        bob.join("match-room");
        awaitSubscribers(redis, "match-room", 2);
        for (int i = 1; i <= 3; i++) {
            alice.publish("match-room", "move", "{\"n\":" + i + "}");
        }
        List<JsonNode> onA = events(alice, "move", 3);
        List<JsonNode> onB = events(bob, "move", 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, onB.get(i).get("offset").asLong(), "same offsets on every node");
            assertEquals(onA.get(i).get("epoch").asText(), onB.get(i).get("epoch").asText());
        }
        // Bob's phone reconnects to the other node and recovers what followed offset 1.
        WsClient phone = keep(a.connect("bob"));
        JsonNode reply = phone.request("join", joinSince("match-room", onB.get(0).get("epoch").asText(), 1));
        List<JsonNode> replayed = events(phone, "move", 2);
        assertEquals(List.of(2, 3), replayed.stream().map(e -> e.get("data").get("n").asInt()).toList());
        assertTrue(reply.get("data").get("recovered").asBoolean());
        assertEquals(3, reply.get("data").get("offset").asLong());
    }

    @Test
    void aRecoveringClientSeesEveryEventOnceInOrderWhilePublishesRace() {
        RedisServer redis = keep(RedisServer.start());
        // History holds the whole flood, so recovery from offset 1 is always possible.
        TestNode a = keep(TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url(),
                "RATE_LIMIT_MAX_MESSAGES", "100000", "ROOM_MESSAGE_HISTORY", "1000")));
        TestNode b = keep(TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url(), "ROOM_MESSAGE_HISTORY", "1000")));
        WsClient alice = keep(a.connect("alice"));
        alice.join("race");
        alice.publish("race", "tick", "0");
        String epoch = alice.expectEvent("tick").get("epoch").asText();
        // Publishes keep flowing (no waiting for replies) from node A while Bob recovers on node B
        // and on node A, from offset 1.
        Thread flood = new Thread(() -> {
            for (int i = 1; i <= 300; i++) {
                alice.send("{\"op\":\"publish\",\"room\":\"race\",\"event\":\"tick\",\"data\":" + i + "}");
            }
            alice.publish("race", "done", "0");
        });
        WsClient bobB = keep(b.connect("bob"));
        WsClient bobA = keep(a.connect("bob"));
        flood.start();
        JsonNode replyB = bobB.request("join", joinSince("race", epoch, 1));
        JsonNode replyA = bobA.request("join", joinSince("race", epoch, 1));
        assertTrue(replyB.get("data").get("recovered").asBoolean(), replyB.toString());
        assertTrue(replyA.get("data").get("recovered").asBoolean(), replyA.toString());
        for (WsClient bob : List.of(bobB, bobA)) {
            long expected = 2; // the client had seen offset 1
            while (true) {
                // The published events only: a presence event (room:user_joined of the other device or of
                // alice, announced asynchronously) is transient and carries no offset.
                JsonNode m = bob.expect(x -> "event".equals(x.path("op").asText()) && x.has("offset"));
                long off = m.get("offset").asLong();
                assertEquals(expected, off, "every offset once, in order");
                expected++;
                if ("done".equals(m.get("event").asText())) {
                    break;
                }
            }
            assertEquals(302, expected - 1, "ticks 1..300 plus done");
        }
    }

    /**
     * The room and the recovering connection on the same event loop (one I/O thread): a publish
     * written to the room's members there at once must still reach the client after the replay and
     * the join's reply, never before them (the soak found gaps when it overtook the replay). Both a
     * reconnect's join with since and a joined connection's catch-up, repeated under a flood.
     */
    @Test
    void aRecoveryOnTheRoomsOwnLoopIsNotOvertakenByLiveEvents() throws Exception {
        TestNode node = keep(TestNode.start(Map.of("IO_THREADS", "1", "RATE_LIMIT_MAX_MESSAGES", "1000000",
                "ROOM_MESSAGE_HISTORY", "100000")));
        recoveriesUnderAFlood(node, node);
    }

    /** As above with the events coming over the bus from another node (queued on the room's loop). */
    @Test
    void aRecoveryOnTheRoomsOwnLoopIsNotOvertakenByEventsFromAnotherNode() throws Exception {
        RedisServer redis = keep(RedisServer.start());
        TestNode a = keep(TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url(),
                "RATE_LIMIT_MAX_MESSAGES", "1000000", "ROOM_MESSAGE_HISTORY", "100000")));
        TestNode b = keep(TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url(), "IO_THREADS", "1",
                "ROOM_MESSAGE_HISTORY", "100000")));
        recoveriesUnderAFlood(a, b);
    }

    /**
     * A client on {@code publishing} floods a room while clients on {@code recovering} join it with
     * {@code since} (a new connection each time) or catch up in it (a joined one), 40 times: each
     * sees the replay, then the reply, then the live events, every offset once and in order.
     */
    private void recoveriesUnderAFlood(TestNode publishing, TestNode node) throws Exception {
        WsClient alice = keep(publishing.connect("alice"));
        alice.join("loop-race");
        alice.publish("loop-race", "tick", "0");
        String epoch = alice.expectEvent("tick").get("epoch").asText();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread flood = new Thread(() -> {
            while (!stop.get()) {
                alice.send("{\"op\":\"publish\",\"room\":\"loop-race\",\"event\":\"tick\",\"data\":1}");
                java.util.concurrent.locks.LockSupport.parkNanos(300_000); // ~3,000/s: a load the node serves with room to spare
            }
        });
        flood.start();
        try {
            long last = 1;
            WsClient joined = keep(node.connect("carol"));
            joined.join("loop-race");
            for (int round = 0; round < 40; round++) {
                boolean reconnect = round % 2 == 0;
                WsClient bob = reconnect ? node.connect("bob") : joined;
                // A fresh connection gets the replay first; a joined one may still get live events
                // before it, and the replay shows where its offsets start again from last + 1.
                long live = Long.MIN_VALUE;
                if (!reconnect) {
                    live = bob.expect(x -> "event".equals(x.path("op").asText()) && x.has("offset")).get("offset").asLong();
                    last = live - 1;
                }
                long id = 1000 + round;
                bob.send("{\"op\":\"join\",\"id\":" + id + "," + joinSince("loop-race", epoch, last) + "}");
                boolean inReplay = reconnect;
                long expected = last + 1;
                boolean replied = false;
                int afterReply = 0;
                int transientKept = 0;
                while (afterReply < 20) {
                    JsonNode m = bob.expect(x -> ("reply".equals(x.path("op").asText()) && x.path("id").asLong() == id)
                            || "event".equals(x.path("op").asText()) && "loop-race".equals(x.path("room").asText()));
                    if (!m.has("offset") && "event".equals(m.path("op").asText())) {
                        // presence (bob's devices come and go): no offset; one kept during the
                        // recovery is handed over with it and counted in "replayed"
                        transientKept += inReplay && !replied ? 1 : 0;
                        continue;
                    }
                    if ("reply".equals(m.path("op").asText())) {
                        assertTrue(inReplay, "round " + round + ": the reply came before the replay: " + m + ", live " + live + ", last " + last);
                        assertTrue(m.path("data").path("recovered").asBoolean(), m.toString());
                        assertEquals(expected - 1 - last + transientKept, m.path("data").path("replayed").asLong(),
                                "round " + round + ": the replay (and what was kept meanwhile) comes before the reply");
                        replied = true;
                        continue;
                    }
                    long offset = m.get("offset").asLong();
                    if (!inReplay) {
                        if (offset > live) { // still the live stream from before the request
                            assertEquals(live + 1, offset, "round " + round + ": live events in order");
                            live = offset;
                            continue;
                        }
                        inReplay = true;
                    }
                    assertEquals(expected, offset, "round " + round + " (" + (reconnect ? "reconnect" : "joined")
                            + ", replied " + replied + "): every offset once, in order");
                    expected++;
                    if (replied) {
                        afterReply++;
                    }
                }
                last = expected - 1;
                if (reconnect) {
                    bob.close();
                }
            }
        } finally {
            stop.set(true);
            flood.join();
        }
    }

    @Test
    void leavingAndRejoiningDuringARecoveryLeavesExactlyOneMembership() {
        RedisServer redis = keep(RedisServer.start());
        TestNode node = keep(TestNode.start(Map.of("REDIS_URL", redis.url())));
        WsClient alice = keep(node.connect("alice"));
        alice.join("rr");
        alice.publish("rr", "tick", "1");
        String epoch = alice.expectEvent("tick").get("epoch").asText();
        for (boolean secondWithSince : new boolean[] {false, true}) {
            WsClient bob = keep(node.connect("bob"));
            // Three requests back to back: the first join's history read is still pending on its lane
            // when the leave and the second join reach the room.
            String since = ",\"since\":{\"epoch\":" + WsClient.quote(epoch) + ",\"offset\":0}";
            bob.send("[{\"op\":\"join\",\"id\":1,\"room\":\"rr\"" + since + "},"
                    + "{\"op\":\"leave\",\"id\":2,\"room\":\"rr\"},"
                    + "{\"op\":\"join\",\"id\":3,\"room\":\"rr\"" + (secondWithSince ? since : "") + "}]");
            for (int id = 1; id <= 3; id++) {
                int want = id;
                bob.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asInt() == want);
            }
            JsonNode rooms = bob.request("emit", "\"event\":\"get_rooms\"").get("data").get("rooms");
            assertTrue(rooms.toString().contains("\"rr\""), "the last join wins: " + rooms);
            assertEquals(2, connectionsIn(node, "rr"), "alice and bob, once each");
            String after = "after-" + secondWithSince; // the second round's replay holds the first round's
            alice.publish("rr", after, "2");
            bob.expectEvent(after);
            bob.expectNone(m -> after.equals(m.path("event").asText()), Duration.ofMillis(150));
            bob.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (connectionsIn(node, "rr") != 1) {
                assertTrue(System.nanoTime() < deadline, "bob's membership outlived his connection");
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
        }
    }

    private static int connectionsIn(TestNode node, String room) {
        for (JsonNode r : node.getWithKey("/api/stats").json().get("roomStats")) {
            if (room.equals(r.get("name").asText())) {
                return r.get("connections").asInt();
            }
        }
        return 0;
    }

    private static void awaitSubscribers(RedisServer redis, String room, long n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            while (j.pubsubNumSub("rt:room:" + room).get("rt:room:" + room) < n) {
                assertTrue(System.nanoTime() < deadline, room + " never had " + n + " subscribers");
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }
    }
}
