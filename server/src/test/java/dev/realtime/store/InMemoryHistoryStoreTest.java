package dev.realtime.store;

import java.time.Duration;

/** The history contract for the in-memory store: nodes share one instance; time is a manual clock. */
class InMemoryHistoryStoreTest extends HistoryStoreContract {
    private final ManualClock clock = new ManualClock(5_000);
    private InMemoryHistoryStore store;

    @Override
    HistoryStore node(int capacity, Duration ttl) {
        if (store == null) {
            store = new InMemoryHistoryStore(capacity, ttl, clock);
        }
        return store;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMinutes(5);
    }

    @Override
    void advance(Duration d) {
        clock.advance(d);
    }
}
