package dev.realtime.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The room history has a memory budget (issue 11, item 3), seen from outside: one user publishing big
 * events into fresh rooms cannot grow the node's history past {@code HISTORY_MAX_BYTES} (the
 * rooms published to longest ago lose their history first), and reads of a room are paged by
 * {@code HISTORY_READ_MAX_BYTES} instead of answering a whole room in one frame.
 */
class HistoryBudgetE2ETest {
    private static final int EVENT_BYTES = 100_000;
    private static final String BIG = "\"" + "x".repeat(EVENT_BYTES) + "\"";

    private static String historyOf(String room, String extra) {
        return "\"event\":\"history\",\"data\":{\"room\":" + WsClient.quote(room) + extra + "}";
    }

    private static List<Long> offsets(JsonNode reply) {
        List<Long> out = new ArrayList<>();
        reply.get("data").get("events").forEach(e -> out.add(e.get("offset").asLong()));
        return out;
    }

    /** Reads one metric sample of the node (fails when it is not exported). */
    static double metric(TestNode node, String name) {
        for (String line : node.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("metric " + name + " not exported");
    }

    /**
     * The reproduction, scaled down: 60 publishes of 100 KB into fresh rooms from one user
     * (6 MB of events) against a node whose history may hold 2 MiB.
     */
    @Test
    void bigEventsInFreshRoomsStayWithinTheNodeBudget() {
        long budget = 2L << 20;
        try (TestNode node = TestNode.start(Map.of("HISTORY_MAX_BYTES", Long.toString(budget),
                "ROOM_HISTORY_MAX_BYTES", Integer.toString(512 * 1024), "RATE_LIMIT_MAX_MESSAGES", "100000"));
             WsClient user = node.connect("flooder")) {
            int rooms = 60;
            String firstEpoch = null;
            for (int i = 0; i < rooms; i++) {
                String room = "fresh-" + i;
                assertTrue(user.join(room).get("ok").asBoolean());
                assertTrue(user.publish(room, "blob", BIG).get("ok").asBoolean());
                JsonNode own = user.expectEvent("blob");
                if (i == 0) {
                    firstEpoch = own.get("epoch").asText();
                }
                user.request("leave", "\"room\":" + WsClient.quote(room));
                assertTrue(metric(node, "realtime_history_bytes") <= budget, "history over budget after room " + i);
            }
            assertTrue(metric(node, "realtime_history_evicted_rooms_total") > 0);

            // The oldest room's history is gone (a recovery says so), the newest room's is there.
            JsonNode first = user.request("join", "\"room\":\"fresh-0\",\"since\":{\"epoch\":"
                    + WsClient.quote(firstEpoch) + ",\"offset\":0}");
            assertFalse(first.get("data").get("recovered").asBoolean(), first.toString());
            user.join("fresh-" + (rooms - 1));
            JsonNode last = user.request("emit", historyOf("fresh-" + (rooms - 1), ""));
            assertEquals(List.of(1L), offsets(last));

            // And the node still answers everyone.
            user.send("{\"op\":\"ping\",\"id\":99999}");
            assertEquals(99999, user.expectOp("pong").get("id").asLong());
            try (WsClient other = node.connect("bystander")) {
                assertTrue(other.join("calm").get("ok").asBoolean());
            }
            assertEquals(200, node.get("/health").status());
        }
    }

    /**
     * Ten 100 KB events in one room, reads capped at 300 KB: the {@code history} emit pages (two
     * events a page, never the whole room in one frame), and a recovery that would need more than
     * the cap answers {@code recovered:false} and replays nothing, while a small gap is replayed.
     */
    @Test
    void readsArePagedAndARecoveryOverTheCapSaysNotRecovered() {
        try (TestNode node = TestNode.start(Map.of("HISTORY_READ_MAX_BYTES", "300000",
                "RATE_LIMIT_MAX_MESSAGES", "100000"));
             WsClient alice = node.connect("alice")) {
            alice.join("paged");
            String epoch = null;
            for (int i = 0; i < 10; i++) {
                alice.publish("paged", "blob", BIG);
                epoch = alice.expectEvent("blob").get("epoch").asText();
            }
            JsonNode newest = alice.request("emit", historyOf("paged", ",\"limit\":100"));
            assertEquals(List.of(9L, 10L), offsets(newest), "the newest events that fit in the cap");
            assertEquals(10, newest.get("data").get("offset").asLong());
            String since = ",\"since\":{\"epoch\":" + WsClient.quote(epoch) + ",\"offset\":";
            assertEquals(List.of(1L, 2L), offsets(alice.request("emit", historyOf("paged", since + "0}"))));
            assertEquals(List.of(3L, 4L), offsets(alice.request("emit", historyOf("paged", since + "2}"))),
                    "the next page from the last offset");

            try (WsClient bob = node.connect("bob")) {
                JsonNode tooFar = bob.request("join", "\"room\":\"paged\"" + since + "0}");
                assertFalse(tooFar.get("data").get("recovered").asBoolean(), tooFar.toString());
                assertEquals(0, tooFar.get("data").get("replayed").asInt());
                assertEquals(10, tooFar.get("data").get("offset").asLong());
                bob.expectNone(m -> "blob".equals(m.path("event").asText()), java.time.Duration.ofMillis(300));
                assertEquals(1.0, metric(node, "realtime_history_recoveries_too_large_total"));
            }
            try (WsClient carol = node.connect("carol")) {
                JsonNode near = carol.request("join", "\"room\":\"paged\"" + since + "8}");
                assertTrue(near.get("data").get("recovered").asBoolean(), near.toString());
                assertEquals(2, near.get("data").get("replayed").asInt());
                assertEquals(9, carol.expectEvent("blob").get("offset").asLong());
                assertEquals(10, carol.expectEvent("blob").get("offset").asLong());
            }
        }
    }
}
