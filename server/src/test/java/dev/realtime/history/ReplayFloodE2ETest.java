package dev.realtime.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.server.Json;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client asks for the same large replay again and again without reading ({@code join} with
 * {@code since} on a room it is in, 80 in one batch): each replay is bounded, their number is now
 * too. The node queued every one (80 x 900 KB here) until it ran out of memory; now at most
 * {@code MAX_REPLAY_READS} are read at once and the rest are answered {@code rate_limited} with
 * {@code retryAfterMs}, and the connection keeps working.
 */
class ReplayFloodE2ETest {
    private static final int EVENTS = 9;
    private static final int JOINS = 80;

    @Test
    void repeatedReplaysAreRefusedWhileEarlierOnesAreStillQueued() throws Exception {
        try (TestNode node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "1000"));
             WsClient alice = node.connect("alice")) {
            alice.join("r");
            String big = "x".repeat(100_000);
            String epoch = null;
            for (int i = 0; i < EVENTS; i++) {
                alice.publish("r", "big", "{\"n\":" + i + ",\"pad\":\"" + big + "\"}");
                epoch = alice.expectEvent("big").get("epoch").asText();
            }
            try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("mallory"), 4096)) {
                raw.socket().setSoTimeout(10_000);
                assertEquals("connected", op(raw.read()));
                raw.sendText("{\"op\":\"join\",\"id\":1,\"room\":\"r\"}".getBytes(StandardCharsets.UTF_8));
                assertEquals(1, json(raw.read()).get("id").asInt());
                StringBuilder batch = new StringBuilder("[");
                for (int i = 0; i < JOINS; i++) {
                    batch.append(i > 0 ? "," : "").append("{\"op\":\"join\",\"id\":").append(100 + i)
                            .append(",\"room\":\"r\",\"since\":{\"epoch\":\"").append(epoch).append("\",\"offset\":0}}");
                }
                raw.sendText(batch.append("]").toString().getBytes(StandardCharsets.UTF_8));
                int replies = 0;
                int refused = 0;
                int replayed = 0;
                while (replies < JOINS) {
                    JsonNode m = json(raw.read());
                    if ("event".equals(m.path("op").asText())) {
                        replayed++;
                    } else if ("reply".equals(m.path("op").asText()) && m.path("id").asInt() >= 100) {
                        replies++;
                        if (!m.path("ok").asBoolean()) {
                            assertEquals("rate_limited", m.path("error").path("code").asText(), m.toString());
                            assertTrue(m.path("error").path("retryAfterMs").asLong() > 0, m.toString());
                            refused++;
                        }
                    }
                }
                assertTrue(refused >= JOINS - 8, "most replays refused while earlier ones wait: " + refused);
                assertTrue(replayed <= 8 * (EVENTS - 1), "only the admitted replays were queued: " + replayed + " events");
                // Read: asking again works.
                raw.sendText(("{\"op\":\"join\",\"id\":7,\"room\":\"r\",\"since\":{\"epoch\":\"" + epoch
                        + "\",\"offset\":" + (EVENTS - 1) + "}}").getBytes(StandardCharsets.UTF_8));
                JsonNode again;
                do {
                    again = json(raw.read());
                } while (again.path("id").asInt() != 7);
                assertTrue(again.path("ok").asBoolean(), again.toString());
                assertTrue(again.path("data").path("recovered").asBoolean(), again.toString());
            }
        }
    }

    private static JsonNode json(RawWs.Frame f) throws Exception {
        return Json.MAPPER.readTree(f.payload());
    }

    private static String op(RawWs.Frame f) throws Exception {
        return json(f).path("op").asText();
    }
}
