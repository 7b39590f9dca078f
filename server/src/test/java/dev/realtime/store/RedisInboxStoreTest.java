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
        assertEquals(Set.of(clock.getAsLong() * 1000 + " u1"), j.zrange(pending, 0, -1).stream()
                .collect(java.util.stream.Collectors.toSet()), "the first id is the time in ms x 1000");
    }

    /**
     * A Redis that restarts empty loses the id counter: ids must not start again at 1, or an old id
     * would name a new notification (a late ack deleted it; clients de-duplicating by id dropped it).
     */
    @Test
    void idsKeepIncreasingAcrossARedisThatRestartsEmpty() {
        InboxStore inbox = node(10, Duration.ofMinutes(10), clock);
        InboxStore.Notification before = inbox.add("u2", "a".getBytes(StandardCharsets.UTF_8));
        InboxStore.Notification acked = inbox.add("u2", "b".getBytes(StandardCharsets.UTF_8));
        assertTrue(inbox.markRead("u2", acked.id()));
        REDIS.fixture().node().flushAll(); // the restart: nothing survives
        clock.advance(Duration.ofMillis(1));
        InboxStore.Notification after = inbox.add("u2", "c".getBytes(StandardCharsets.UTF_8));
        InboxStore.Notification later = inbox.add("u2", "d".getBytes(StandardCharsets.UTF_8));
        assertTrue(Long.parseLong(after.id()) > Long.parseLong(acked.id()), before.id() + " " + acked.id() + " then " + after.id());
        assertTrue(Long.parseLong(later.id()) > Long.parseLong(after.id()));
        assertEquals(false, inbox.markRead("u2", acked.id()), "a late ack of an old id touches nothing new");
        assertEquals(2, inbox.unread("u2", 10).size());
    }
}
