package dev.realtime.game;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The match store contract in memory, on a manual clock. */
class InMemoryMatchStoreTest extends MatchStoreContract {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InMemoryMatchStore shared = new InMemoryMatchStore(now::get);

    @Override
    MatchStore node() {
        return shared;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofSeconds(1);
    }

    @Override
    void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }
}
