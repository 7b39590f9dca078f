package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.store.InboxStore.Notification;
import dev.realtime.store.InboxStore.Pending;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link InboxStore} follows, run against each implementation by a subclass that
 * says how to open a node's handle on one shared backend. Time is a manual wall clock for both.
 */
abstract class InboxStoreContract {
    private static final Duration TTL = Duration.ofDays(1);
    final ManualClock clock = new ManualClock(1_700_000_000_000L);

    /** A node's handle on this test's backend; all calls in one test pass the same arguments. */
    abstract InboxStore node(int capacity, Duration ttl, LongSupplier clockMillis);

    private InboxStore node() {
        return node(100, TTL, clock);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<Notification> ns) {
        return ns.stream().map(n -> new String(n.payload(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> ids(List<Notification> ns) {
        return ns.stream().map(Notification::id).toList();
    }

    @Test
    void notificationsAreKeptInOrderWithUniqueIncreasingIds() {
        InboxStore a = node();
        InboxStore b = node();
        Notification n1 = a.add("u1", text("one"));
        clock.advance(Duration.ofMillis(10));
        Notification other = b.add("u2", text("theirs"));
        Notification n2 = b.add("u1", text("two"));
        Notification n3 = a.add("u1", text("three"));
        assertEquals(4, Set.of(n1.id(), other.id(), n2.id(), n3.id()).size(), "ids are unique across users");
        assertTrue(Long.parseLong(n1.id()) < Long.parseLong(n2.id()) && Long.parseLong(n2.id()) < Long.parseLong(n3.id()));
        assertEquals(clock.getAsLong() - 10, n1.createdAtMillis());
        List<Notification> unread = b.unread("u1", 10);
        assertEquals(List.of("one", "two", "three"), texts(unread));
        assertEquals(List.of(n1.id(), n2.id(), n3.id()), ids(unread));
        assertEquals(n1.createdAtMillis(), unread.get(0).createdAtMillis());
        assertEquals(List.of("one", "two"), texts(a.unread("u1", 2)));
        assertEquals(List.of("theirs"), texts(a.unread("u2", 10)));
        assertEquals(List.of(), a.unread("nobody", 10));
    }

    @Test
    void markReadRemovesOnceAndOnlyForTheOwner() {
        InboxStore a = node();
        InboxStore b = node();
        Notification n1 = a.add("u1", text("one"));
        Notification n2 = a.add("u1", text("two"));
        a.add("u1", text("three"));
        assertFalse(a.markRead("u2", n2.id()), "not u2's");
        assertTrue(b.markRead("u1", n2.id()));
        assertFalse(a.markRead("u1", n2.id()), "only the first ack counts");
        assertFalse(a.markRead("u1", "not a number"));
        assertFalse(a.markRead("u1", ""));
        assertFalse(a.markRead("u1", null));
        assertFalse(a.markRead("u1", "999999999"));
        assertEquals(List.of("one", "three"), texts(a.unread("u1", 10)));
        assertTrue(a.markRead("u1", n1.id()));
        assertEquals(List.of("three"), texts(b.unread("u1", 10)));
    }

    @Test
    void knownEmptyNeverHidesAnUnreadNotification() {
        InboxStore a = node();
        InboxStore b = node();
        Notification n = a.add("u1", text("one"));
        assertFalse(a.knownEmpty("u1"));
        assertFalse(b.knownEmpty("u1"), "another node's handle sees it too");
        assertTrue(b.markRead("u1", n.id()));
        // Once nothing is unread a store may say so (in memory) or not know (Redis): both are allowed.
        assertEquals(List.of(), a.unread("u1", 10));
        a.add("u1", text("two"));
        assertFalse(b.knownEmpty("u1"));
    }

    @Test
    void aFullInboxDropsTheOldest() {
        InboxStore a = node(3, TTL, clock);
        for (int i = 1; i <= 5; i++) {
            a.add("u1", text("n" + i));
        }
        assertEquals(3, a.capacity());
        assertEquals(List.of("n3", "n4", "n5"), texts(a.unread("u1", 10)));
        assertEquals(List.of("n3", "n4", "n5"), texts(a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(Pending::notification).toList()), "dropped ones are not forwarded either");
    }

    @Test
    void notificationsExpireAfterTheTtl() {
        InboxStore a = node();
        a.add("u1", text("old"));
        clock.advance(TTL.dividedBy(2));
        a.add("u1", text("new"));
        clock.advance(TTL.dividedBy(2));
        assertEquals(List.of("new"), texts(a.unread("u1", 10)));
        assertEquals(List.of("new"), texts(a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(Pending::notification).toList()));
        clock.advance(TTL);
        assertEquals(List.of(), a.unread("u1", 10));
        assertEquals(List.of(), a.unackedOlderThan(Duration.ZERO, 10));
    }

    @Test
    void anExpiredNotificationCannotBeRead() {
        InboxStore a = node();
        Notification n = a.add("u1", text("gone soon"));
        clock.advance(TTL);
        assertFalse(a.markRead("u1", n.id()), "expired: not there to be read, even before a sweep removed it");
    }

    @Test
    void unackedNotificationsAreListedOldestFirstAndForwardedOnce() {
        InboxStore a = node();
        InboxStore b = node();
        Notification first = a.add("u1", text("first"));
        clock.advance(Duration.ofSeconds(5));
        Notification second = a.add("u2", text("second"));
        clock.advance(Duration.ofSeconds(5));
        Notification third = a.add("u1", text("third"));

        List<Pending> due = b.unackedOlderThan(Duration.ofSeconds(6), 10);
        assertEquals(1, due.size());
        assertEquals("u1", due.get(0).userId());
        assertEquals(first.id(), due.get(0).notification().id());
        assertArrayEquals(text("first"), due.get(0).notification().payload());
        assertEquals(List.of(first.id(), second.id()), b.unackedOlderThan(Duration.ofSeconds(5), 10).stream()
                .map(p -> p.notification().id()).toList());
        assertEquals(1, b.unackedOlderThan(Duration.ZERO, 1).size(), "limit");

        assertFalse(a.markForwarded("u2", first.id()), "wrong owner");
        assertTrue(b.markForwarded("u1", first.id()));
        assertFalse(a.markForwarded("u1", first.id()), "claimed once, across nodes");
        assertEquals(List.of(second.id(), third.id()), a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(p -> p.notification().id()).toList());
        assertTrue(a.markRead("u2", second.id()));
        assertFalse(a.markForwarded("u2", second.id()), "read ones are not forwarded");
        assertEquals(List.of(third.id()), a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(p -> p.notification().id()).toList());
        assertEquals(List.of("first", "third"), texts(a.unread("u1", 10)), "a forwarded notification stays unread");

        b.releaseForwarded("u1", first); // its forwarding failed
        assertEquals(List.of(first.id(), third.id()), a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(p -> p.notification().id()).toList(), "due again, in its place");
        assertTrue(a.markForwarded("u1", first.id()), "and can be claimed again");
        assertTrue(a.markRead("u1", first.id()), "and can still be read");
        b.releaseForwarded("u1", first); // a late failure of one that was read meanwhile
        assertEquals(List.of(third.id()), a.unackedOlderThan(Duration.ZERO, 10).stream()
                .map(p -> p.notification().id()).toList(), "a read notification is not due again");
    }

    @Test
    void concurrentForwardersClaimEachNotificationExactlyOnce() throws Exception {
        InboxStore[] nodes = {node(), node()};
        for (int i = 0; i < 60; i++) {
            nodes[0].add("u" + (i % 7), text("n" + i));
        }
        clock.advance(Duration.ofMinutes(1));
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                InboxStore s = nodes[t % 2];
                done.add(pool.submit(() -> {
                    int wins = 0;
                    for (Pending p : s.unackedOlderThan(Duration.ofSeconds(30), 100)) {
                        if (s.markForwarded(p.userId(), p.notification().id())) {
                            assertTrue(claimed.add(p.notification().id()), "claimed twice");
                            wins++;
                        }
                    }
                    return wins;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(60, total);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), nodes[1].unackedOlderThan(Duration.ZERO, 100));
    }

    @Test
    void payloadsAreBinarySafe() {
        InboxStore a = node();
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        a.add("u:1 odd", raw);
        a.add("u:1 odd", new byte[0]);
        List<Notification> unread = a.unread("u:1 odd", 10);
        assertArrayEquals(raw, unread.get(0).payload());
        assertArrayEquals(new byte[0], unread.get(1).payload());
        assertArrayEquals(raw, a.unackedOlderThan(Duration.ZERO, 1).get(0).notification().payload());
    }
}
