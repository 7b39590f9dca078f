package dev.realtime.cluster;

import static dev.realtime.cluster.RedisOutageE2ETest.awaitReady;
import static dev.realtime.cluster.RedisOutageE2ETest.metric;
import static dev.realtime.cluster.RedisOutageE2ETest.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.ClusterGateways;
import dev.realtime.testing.RedisCluster;
import dev.realtime.testing.RedisClusterExtension;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Gateway nodes with {@code REDIS_MODE=cluster} over a real Redis Cluster (3 primaries, 3 replicas),
 * each given a single seed: rooms spread over every shard (sharded channels on every primary), the
 * history and presence work across nodes, and a primary killed under traffic loses and duplicates
 * nothing end to end.
 */
class RedisClusterE2ETest {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private ClusterGateways gateways;
    private String prefix;

    @BeforeEach
    void gateways() {
        gateways = new ClusterGateways(CLUSTER.cluster(), Map.of("RATE_LIMIT_MAX_MESSAGES", "100000"));
        prefix = gateways.prefix;
    }

    private TestNode node(String id, int seed) {
        return gateways.node(id, seed);
    }

    private WsClient client(TestNode node, String user) {
        return gateways.client(node, user);
    }

    @AfterEach
    void close() throws Exception {
        gateways.close();
    }

    @Test
    void aHundredRoomsOverEveryShardReachEveryNodeOnceWithTheirHistory() {
        TestNode a = node("a", 0);
        TestNode b = node("b", 4);
        awaitReady(a);
        awaitReady(b);
        JsonNode info = a.get("/health/ready").json().path("redis");
        assertEquals("cluster", info.path("mode").asText(), info.toString());
        assertEquals("ok", info.path("cluster_state").asText());
        assertEquals(3, info.path("primaries").asInt());
        assertEquals(3, info.path("reachable_primaries").asInt());

        WsClient alice = client(a, "alice");
        WsClient bob = client(b, "bob");
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rooms.add("r" + i);
            alice.join("r" + i);
            bob.join("r" + i);
        }
        Set<Integer> shards = new HashSet<>();
        for (RedisCluster.Node primary : CLUSTER.cluster().primaries()) {
            try (Jedis j = primary.jedis()) {
                List<Object> channels = j.sendCommand(redis.clients.jedis.Protocol.Command.PUBSUB,
                        "SHARDCHANNELS", prefix + "room:*") instanceof List<?> l ? new ArrayList<>(l) : List.of();
                if (!channels.isEmpty()) {
                    shards.add(primary.port());
                }
            }
        }
        assertEquals(3, shards.size(), "the rooms' sharded channels live on every primary");
        for (String room : rooms) {
            alice.send("{\"op\":\"publish\",\"room\":\"" + room + "\",\"event\":\"hi\",\"data\":{\"room\":\"" + room + "\"}}");
        }
        Set<String> atBob = new HashSet<>();
        Map<String, Long> offsets = new HashMap<>();
        while (atBob.size() < 100) {
            JsonNode ev = bob.expectEvent("hi");
            assertTrue(atBob.add(ev.path("room").asText()), "once: " + ev);
            offsets.put(ev.path("room").asText(), ev.path("offset").asLong());
        }
        bob.expectNone(m -> "hi".equals(m.path("event").asText()), Duration.ofMillis(300));
        assertEquals(Set.of(1L), new HashSet<>(offsets.values()), "each room's history gave it offset 1");

