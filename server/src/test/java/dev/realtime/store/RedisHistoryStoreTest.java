package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.RedisServer;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The history contract against a real Redis server; every node() is a separate pool. */
class RedisHistoryStoreTest extends HistoryStoreContract {
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
    HistoryStore node(int capacity, Duration ttl) {
        return new RedisHistoryStore(fixture.node(), fixture.prefix, capacity, ttl);
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(300);
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }

    @Test
    void layoutIsAMetaHashAndAnEventListWithTheTtl() {
        HistoryStore h = node(3, Duration.ofMinutes(10));
        for (int i = 0; i < 5; i++) {
            h.append("lobby", text("e" + i));
        }
        String meta = fixture.prefix + "hist:meta:lobby";
        String log = fixture.prefix + "hist:log:lobby";
        assertEquals(Set.of(meta, log), fixture.keys());
        JedisPooled j = fixture.node();
        assertEquals("5", j.hget(meta, "head"));
        assertEquals(3, j.llen(log));
        long ttl = j.pttl(log);
        assertTrue(ttl > 0 && ttl <= 600_000, "ttl " + ttl);
    }
}
