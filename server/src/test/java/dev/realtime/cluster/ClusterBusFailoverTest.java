package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisCluster;
import dev.realtime.testing.RedisClusterExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bus on a real Redis Cluster (3 primaries, 3 replicas) under cross-node traffic: rooms spread
 * over every shard, a primary killed (its replica promoted), a manual failover, and a busy room's
 * slot migrated to another primary. Each receiver must get every message once, in order.
 */
class ClusterBusFailoverTest {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 6) + ":";

    private RedisBus bus(String node, GatewayMetrics metrics) {
        RedisCluster c = CLUSTER.cluster();
        // One seed each, different ones: the rest is discovered.
        RedisCluster.Node seed = c.nodes().get(node.equals("a") ? 0 : 5);
        return RedisBus.cluster(List.of(seed.address()), null, prefix, node, metrics, RedisBus.DEFAULT_BUFFER_BYTES);
    }

    private List<String> rooms(int n) {
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rooms.add("room-" + i);
        }
        return rooms;
    }

    private int slot(String room) {
        return RedisCluster.slot(prefix + "room:" + room);
    }

    @Test
    void aKilledPrimaryUnderTrafficLosesAndDuplicatesNothing() throws Exception {
        RedisCluster c = CLUSTER.cluster();
        List<String> rooms = rooms(100);
        Set<Integer> shards = new HashSet<>();
        for (String r : rooms) {
            shards.add(c.primaryOf(slot(r)).port());
        }
        assertEquals(3, shards.size(), "100 rooms spread over the 3 shards");
        GatewayMetrics ma = new GatewayMetrics();
        GatewayMetrics mb = new GatewayMetrics();
        try (BusTraffic traffic = new BusTraffic(rooms).add("a", bus("a", ma)).add("b", bus("b", mb))) {
            traffic.awaitSubscribed();
            traffic.start(500, 100); // plus signals and peer messages from a second thread of each node
            Thread.sleep(1_500);
            RedisCluster.Node victim = c.primaryOf(slot("room-0"));
            RedisCluster.Node replica = c.replicaOf(victim);
            victim.kill();
            RedisCluster.await(replica::isPrimary, 30, "the replica to be promoted");
            Thread.sleep(3_000);
            traffic.stop();
            traffic.assertExactlyOnceInOrder(40);
            assertTrue(ma.redis.busBuffered.get() > 0 && mb.redis.busBuffered.get() > 0, "the dead shard's messages waited");
            RedisCluster.await(() -> ma.redis.failovers.get() >= 1 && mb.redis.failovers.get() >= 1, 10, "the failover to be seen");
            assertEquals(0, ma.busDropped.get() + mb.busDropped.get());
        }
    }

    @Test
    void aManualFailoverUnderTrafficLosesAndDuplicatesNothing() throws Exception {
        RedisCluster c = CLUSTER.cluster();
        List<String> rooms = rooms(30);
        try (BusTraffic traffic = new BusTraffic(rooms).add("a", bus("a", new GatewayMetrics()))
                .add("b", bus("b", new GatewayMetrics()))) {
            traffic.awaitSubscribed();
            traffic.start(400);
            Thread.sleep(1_000);
            RedisCluster.Node primary = c.primaryOf(slot("room-1"));
            RedisCluster.Node replica = c.replicaOf(primary);
            try (var j = replica.jedis()) {
                j.clusterFailover(); // the old primary is demoted: it unsubscribes its sharded channels
            }
            RedisCluster.await(replica::isPrimary, 30, "the replica to take over");
            Thread.sleep(2_000);
            traffic.stop();
            traffic.assertExactlyOnceInOrder(40);
        }
    }

    @Test
    void aBusyRoomsSlotMigratedToAnotherPrimaryLosesAndDuplicatesNothing() throws Exception {
        RedisCluster c = CLUSTER.cluster();
        List<String> rooms = List.of("busy");
        GatewayMetrics ma = new GatewayMetrics();
        try (BusTraffic traffic = new BusTraffic(rooms).add("a", bus("a", ma)).add("b", bus("b", new GatewayMetrics()))) {
            traffic.awaitSubscribed();
            traffic.start(500); // one room: 1,000 messages a second through one channel
            Thread.sleep(1_000);
            int slot = slot("busy");
            RedisCluster.Node from = c.primaryOf(slot);
            RedisCluster.Node to = c.primaries().stream().filter(n -> n != from).findFirst().orElseThrow();
            c.migrate(slot, to);
            assertNotEquals(from.port(), c.primaryOf(slot).port());
            Thread.sleep(2_000);
            traffic.stop();
            traffic.assertExactlyOnceInOrder(30);
            assertTrue(ma.redis.redirections.labels("moved").get() >= 1, "the publisher followed MOVED");
            c.migrate(slot, from); // leave the cluster as it was for the next test
        }
    }
}
