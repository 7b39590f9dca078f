package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key-value contract against a real Redis server; every node() is a separate pool. */
class RedisKeyValueStoreTest extends KeyValueStoreContract {
    private static RedisServer redis;
    private final RedisStoreFixture fixture = new RedisStoreFixture(redis);

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closePools() {
        fixture.close();
    }

    @Override
    KeyValueStore node() {
        return new RedisKeyValueStore(fixture.node(), fixture.prefix);
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
        assertEquals(Set.of(fixture.prefix + "kv:match:1", fixture.prefix + "queue:1v1", fixture.prefix + "queue-seq"),
                fixture.keys());
    }
}
