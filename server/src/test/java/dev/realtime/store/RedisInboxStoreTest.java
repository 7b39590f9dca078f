package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The inbox contract against a real Redis server; every node() is a separate pool. */
class RedisInboxStoreTest extends InboxStoreContract {
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
    InboxStore node(int capacity, Duration ttl, LongSupplier clockMillis) {
        return new RedisInboxStore(fixture.node(), fixture.prefix, capacity, ttl, clockMillis);
    }

    @Test
    void layoutHasPerUserKeysWithTheTtlAndOnePendingSet() {
        InboxStore inbox = node(10, Duration.ofMinutes(10), clock);
        inbox.add("u1", "x".getBytes(StandardCharsets.UTF_8));
        String items = fixture.prefix + "inbox:items:u1";
        String order = fixture.prefix + "inbox:order:u1";
        String pending = fixture.prefix + "inbox:pending";
        assertEquals(Set.of(fixture.prefix + "inbox:seq", items, order, pending), fixture.keys());
        JedisPooled j = fixture.node();
        for (String key : new String[] {items, order}) {
            long ttl = j.pttl(key);
            assertTrue(ttl > 0 && ttl <= 600_000, key + " ttl " + ttl);
        }
        assertEquals(Set.of("1 u1"), j.zrange(pending, 0, -1).stream().collect(java.util.stream.Collectors.toSet()));
    }
}
