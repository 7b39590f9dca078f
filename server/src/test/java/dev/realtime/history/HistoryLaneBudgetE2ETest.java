package dev.realtime.history;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A history lane has a byte budget (issue 11, item 13): while Redis is frozen (the lane's append
 * waits for the pool's timeout), publishes that would queue more than {@code HISTORY_LANE_MAX_BYTES}
 * of events behind it are answered {@code unavailable} and counted, instead of piling up.
 */
class HistoryLaneBudgetE2ETest {

    @Test
    void publishesBehindAStuckLaneAreRefusedPastTheBudget() {
        String big = "\"" + "y".repeat(50_000) + "\"";
        try (RedisServer redis = RedisServer.start();
             TestNode node = TestNode.start(Map.of("REDIS_URL", redis.url(), "HISTORY_LANE_MAX_BYTES", "65536",
                     "RATE_LIMIT_MAX_MESSAGES", "100000"));
             WsClient alice = node.connect("alice")) {
            alice.join("lane");
            redis.freeze();
            try {
                int n = 20;
                for (int i = 1; i <= n; i++) {
                    alice.send("{\"op\":\"publish\",\"id\":" + i + ",\"room\":\"lane\",\"event\":\"blob\",\"data\":" + big + "}");
                }
                int refused = 0;
                for (int i = 1; i <= n; i++) {
                    long id = i;
                    JsonNode r = alice.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asLong() == id);
                    if (!r.get("ok").asBoolean()) {
                        assertTrue("unavailable".equals(r.get("error").get("code").asText()), r.toString());
                        refused++;
                    }
                }
                assertTrue(refused > 0, "nothing refused: the lane queues without bound");
                assertTrue(HistoryBudgetE2ETest.metric(node, "realtime_queue_overflow_total{queue=\"history_lane\",}") > 0);
                assertTrue(HistoryBudgetE2ETest.metric(node, "realtime_dropped_publishes_total{source=\"client\",}") > 0);
            } finally {
                redis.thaw();
            }
        }
    }
}
