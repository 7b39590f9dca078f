package dev.realtime.cluster;

import static dev.realtime.cluster.RedisOutageE2ETest.awaitReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.store.RedisKeys;
import dev.realtime.testing.ClusterGateways;
import dev.realtime.testing.RedisCluster;
import dev.realtime.testing.RedisClusterExtension;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The room features' cross-node paths over a real Redis Cluster ({@code REDIS_MODE=cluster}): presence
 * events decided by the occupancy scripts in each room's slot, typing and viewer counts as
 * {@link PeerChannel} messages on the rooms' sharded channels, next to the rooms' own events (which
 * the receivers' duplicate filter must not mistake for copies).
 */
class RoomFeaturesRedisClusterE2ETest {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private ClusterGateways gateways;

    @BeforeEach
    void gateways() {
        gateways = new ClusterGateways(CLUSTER.cluster(), Map.of("VIEWER_COUNT_INTERVAL_MS", "200", "ROOM_TYPING_TIMEOUT", "300"));
    }

    @AfterEach
    void close() throws Exception {
        gateways.close();
    }

    private static Predicate<JsonNode> event(String name, String user) {
        return m -> name.equals(m.path("event").asText()) && user.equals(m.path("data").path("userId").asText());
    }

    private static Predicate<JsonNode> viewers(int count) {
        return m -> "video:viewers".equals(m.path("event").asText()) && m.path("data").path("count").asInt() == count;
    }

    @Test
    void presenceEventsTypingAndViewerCountsCrossNodesOverShardedChannels() {
        String prefix = gateways.prefix;
        TestNode a = gateways.node("a", 0);
        TestNode b = gateways.node("b", 4);
        awaitReady(a);
        awaitReady(b);
        WsClient alice = gateways.client(a, "alice");
        WsClient carol = gateways.client(b, "carol");
        alice.join("lobby");
        carol.join("lobby");
        alice.expect(event("room:user_joined", "carol"));

        // The room's occupancy lives in the room's slot, next to its member set.
        RedisCluster.Node owner = CLUSTER.cluster().primaryOf(RedisCluster.slot(prefix + "presence:users:" + RedisKeys.tag("lobby")));
        try (Jedis j = owner.jedis()) {
            assertEquals(Map.of("alice", "1", "carol", "1"), j.hgetAll(prefix + "presence:users:{lobby}"));
            assertEquals(2, j.scard(prefix + "presence:room:{lobby}"));
        }

        // Typing: a peer message on lobby's channel, sent from node b's typing thread while the room's
        // events go out from its shard; both arrive.
        assertTrue(carol.emit("typing", "{\"room\":\"lobby\",\"isTyping\":true}").path("ok").asBoolean());
        carol.send("{\"op\":\"publish\",\"room\":\"lobby\",\"event\":\"said\",\"data\":{\"n\":1}}");
        alice.expect(event("room:typing", "carol"));
        alice.expectEvent("said");
        alice.expect(m -> "room:typing".equals(m.path("event").asText())
                && !m.path("data").path("isTyping").asBoolean(true)); // expired on node b, heard on node a

        // Viewer counts: each node's count travels to the other as a peer message.
        assertTrue(alice.emit("video:join", "{\"videoId\":\"7\"}").path("ok").asBoolean());
        assertTrue(carol.emit("video:join", "{\"videoId\":\"7\"}").path("ok").asBoolean());
        alice.expect(viewers(2));
        carol.expect(viewers(2));

        carol.request("leave", "\"room\":\"lobby\"");
        alice.expect(event("room:user_left", "carol"));
        alice.expectNone(event("room:user_left", "carol"), Duration.ofMillis(300));
    }
}
