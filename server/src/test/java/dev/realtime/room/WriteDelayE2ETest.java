package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A room policy's {@code writeDelayMs} (issue 12) changes when deliveries are written, never what
 * or in which order: every member gets every event in publish order, and the publisher still sees
 * its own event before the reply to its publish. (Behaviour only: no timing is asserted.)
 */
class WriteDelayE2ETest {

    @Test
    void delayedRoomsDeliverEverythingInOrder(@TempDir Path dir) throws Exception {
        Path routes = dir.resolve("routes.json");
        Files.writeString(routes, "{\"policies\": {\"slow:*\": {\"writeDelayMs\": 40}}}");
        try (TestNode node = TestNode.start(Map.of("ROUTES_FILE", routes.toString()));
             WsClient pub = node.connect("pub");
             WsClient a = node.connect("a");
             WsClient b = node.connect("b")) {
            for (WsClient c : new WsClient[] {pub, a, b}) {
                c.join("slow:r");
                c.join("fast");
            }
            int n = 30;
            for (int i = 0; i < n; i++) {
                String room = i % 3 == 0 ? "fast" : "slow:r";
                pub.send("{\"op\":\"publish\",\"id\":" + (1000 + i) + ",\"room\":\"" + room
                        + "\",\"event\":\"n\",\"data\":{\"i\":" + i + "}}");
            }
            for (WsClient c : new WsClient[] {a, b}) {
                Map<String, Integer> last = new java.util.HashMap<>();
                for (int k = 0; k < n; k++) {
                    JsonNode e = c.expect(m -> "event".equals(m.path("op").asText()) && "n".equals(m.path("event").asText()));
                    int i = e.path("data").path("i").asInt();
                    Integer before = last.put(e.path("room").asText(), i);
                    assertTrue(before == null || before < i, "in publish order within " + e.path("room") + ": " + before + ", " + i);
                }
                assertEquals(Map.of("fast", 27, "slow:r", 29), last, "every event arrived");
            }
            java.util.List<String> seen = new java.util.ArrayList<>();
            for (int k = 0; k < 2 * n; k++) {
                JsonNode m = pub.expect(x -> "n".equals(x.path("event").asText()) || "reply".equals(x.path("op").asText()));
                seen.add("event".equals(m.path("op").asText()) ? "e" + m.path("data").path("i").asInt()
                        : "r" + (m.path("id").asInt() - 1000));
            }
            for (int i = 0; i < n; i++) {
                assertTrue(seen.indexOf("e" + i) >= 0 && seen.indexOf("e" + i) < seen.indexOf("r" + i),
                        "the publisher's own event " + i + " comes before the reply to it: " + seen);
            }
        }
    }
}
