package dev.realtime.store;

import java.time.Duration;

/** The presence contract for the in-memory store: nodes share one instance; time is a manual clock. */
class InMemoryPresenceStoreTest extends PresenceStoreContract {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final InMemoryPresenceStore store = new InMemoryPresenceStore(Duration.ofSeconds(10), clock);

    @Override
    PresenceStore node() {
        return store;
    }

    @Override
    void advance(Duration d) {
        clock.advance(d);
    }
}
