package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The route table's per-room delivery policies on one node, end to end: {@code latest} rooms recover
 * only the newest event of each name, {@code volatile} rooms keep nothing and never disconnect a slow
 * consumer, a prefix's {@code slowConsumer} overrides {@code SLOW_CONSUMER_POLICY}; and, on the same
 * path, a publish reply carries the event's position, and a {@code join} with {@code since} on a room
 * the connection is in replays what it missed.
 */
class RoomPoliciesE2ETest {
    /** The policies every test here runs with (ROUTES_FILE replaces the bundled table). */
    static final String ROUTES = """
            {"policies": {
              "score:*":  {"delivery": "latest"},
              "tv:*":     {"delivery": "volatile"},
              "strict-*": {"slowConsumer": "disconnect"}
            }}""";
    private static final int FLOOD = 160;
    private static final String BIG = "\"" + "z".repeat(64 * 1024) + "\"";

    @TempDir
    Path dir;
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

    static Map<String, String> withRoutes(Path dir, Map<String, String> env) throws IOException {
        Path file = dir.resolve("routes-" + System.nanoTime() + ".json");
        Files.writeString(file, ROUTES);
        Map<String, String> all = new HashMap<>(env);
        all.put("ROUTES_FILE", file.toString());
        return all;
    }

    private TestNode node(Map<String, String> env) throws IOException {
        return keep(TestNode.start(withRoutes(dir, env)));
    }

    static String since(String room, String epoch, long offset) {
        return "\"room\":" + WsClient.quote(room) + ",\"since\":{\"epoch\":" + WsClient.quote(epoch) + ",\"offset\":" + offset + "}";
    }

    /** The next event named {@code name} or {@code other} (the score events), skipping presence events. */
    static JsonNode nextOf(WsClient c, String... names) {
        List<String> wanted = List.of(names);
        return c.expect(m -> "event".equals(m.path("op").asText()) && wanted.contains(m.path("event").asText()));
    }

    static String summary(JsonNode event) {
        return event.get("event").asText() + "=" + event.get("data").asText() + "@" + event.get("offset").asLong();
    }

    @Test
    void aLatestRoomRecoversOnlyTheNewestValueOfEachEvent() throws IOException {
        TestNode node = node(Map.of());
        WsClient alice = keep(node.connect("alice"));
        alice.join("score:m1");
        String[][] publishes = {{"home", "1"}, {"away", "1"}, {"home", "2"}, {"home", "3"}, {"away", "2"}};
        String epoch = null;
        for (int i = 0; i < publishes.length; i++) {
            JsonNode reply = alice.publish("score:m1", publishes[i][0], publishes[i][1]);
            assertTrue(reply.get("ok").asBoolean(), reply.toString());
            assertEquals(i + 1, reply.get("data").get("offset").asLong(), "the publish reply tells the offset: " + reply);
            epoch = reply.get("data").get("epoch").asText();
        }
        for (int i = 0; i < publishes.length; i++) {
            JsonNode live = nextOf(alice, "home", "away");
            assertEquals(i + 1, live.get("offset").asLong(), "live members get every change");
            assertEquals(epoch, live.get("epoch").asText());
        }

        // A client that saw nothing gets the newest home and the newest away, in offset order.
        WsClient bob = keep(node.connect("bob"));
        JsonNode reply = bob.request("join", since("score:m1", epoch, 0));
        assertEquals(List.of("home=3@4", "away=2@5"), List.of(summary(nextOf(bob, "home", "away")),
                summary(nextOf(bob, "home", "away"))));
        JsonNode data = reply.get("data");
        assertTrue(data.get("recovered").asBoolean(), reply.toString());
        assertEquals(5, data.get("offset").asLong());
        assertEquals(2, data.get("replayed").asInt());
        bob.expectNone(m -> m.has("offset"), Duration.ofMillis(150));

        // One that saw offset 4 gets only what changed after it.
        WsClient carol = keep(node.connect("carol"));
        JsonNode after4 = carol.request("join", since("score:m1", epoch, 4));
        assertEquals("away=2@5", summary(nextOf(carol, "home", "away")));
        assertEquals(1, after4.get("data").get("replayed").asInt());

        // The history emit reads the same newest values; live events go on from the head.
        JsonNode history = bob.emit("history", "{\"room\":\"score:m1\",\"limit\":10}");
        JsonNode events = history.get("data").get("events");
        assertEquals(2, events.size(), history.toString());
        assertEquals(List.of(4L, 5L), List.of(events.get(0).get("offset").asLong(), events.get(1).get("offset").asLong()));
        assertEquals(3, events.get(0).get("data").asInt());
        alice.publish("score:m1", "home", "4");
        assertEquals("home=4@6", summary(nextOf(bob, "home", "away")));
        assertEquals("home=4@6", summary(nextOf(carol, "home", "away")));
    }

