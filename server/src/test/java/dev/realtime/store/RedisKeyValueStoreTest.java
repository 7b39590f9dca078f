package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The key-value contract against a real Redis server; every node() is a separate pool. */
class RedisKeyValueStoreTest extends KeyValueStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    KeyValueStore node() {
        return new RedisKeyValueStore(REDIS.fixture().node(), REDIS.fixture().prefix);
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
    void layout() {
        KeyValueStore kv = node();
        kv.set("match:1", "x".getBytes(StandardCharsets.UTF_8), null);
        kv.enqueue("1v1", "p1");
        assertEquals(Set.of(REDIS.fixture().prefix + "kv:match:1", REDIS.fixture().prefix + "queue:{1v1}",
                REDIS.fixture().prefix + "queue:{1v1}:seq"),
                REDIS.fixture().keys());
    }
}
