package dev.realtime.history;

import dev.realtime.store.HistoryStore;
import dev.realtime.store.InMemoryHistoryStore;
import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory history store that can be switched to failing, counting the calls that reach it. */
final class SwitchableHistoryStore implements HistoryStore {
    final HistoryStore real;
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();

    SwitchableHistoryStore(int capacity) {
        this.real = new InMemoryHistoryStore(capacity, Duration.ofMinutes(1));
    }

    private void check() {
        calls.incrementAndGet();
        if (down.get()) {
            throw new StoreUnavailableException("down", null);
        }
    }

    @Override
    public Appended append(String room, byte[] event) {
        check();
        return real.append(room, event);
    }

    @Override
    public Appended appendLatest(String room, String key, byte[] event) {
        check();
        return real.appendLatest(room, key, event);
    }

    @Override
    public Recovery since(String room, String epoch, long offset, int limit, long maxBytes) {
        check();
        return real.since(room, epoch, offset, limit, maxBytes);
    }

    @Override
    public List<Entry> latest(String room, int limit, long maxBytes) {
        check();
        return real.latest(room, limit, maxBytes);
    }

    @Override
    public Appended head(String room) {
        check();
        return real.head(room);
    }

    @Override
    public void clear(String room) {
        real.clear(room);
    }

    @Override
    public int capacity() {
        return real.capacity();
    }

    @Override
    public long roomMaxBytes() {
        return real.roomMaxBytes();
    }
}
