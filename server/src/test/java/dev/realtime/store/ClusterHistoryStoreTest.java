package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.RedisCluster;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The history contract on a real Redis Cluster (3 primaries, 3 replicas); every node() is a separate cluster client. */
class ClusterHistoryStoreTest extends HistoryStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    HistoryStore node(int capacity, Duration ttl) {
        return new RedisHistoryStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl);
    }

    @Override
    HistoryStore node(int capacity, Duration ttl, long roomMaxBytes) {
        return new RedisHistoryStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl, roomMaxBytes);
    }

    @Override
    int entryOverhead() {
        return 0;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(1_000); // the recreated stream must outlive a read on a busy machine
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }

    @Test
    void roomsSpreadOverTheShardsAndEachRoomsKeysShareASlot() {
        HistoryStore h = node(10, Duration.ofMinutes(10));
        for (int i = 0; i < 30; i++) {
            h.append("room-" + i, text("e"));
            h.append("odd}{room-" + i, text("e"));
        }
        Set<String> keys = REDIS.fixture().keys();
        assertEquals(120, keys.size());
        for (String k : keys) {
            String sibling = k.endsWith(":meta") ? k.replaceAll(":meta$", ":log") : k.replaceAll(":log$", ":meta");
            assertEquals(RedisCluster.slot(k), RedisCluster.slot(sibling), k);
        }
        Set<Integer> slots = keys.stream().map(RedisCluster::slot).collect(Collectors.toSet());
        long shards = slots.stream().map(s -> s * 3 / RedisCluster.SLOTS).distinct().count();
        assertEquals(3, shards, "30 rooms land on every shard");
    }
}