    @Test
    void aVolatileRoomKeepsNoHistory() throws IOException {
        TestNode node = node(Map.of());
        WsClient alice = keep(node.connect("alice"));
        alice.join("tv:1");
        JsonNode reply = alice.publish("tv:1", "viewers", "{\"count\":3}");
        assertTrue(reply.get("ok").asBoolean(), reply.toString());
        assertFalse(reply.has("data"), "nothing stamped, nothing to tell: " + reply);
        JsonNode event = alice.expectEvent("viewers");
        assertFalse(event.has("offset") || event.has("epoch"), event.toString());

        WsClient bob = keep(node.connect("bob"));
        JsonNode join = bob.request("join", since("tv:1", "any-epoch", 0));
        assertTrue(join.get("ok").asBoolean(), join.toString());
        assertFalse(join.get("data").get("recovered").asBoolean(), join.toString());
        assertTrue(join.get("data").get("epoch").isNull());
        assertEquals(0, join.get("data").get("offset").asLong());
        bob.expectNone(m -> "viewers".equals(m.path("event").asText()), Duration.ofMillis(150));
        assertEquals("invalid_room", WsClient.errorCode(bob.emit("history", "{\"room\":\"tv:1\"}")));
        // Live events still flow.
        alice.publish("tv:1", "viewers", "{\"count\":4}");
        assertEquals(4, bob.expectEvent("viewers").get("data").get("count").asInt());
    }

    /**
     * With {@code SLOW_CONSUMER_POLICY=disconnect}, a client that stops reading loses the deliveries
     * of a volatile room and stays connected; the same client is disconnected as soon as a room with
     * the node's policy floods it (which shows it was slow all along). No reading client shares the
     * floods: under {@code disconnect} a loaded machine could make it a slow consumer too.
     */
    @Test
    void aVolatileRoomDropsForASlowConsumerWhereTheNodeWouldDisconnect() throws Exception {
        volatileRoomDrops(Map.of());
    }

    /**
     * The same on one I/O loop: the room, the HTTP publisher and the slow client share it, so every
     * delivery takes the direct path ({@code LoopOutbox.deliverNow}, issue 12) and must carry the
     * room's slow-consumer code like a queued {@code Delivery} does.
     */
    @Test
    void aVolatileRoomDropsForASlowConsumerOnTheRoomsOwnLoop() throws Exception {
        volatileRoomDrops(Map.of("IO_THREADS", "1"));
    }

    private void volatileRoomDrops(Map<String, String> extra) throws Exception {
        TestNode node = node(slowNode("disconnect", extra));
        RawWs slow = keep(stalledReader(node, "tv:flood", "lobby-flood"));
        awaitMembers(node, "tv:flood", 1);
        awaitMembers(node, "lobby-flood", 1);

        flood(node, "tv:flood");
        // Two drops mean the first one's handling (drop, or drop and close) is over.
        await("the slow client's volatile deliveries are dropped (or it is closed)",
                () -> dropped(node) >= 2 || disconnects(node) > 0);
        assertEquals(0, disconnects(node), "a volatile room never disconnects");
        assertEquals(1, connections(node));

        flood(node, "lobby-flood");
        await("the node's policy disconnects it in a stream room", () -> disconnects(node) == 1 && connections(node) == 0);
    }

    /** {@code slowConsumer: disconnect} on a prefix disconnects a slow consumer of those rooms while the node drops. */
    @Test
    void aPrefixDisconnectPolicyOverridesTheNodesDrop() throws Exception {
        prefixDisconnects(Map.of());
    }

    /** The same on one I/O loop, where every delivery takes the direct path (see above). */
    @Test
    void aPrefixDisconnectPolicyOverridesTheNodesDropOnTheRoomsOwnLoop() throws Exception {
        prefixDisconnects(Map.of("IO_THREADS", "1"));
    }

    private void prefixDisconnects(Map<String, String> extra) throws Exception {
        TestNode node = node(slowNode("drop", extra));
        RawWs slow = keep(stalledReader(node, "lobby-flood", "strict-1"));
        awaitMembers(node, "lobby-flood", 1);
        awaitMembers(node, "strict-1", 1);

        flood(node, "lobby-flood");
        await("the node drops the slow client's deliveries (or closes it)", () -> dropped(node) >= 2 || disconnects(node) > 0);
        assertEquals(0, disconnects(node));
        assertEquals(1, connections(node));

        flood(node, "strict-1");
        await("the prefix's policy disconnects it", () -> disconnects(node) == 1 && connections(node) == 0);
    }

