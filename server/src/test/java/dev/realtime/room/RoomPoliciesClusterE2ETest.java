package dev.realtime.room;

import static dev.realtime.room.RoomPoliciesE2ETest.nextOf;
import static dev.realtime.room.RoomPoliciesE2ETest.since;
import static dev.realtime.room.RoomPoliciesE2ETest.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The per-room delivery policies on two nodes sharing a real Redis: a {@code latest} room is one
 * stream for the cluster (either node appends, either node recovers the newest value of each event),
 * and a {@code volatile} room's events cross nodes without being stored anywhere.
 */
class RoomPoliciesClusterE2ETest {
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

    private TestNode node(String id, RedisServer redis) throws java.io.IOException {
        return keep(TestNode.start(RoomPoliciesE2ETest.withRoutes(dir, Map.of("NODE_ID", id, "REDIS_URL", redis.url()))));
    }

    @Test
    void latestAndVolatileRoomsAcrossTwoNodes() throws Exception {
        RedisServer redis = keep(RedisServer.start());
        TestNode a = node("a", redis);
        TestNode b = node("b", redis);
        WsClient alice = keep(a.connect("alice"));
        WsClient bob = keep(b.connect("bob"));
        alice.join("score:final");
        bob.join("score:final");
        awaitSubscribers(redis, "score:final", 2);

        alice.publish("score:final", "home", "1");
        alice.publish("score:final", "away", "1");
        String epoch = alice.publish("score:final", "home", "2").get("data").get("epoch").asText();
        JsonNode fromB = bob.publish("score:final", "away", "2");
        assertEquals(4, fromB.get("data").get("offset").asLong(), "node b appends to the same stream: " + fromB);
        assertEquals(epoch, fromB.get("data").get("epoch").asText());
        for (WsClient c : List.of(alice, bob)) {
            List<String> live = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                live.add(summary(nextOf(c, "home", "away")));
            }
            // Events published on different nodes at once may interleave; each node's own are in order.
            assertEquals(Set.of("home=1@1", "away=1@2", "home=2@3", "away=2@4"), Set.copyOf(live), "every change, live");
        }

        // A device of carol on node b recovers from nothing: the newest home and away, from Redis.
        WsClient carolB = keep(b.connect("carol"));
        JsonNode reply = carolB.request("join", since("score:final", epoch, 0));
        assertEquals(List.of("home=2@3", "away=2@4"),
                List.of(summary(nextOf(carolB, "home", "away")), summary(nextOf(carolB, "home", "away"))));
        assertTrue(reply.get("data").get("recovered").asBoolean(), reply.toString());
        assertEquals(4, reply.get("data").get("offset").asLong());
        // Her other device on node a saw offset 3: only away changed since.
        WsClient carolA = keep(a.connect("carol"));
        JsonNode after3 = carolA.request("join", since("score:final", epoch, 3));
        assertEquals("away=2@4", summary(nextOf(carolA, "home", "away")));
        assertEquals(1, after3.get("data").get("replayed").asInt());
        JsonNode history = carolA.emit("history", "{\"room\":\"score:final\"}");
        assertEquals(2, history.get("data").get("events").size(), history.toString());

        // A volatile room: events cross nodes, carry no position, and nothing is stored.
        alice.join("tv:live");
        bob.join("tv:live");
        awaitSubscribers(redis, "tv:live", 2);
        JsonNode published = alice.publish("tv:live", "viewers", "{\"count\":2}");
        assertFalse(published.has("data"), published.toString());
        JsonNode crossed = bob.expectEvent("viewers");
        assertEquals(2, crossed.get("data").get("count").asInt());
        assertFalse(crossed.has("offset"), crossed.toString());
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            assertEquals(Set.of(), j.keys("rt:hist:{tv:live}*"), "a volatile room keeps nothing in Redis");
            assertEquals(Set.of("rt:hist:{score:final}:meta", "rt:hist:{score:final}:lkeys", "rt:hist:{score:final}:lvals"),
                    j.keys("rt:hist:{score:final}*"));
        }
    }

    private static void awaitSubscribers(RedisServer redis, String room, long n) {
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            RoomPoliciesE2ETest.await(room + " has " + n + " subscribers",
                    () -> j.pubsubNumSub("rt:room:" + room).get("rt:room:" + room) >= n);
        }
    }
}
