package dev.realtime.store;

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
}
