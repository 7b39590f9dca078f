package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.realtime.store.RedisStoreExtension;
import dev.realtime.testing.RedisCluster;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The match store contract on a real Redis Cluster (3 primaries, 3 replicas); every node() is a separate cluster client. */
class ClusterMatchStoreTest extends MatchStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    MatchStore node() {
        return new RedisMatchStore(REDIS.fixture().node(), REDIS.fixture().prefix);
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(200);
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }

    @Test
    void matchesSpreadOverTheShardsAndAnIdWithBracesIsOneKey() {
        MatchStore s = node();
        for (int i = 0; i < 30; i++) {
            s.create("match:" + i, text("x"), LONG);
        }
        s.create("match:}{odd", text("y"), LONG);
        assertNotNull(s.read("match:}{odd"));
        String p = REDIS.fixture().prefix;
        Set<String> keys = REDIS.fixture().keys();
        assertEquals(31, keys.size());
        keys.forEach(k -> assertEquals(true, k.startsWith(p + "{match:") && k.endsWith("}:state"), k));
        long shards = keys.stream().map(k -> RedisCluster.slot(k) * 3 / RedisCluster.SLOTS).distinct().count();
        assertEquals(3, shards, "30 matches land on every shard");
        s.schedule("match:1", 5);
        assertEquals(Set.of(p + "game:due"), REDIS.fixture().keys().stream().filter(k -> k.endsWith("due"))
                .collect(Collectors.toSet()));
    }
}
