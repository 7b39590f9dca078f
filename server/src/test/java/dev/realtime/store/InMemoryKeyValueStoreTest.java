package dev.realtime.store;

import java.time.Duration;

/** The key-value contract for the in-memory store: nodes share one instance; time is a manual clock. */
class InMemoryKeyValueStoreTest extends KeyValueStoreContract {
    private final ManualClock clock = new ManualClock(0);
    private final InMemoryKeyValueStore store = new InMemoryKeyValueStore(clock);

    @Override
    KeyValueStore node() {
        return store;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMinutes(2);
    }

    @Override
    void advance(Duration d) {
        clock.advance(d);
    }
}