        // The history, appended on a, read on b (each room's keys on the shard of its hash tag).
        JsonNode replay = bob.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"r7\",\"limit\":10}");
        assertTrue(replay.path("ok").asBoolean(), replay.toString());
        assertEquals("r7", replay.path("data").path("events").path(0).path("data").path("room").asText(), replay.toString());

        // Presence across nodes, from the cluster's stores.
        JsonNode stats = a.getWithKey("/api/stats?scope=cluster").json();
        assertEquals(2, stats.path("nodeCount").asInt(), stats.toString());
        assertEquals(2, stats.path("uniqueUsers").asInt(), stats.toString());

        // A routed Redis channel: a plain PUBLISH on any cluster node reaches the user's node (the
        // ingest's one PSUBSCRIBE connection hears it over the cluster bus), once.
        WsClient guest = client(b, "guest-7");
        for (RedisCluster.Node n : CLUSTER.cluster().nodes()) {
            try (Jedis j = n.jedis()) {
                j.publish("booking:confirmed", "{\"userId\":\"guest-7\",\"bookingId\":\"bk-" + n.port() + "\"}");
            }
            assertEquals("bk-" + n.port(), guest.expectEvent("booking:confirmed").path("data").path("bookingId").asText());
        }
        guest.expectNone(m -> "booking:confirmed".equals(m.path("event").asText()), Duration.ofMillis(300));
    }

    @Test
    void aPrimaryKilledUnderTrafficLosesAndDuplicatesNothingEndToEnd() throws Exception {
        TestNode a = node("a", 1);
        TestNode b = node("b", 3);
        List<String> rooms = List.of("k1", "k2", "k3", "k4", "k5", "k6");
        try (ClientTraffic traffic = new ClientTraffic()) {
            gateways.keep(traffic);
            for (TestNode n : List.of(a, b)) {
                String id = n == a ? "a" : "b";
                WsClient receiver = client(n, "recv-" + id);
                rooms.forEach(receiver::join);
                traffic.receiver("recv-" + id, rooms, receiver);
                for (String room : rooms) {
                    WsClient p = client(n, "pub-" + id + "-" + room);
                    p.join(room);
                    traffic.publisher("pub-" + id + "-" + room, room, p);
                }
            }
            traffic.startPublishing(40); // 12 publishers: 480 messages a second
            Thread.sleep(1_500);
            RedisCluster c = CLUSTER.cluster();
            RedisCluster.Node victim = c.primaryOf(RedisCluster.slot(prefix + "room:k1"));
            RedisCluster.Node replica = c.replicaOf(victim);
            victim.kill();
            // One primary down is one down: the publisher stuck on it and the subscriber's lost link
            // were once subtracted twice (reachable_primaries 1 of 3 on the publishing node).
            int[] fewest = {3};
            RedisCluster.await(() -> { // sampled on each check until the promotion
                int reachable = a.get("/health/ready").json().path("redis").path("reachable_primaries").asInt(3);
                fewest[0] = Math.min(fewest[0], reachable);
                return replica.isPrimary();
            }, 30, "the replica to be promoted");
            assertTrue(fewest[0] >= 2, "reachable_primaries fell to " + fewest[0] + " with one primary down");
            Thread.sleep(2_500);
            traffic.stopPublishing();
            traffic.assertExactlyOnceInOrder(40);
        }
        awaitReady(a);
        String metrics = a.get("/metrics").body();
        assertTrue(metric(metrics, "realtime_redis_failovers_total") >= 1, "failover seen");
        assertTrue(metric(metrics, "realtime_bus_buffered_total") > 0, "messages for the dead shard waited");
    }

    @Test
    void clusterModeNeedsSeedsAndRefusesBracesInThePrefix() {
        var problems = org.junit.jupiter.api.Assertions.assertThrows(dev.realtime.config.ConfigException.class,
                () -> dev.realtime.config.GatewayConfig.fromEnv(with(Map.of("REDIS_MODE", "cluster"), "REDIS_KEY_PREFIX", "{x}:")));
        assertTrue(problems.getMessage().contains("REDIS_MODE=cluster needs REDIS_URL"), problems.getMessage());
        assertTrue(problems.getMessage().contains("must not contain '{' or '}'"), problems.getMessage());
        var several = org.junit.jupiter.api.Assertions.assertThrows(dev.realtime.config.ConfigException.class,
                () -> dev.realtime.config.GatewayConfig.fromEnv(Map.of("REDIS_URL", "redis://a:1,b:2", "REDIS_MODE", "standalone")));
        assertTrue(several.getMessage().contains("but REDIS_MODE=standalone"), several.getMessage());
    }
}
