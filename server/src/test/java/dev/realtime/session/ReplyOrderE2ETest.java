package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replies to one connection's messages arrive in the order the messages were sent, whether an
 * operation completes at once (get_rooms, ping) or after a trip to a room shard (join, publish).
 */
class ReplyOrderE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "10000"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** The ids of the next {@code n} replies and pongs, in arrival order. */
    private static List<Long> answers(WsClient c, int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode m = c.expect(x -> x.has("id") && ("reply".equals(x.path("op").asText()) || "pong".equals(x.path("op").asText())));
            ids.add(m.get("id").asLong());
        }
        return ids;
    }

    @Test
    void aBatchIsAnsweredInOrder() {
        try (WsClient c = node.connect("order")) {
            for (int round = 0; round < 20; round++) {
                long base = round * 10L;
                c.send("[{\"op\":\"join\",\"id\":" + (base + 1) + ",\"room\":\"r" + round + "\"},"
                        + "{\"op\":\"emit\",\"id\":" + (base + 2) + ",\"event\":\"get_rooms\"},"
                        + "{\"op\":\"ping\",\"id\":" + (base + 3) + "}]");
                assertEquals(List.of(base + 1, base + 2, base + 3), answers(c, 3));
            }
        }
    }

    @Test
    void framesSentBackToBackAreAnsweredInOrder() {
        try (WsClient c = node.connect("order2")) {
            c.join("room-a");
            for (int round = 0; round < 10; round++) {
                long base = 100 + round * 10L;
                c.send("{\"op\":\"publish\",\"id\":" + (base + 1) + ",\"room\":\"room-a\",\"event\":\"e\",\"data\":1}");
                c.send("{\"op\":\"join\",\"id\":" + (base + 2) + ",\"room\":\"b" + round + "\"}");
                c.send("{\"op\":\"leave\",\"id\":" + (base + 3) + ",\"room\":\"nowhere\"}"); // fails at once
                c.send("{\"op\":\"ping\",\"id\":" + (base + 4) + "}");
                assertEquals(List.of(base + 1, base + 2, base + 3, base + 4), answers(c, 4));
            }
        }
    }

    @Test
    void anEmitThatJoinsARoomKeepsItsPlace() {
        try (WsClient c = node.connect("order3")) {
            for (int round = 0; round < 10; round++) {
                long base = 200 + round * 10L;
                c.send("[{\"op\":\"emit\",\"id\":" + (base + 1) + ",\"event\":\"notifications:subscribe\","
                        + "\"data\":{\"channelId\":\"c" + round + "\"}},{\"op\":\"ping\",\"id\":" + (base + 2) + "}]");
                assertEquals(List.of(base + 1, base + 2), answers(c, 2));
            }
        }
    }

    @Test
    void aFailingFirstAuthWithAnIdIsAnsweredThenClosed() {
        try (WsClient c = WsClient.connect(node.ws())) {
            c.send("{\"op\":\"auth\",\"id\":7,\"token\":\"not-a-jwt\"}");
            JsonNode reply = c.expect(m -> "reply".equals(m.path("op").asText()));
            assertEquals(7, reply.get("id").asLong());
            assertFalse(reply.get("ok").asBoolean());
            assertEquals("unauthorized", reply.get("error").get("code").asText());
            assertEquals("unauthorized", c.expectError("unauthorized").get("error").get("code").asText());
            assertEquals(4401, c.awaitClose());
        }
    }
}