    /**
     * A client in a room that knows it missed events (here it says it saw only offset 2) sends
     * {@code join} with {@code since} again: it gets what followed, then the reply, and stays a member.
     */
    @Test
    void joinWithSinceOnAJoinedRoomReplaysWhatWasMissed() throws IOException {
        TestNode node = node(Map.of());
        WsClient alice = keep(node.connect("alice"));
        WsClient bob = keep(node.connect("bob"));
        alice.join("lobby-j");
        bob.join("lobby-j");
        String epoch = null;
        for (int i = 1; i <= 4; i++) {
            epoch = alice.publish("lobby-j", "move", String.valueOf(i)).get("data").get("epoch").asText();
        }
        for (int i = 1; i <= 4; i++) {
            assertEquals(i, bob.expectEvent("move").get("offset").asLong());
        }

        JsonNode reply = bob.request("join", since("lobby-j", epoch, 2));
        assertEquals(3, bob.expectEvent("move").get("offset").asLong());
        assertEquals(4, bob.expectEvent("move").get("offset").asLong());
        JsonNode data = reply.get("data");
        assertTrue(data.get("recovered").asBoolean(), reply.toString());
        assertEquals(epoch, data.get("epoch").asText());
        assertEquals(4, data.get("offset").asLong());
        assertEquals(2, data.get("replayed").asInt());
        alice.publish("lobby-j", "move", "5");
        assertEquals(5, bob.expectEvent("move").get("offset").asLong(), "still a member");
        bob.expectNone(m -> "move".equals(m.path("event").asText()), Duration.ofMillis(150));

        // An epoch that is gone: recovered:false with the room's position, no replay, still a member.
        JsonNode stale = bob.request("join", since("lobby-j", "old", 1));
        assertFalse(stale.get("data").get("recovered").asBoolean(), stale.toString());
        assertEquals(epoch, stale.get("data").get("epoch").asText());
        assertEquals(5, stale.get("data").get("offset").asLong());
        alice.publish("lobby-j", "move", "6");
        assertEquals(6, bob.expectEvent("move").get("offset").asLong());
        assertEquals(2, connectionsIn(node, "lobby-j"), "one membership each");

        // A room without history answers recovered:false.
        bob.join("tv:2");
        assertFalse(bob.request("join", since("tv:2", epoch, 1)).get("data").get("recovered").asBoolean());
    }

    // ---------------------------------------------------------------- slow consumers

    private static Map<String, String> slowNode(String policy, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.putAll(Map.of("WS_WRITE_BUFFER_LOW", "131072", "WS_WRITE_BUFFER_HIGH", "262144", "SLOW_CONSUMER_POLICY", policy));
        return env;
    }

    /** A raw client that joins {@code rooms} and never reads again (its kernel buffers, then the server's, fill up). */
    private static RawWs stalledReader(TestNode node, String... rooms) throws IOException {
        RawWs slow = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("slow"), 4096);
        for (String room : rooms) {
            slow.sendText(("{\"op\":\"join\",\"room\":\"" + room + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return slow;
    }

    private static void flood(TestNode node, String room) {
        for (int i = 0; i < FLOOD; i++) {
            node.post("/api/broadcast/room", "{\"room\":\"" + room + "\",\"event\":\"blob\",\"data\":" + BIG + "}");
        }
        node.post("/api/broadcast/room", "{\"room\":\"" + room + "\",\"event\":\"done\",\"data\":1}");
    }

    private static double dropped(TestNode node) {
        return node.metric("realtime_dropped_deliveries_total{reason=\"slow_consumer\"}");
    }

    private static double disconnects(TestNode node) {
        return node.metric("realtime_slow_consumer_disconnects_total");
    }

    private static int connections(TestNode node) {
        return node.getWithKey("/api/stats").json().get("totalConnections").asInt();
    }

    static int connectionsIn(TestNode node, String room) {
        for (JsonNode r : node.getWithKey("/api/stats").json().get("roomStats")) {
            if (room.equals(r.get("name").asText())) {
                return r.get("connections").asInt();
            }
        }
        return 0;
    }

    private static void awaitMembers(TestNode node, String room, int n) {
        await(room + " has " + n + " members", () -> connectionsIn(node, room) == n);
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(10_000_000);
        }
    }
}
