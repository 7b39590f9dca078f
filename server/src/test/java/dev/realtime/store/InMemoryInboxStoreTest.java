package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The inbox contract for the in-memory store: nodes share one instance. */
class InMemoryInboxStoreTest extends InboxStoreContract {
    private InMemoryInboxStore store;

    @Override
    InboxStore node(int capacity, Duration ttl, LongSupplier clockMillis) {
        if (store == null) {
            store = new InMemoryInboxStore(capacity, ttl, clockMillis);
        }
        return store;
    }

    @Test
    void knowsAtOnceWhenAUserHasNothingUnread() {
        InboxStore s = node(10, Duration.ofDays(1), clock);
        assertTrue(s.knownEmpty("never-notified"));
        InboxStore.Notification n = s.add("u", "x".getBytes(StandardCharsets.UTF_8));
        assertFalse(s.knownEmpty("u"));
        assertTrue(s.markRead("u", n.id()));
        assertTrue(s.knownEmpty("u"), "the last one read: empty again");
    }

    /**
     * The node-wide byte budget: many users who never connect each keep a few notifications; beyond
     * the budget the oldest of anyone go first (the per-user capacity and ttl alone let 600,000 of
     * them fill a 256 MB heap), and the counts stay exact through reads, capacity and expiry.
     */
    @Test
    void aNodeWideBudgetDropsTheOldestOfAnyUser() {
        byte[] payload = new byte[100];
        long each = payload.length + InMemoryInboxStore.ENTRY_OVERHEAD;
        InMemoryInboxStore s = new InMemoryInboxStore(3, Duration.ofHours(1), 10 * each, clock);
        InboxStore.Notification first = s.add("u0", payload);
        for (int i = 1; i < 1_000; i++) {
            s.add("u" + i, payload);
        }
        assertEquals(10 * each, s.bytes(), "ten kept");
        assertTrue(s.knownEmpty("u0"), "the oldest user's inbox went first");
        assertFalse(s.markRead("u0", first.id()));
        assertEquals(1, s.unread("u999", 10).size());
        assertEquals(10, s.unackedOlderThan(Duration.ZERO, 100).size(), "only what is kept waits for a forward");
        // Another user's id read by someone else touches nothing of theirs.
        String theirs = s.unread("u999", 1).get(0).id();
        assertFalse(s.markRead("u998", theirs));
        assertEquals(10, s.unackedOlderThan(Duration.ZERO, 100).size());
        assertTrue(s.markRead("u999", theirs));
        assertEquals(9 * each, s.bytes());
        for (int i = 0; i < 4; i++) { // capacity 3 per user: one of them replaced
            s.add("busy", payload);
        }
        assertEquals(3, s.unread("busy", 10).size());
        assertEquals(10 * each, s.bytes(), "9 + 4 added - 1 over capacity - 2 over budget");
        clock.advance(Duration.ofHours(2));
        s.add("late", payload); // a sweep: everything else expired
        assertEquals(each, s.bytes());
    }
}
