package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** The inbox contract against a real Redis server; every node() is a separate pool. */
class RedisInboxStoreTest extends InboxStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    InboxStore node(int capacity, Duration ttl, LongSupplier clockMillis) {
        return new RedisInboxStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl, clockMillis);
    }

    @Test
    void layoutHasPerUserKeysWithTheTtlAndOnePendingSet() {
        InboxStore inbox = node(10, Duration.ofMinutes(10), clock);
        inbox.add("u1", "x".getBytes(StandardCharsets.UTF_8));
        String items = REDIS.fixture().prefix + "inbox:{u1}:items";
        String order = REDIS.fixture().prefix + "inbox:{u1}:order";
        String pending = REDIS.fixture().prefix + "inbox:pending";
        assertEquals(Set.of(REDIS.fixture().prefix + "inbox:seq", items, order, pending), REDIS.fixture().keys());
        UnifiedJedis j = REDIS.fixture().node();
        for (String key : new String[] {items, order}) {
            long ttl = j.pttl(key);
            assertTrue(ttl > 0 && ttl <= 600_000, key + " ttl " + ttl);
        }
        assertEquals(Set.of("1 u1"), j.zrange(pending, 0, -1).stream().collect(java.util.stream.Collectors.toSet()));
    }
}
