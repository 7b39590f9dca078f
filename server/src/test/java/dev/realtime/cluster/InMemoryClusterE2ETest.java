package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two nodes joined by the in-memory bus: the same cross-node path without Redis. */
class InMemoryClusterE2ETest {

    @Test
    void publishOnOneNodeReachesTheOtherOnce() {
        InMemoryBus.Hub hub = new InMemoryBus.Hub();
        try (TestNode a = TestNode.start(Map.of("NODE_ID", "a"), Backends.inMemory(hub));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b"), Backends.inMemory(hub));
             WsClient onA = a.connect("x"); WsClient onB = b.connect("y")) {
            onA.join("shared");
            onB.join("shared");
            onA.publish("shared", "hello", "\"from a\"");
            assertEquals("from a", onB.expectEvent("hello").get("data").asText());
            onA.expectEvent("hello");
            onA.expectNone(m -> "hello".equals(m.path("event").asText()), Duration.ofMillis(200));
            assertEquals(202, a.post("/api/broadcast/user", "{\"userId\":\"y\",\"event\":\"ping\",\"data\":1}").status());
            onB.expectEvent("ping");
        }
    }
}
