package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replays respect backpressure and never lie (issue 11, item 9): a client that reconnects and does
 * not read at once, while 6 MB of missed events or unread notifications are replayed (more than the
 * kernel's socket buffers plus the 64 KB write-buffer mark), still gets every one of them, in
 * order, before the reply that says so, and what happens meanwhile after it.
 */
class ReplayBackpressureE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COUNT = 100;
    private static final String BLOB = "x".repeat(60_000);

    private static TestNode node() {
        Map<String, String> env = new HashMap<>(Map.of("WS_WRITE_BUFFER_LOW", "32768", "WS_WRITE_BUFFER_HIGH", "65536",
                "HISTORY_READ_MAX_BYTES", Integer.toString(16 << 20), "ROOM_HISTORY_MAX_BYTES", Integer.toString(16 << 20),
                "HISTORY_MAX_BYTES", Integer.toString(64 << 20), "RATE_LIMIT_MAX_MESSAGES", "100000"));
        env.put("NOTIFY_REPLAY_MAX_BYTES", Integer.toString(16 << 20));
        return TestNode.start(env);
    }

    /** Reads text frames as JSON until one matches; fails on a close or after the socket timeout. */
    private static JsonNode next(RawWs raw) throws IOException {
        while (true) {
            RawWs.Frame f = raw.read();
            if (f.opcode() == 0x8) {
                throw new AssertionError("closed with " + f.closeCode());
            }
            if (f.opcode() == 0x1) {
                return JSON.readTree(f.payload());
            }
        }
    }

    @Test
    void aRecoveryThatOverflowsTheSocketIsQueuedNotDropped() throws Exception {
        try (TestNode node = node(); WsClient alice = node.connect("alice")) {
            alice.join("replay");
            String epoch = null;
            for (int i = 0; i < COUNT; i++) {
                alice.publish("replay", "blob", "{\"i\":" + i + ",\"b\":\"" + BLOB + "\"}");
                epoch = alice.expectEvent("blob").get("epoch").asText();
            }
            try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("slowpoke"), 4096)) {
                assertEquals("connected", next(raw).get("op").asText());
                raw.sendText(("{\"op\":\"join\",\"id\":1,\"room\":\"replay\",\"since\":{\"epoch\":\"" + epoch
                        + "\",\"offset\":0}}").getBytes(StandardCharsets.UTF_8));
                Thread.sleep(1500); // not reading: the replay fills the socket and the write buffer
                alice.publish("replay", "live", "{\"after\":true}");

                List<Long> offsets = new ArrayList<>();
                JsonNode m;
                while (!"reply".equals((m = next(raw)).path("op").asText())) {
                    assertEquals("blob", m.path("event").asText(), m.toString());
                    offsets.add(m.get("offset").asLong());
                }
                List<Long> expected = new ArrayList<>();
                for (long o = 1; o <= COUNT; o++) {
                    expected.add(o);
                }
                assertEquals(expected, offsets, "every missed event, in order, before the reply");
                assertTrue(m.get("ok").asBoolean(), m.toString());
                assertTrue(m.get("data").get("recovered").asBoolean());
                assertEquals(COUNT, m.get("data").get("replayed").asInt());
                JsonNode live = next(raw);
                assertEquals("live", live.path("event").asText(), "what was published meanwhile comes after");
                assertEquals(COUNT + 1, live.get("offset").asLong());
            }
        }
    }

    @Test
    void unreadNotificationsAreReplayedWholeToAClientThatReadsLate() throws Exception {
        try (TestNode node = node()) {
            for (int i = 0; i < COUNT; i++) {
                assertEquals(202, node.post("/api/realtime/internal/notify", "{\"userIds\":[\"late\"],\"payload\":{\"i\":"
                        + i + ",\"b\":\"" + BLOB + "\"}}").status());
            }
            // This replays what is in the inbox: 202 means queued for it, so wait until all are stored
            // (what is stored during the connect is NotificationReplayOrderE2ETest's case).
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            String stored = "realtime_notifications_total{outcome=\"stored\"}";
            while (node.metric(stored) < COUNT && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // each check is an HTTP request
            }
            assertEquals(COUNT, (int) node.metric(stored), "every notification in the inbox before the connect");
            try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("late"), 4096)) {
                Thread.sleep(1500); // not reading while the inbox is replayed
                assertEquals("connected", next(raw).get("op").asText());
                for (int i = 0; i < COUNT; i++) {
                    JsonNode n = next(raw);
                    assertEquals("notification:new", n.path("event").asText(), n.toString());
                    assertEquals(i, n.get("data").get("i").asInt(), "oldest first, none missing");
                }
            }
        }
    }
}
