package dev.realtime.store;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A millisecond clock that moves only when told to; thread-safe. */
final class ManualClock implements LongSupplier {
    private final AtomicLong now;

    ManualClock(long startMillis) {
        this.now = new AtomicLong(startMillis);
    }

    @Override
    public long getAsLong() {
        return now.get();
    }

    void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }
}
