package dev.realtime.store;

import java.time.Duration;
import java.util.function.LongSupplier;

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
}
