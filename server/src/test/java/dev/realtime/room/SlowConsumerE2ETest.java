package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A connection that stops reading must not grow server memory without bound nor slow the others:
 * its deliveries are dropped (or it is disconnected) once its outbound buffer is above the mark.
 */
class SlowConsumerE2ETest {
    private static final int MESSAGES = 600;
    private static final int BATCH = 25;
    private static final String BIG = "\"" + "z".repeat(16 * 1024) + "\"";

    /**
     * Floods the room in batches, each read by {@code fast} before the next goes out: the stalled
     * reader falls ever further behind while the reading one never holds more than a batch (400 KB)
     * unread, however loaded the machine running the test is.
     */
    private void flood(TestNode node, WsClient fast) {
        for (int sent = 0; sent < MESSAGES; sent += BATCH) {
            for (int i = 0; i < BATCH; i++) {
                node.post("/api/broadcast/room", "{\"room\":\"firehose\",\"event\":\"blob\",\"data\":" + BIG + "}");
            }
            for (int i = 0; i < BATCH; i++) {
                fast.expectEvent("blob");
            }
        }
        node.post("/api/broadcast/room", "{\"room\":\"firehose\",\"event\":\"done\",\"data\":1}");
    }

    @Test
    void dropPolicyDropsForTheSlowAndNotForTheFast() throws Exception {
        try (TestNode node = node("drop"); WsClient fast = node.connect("fast");
             RawWs slow = floodPastOneStalledReader(node, fast)) {
            fast.expectEvent("done"); // and every blob before it (read batch by batch)
            String metrics = node.get("/metrics").body();
            assertTrue(metrics.contains("realtime_dropped_deliveries_total{reason=\"slow_consumer\""), metrics);
        }
    }

    @Test
    void disconnectPolicyClosesTheSlowOne() throws Exception {
        try (TestNode node = node("disconnect"); WsClient fast = node.connect("fast");
             RawWs slow = floodPastOneStalledReader(node, fast)) {
            fast.expectEvent("done");
            assertTrue(node.get("/metrics").body().contains("realtime_slow_consumer_disconnects_total 1.0"));
            assertEquals(1, node.getWithKey("/api/stats").json().get("totalConnections").asInt());
        }
    }

    private static TestNode node(String policy) {
        return TestNode.start(Map.of("WS_WRITE_BUFFER_LOW", "524288", "WS_WRITE_BUFFER_HIGH", "1048576",
                "SLOW_CONSUMER_POLICY", policy));
    }

    /**
     * Joins a raw client that never reads again (its kernel buffers and then the server's fill up)
     * and {@code fast} to the room, then floods the room through the HTTP API.
     */
    private RawWs floodPastOneStalledReader(TestNode node, WsClient fast) throws java.io.IOException {
        RawWs slow = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("slow"), 4096);
        slow.socket().getOutputStream().write(maskedJoin());
        fast.join("firehose");
        awaitMembers(node, 2);
        flood(node, fast);
        return slow;
    }

    /** Waits (bounded) until the room has {@code n} members, so the flood is not racing the join. */
    private static void awaitMembers(TestNode node, int n) {
        for (int i = 0; i < 500; i++) {
            for (var r : node.getWithKey("/api/stats").json().get("roomStats")) {
                if (r.get("name").asText().equals("firehose") && r.get("connections").asInt() == n) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("room never reached " + n + " members");
    }

    /** A masked text frame {"op":"join","room":"firehose"} (client frames must be masked). */
    private static byte[] maskedJoin() {
        byte[] payload = "{\"op\":\"join\",\"room\":\"firehose\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        byte[] mask = {1, 2, 3, 4};
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }
}
