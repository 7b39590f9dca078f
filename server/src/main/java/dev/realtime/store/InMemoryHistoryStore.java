package dev.realtime.store;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link HistoryStore}: one node's streams (nodes in one JVM may share an instance).
 * Expiry uses an injectable millisecond clock; expired streams are invisible at once and their
 * memory is reclaimed by a sweep that an append runs at most once per {@code min(ttl, 60 s)}.
 *
 * <p>Threading: thread-safe. The room map is a {@link ConcurrentHashMap}; a stream is created,
 * appended to and removed inside {@code compute} (the map's per-bin lock, so appends to one room
 * are serialised) and every stream's fields are guarded by its own monitor, which readers take.
 * Rooms never contend with each other.
 */
public final class InMemoryHistoryStore implements HistoryStore {

    /** One room's stream; fields guarded by its monitor. */
    private static final class Stream {
        final String epoch;
        final ArrayDeque<byte[]> log = new ArrayDeque<>();
        long head;
        long lastAppend;

        Stream(String epoch) {
            this.epoch = epoch;
        }

        long first() {
            return head - log.size() + 1;
        }
    }

    private final ConcurrentHashMap<String, Stream> rooms = new ConcurrentHashMap<>();
    private final int capacity;
    private final long ttlMillis;
    private final long sweepEveryMillis;
    private final LongSupplier clock;
    private final AtomicLong lastSweep;

    /** {@link #DEFAULT_CAPACITY} events per room, streams idle for an hour expire. */
    public InMemoryHistoryStore() {
        this(DEFAULT_CAPACITY, Duration.ofHours(1));
    }

    public InMemoryHistoryStore(int capacity, Duration ttl) {
        this(capacity, ttl, () -> System.nanoTime() / 1_000_000);
    }

    /** A store on {@code clockMillis} (any monotonic millisecond clock; tests move it by hand). */
    public InMemoryHistoryStore(int capacity, Duration ttl, LongSupplier clockMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be at least 1");
        }
        this.capacity = capacity;
        this.ttlMillis = RedisSupport.millis(ttl);
        this.sweepEveryMillis = Math.min(ttlMillis, 60_000);
        this.clock = clockMillis;
        this.lastSweep = new AtomicLong(clockMillis.getAsLong());
    }

    /** A fresh random epoch (64 random bits, base 36). */
    static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    private boolean expired(Stream s, long now) {
        return now - s.lastAppend >= ttlMillis;
    }

    @Override
    public Appended append(String room, byte[] event) {
        long now = clock.getAsLong();
        Appended[] out = new Appended[1];
        rooms.compute(room, (r, s) -> {
            Stream stream = s;
            if (stream == null || expiredLocked(stream, now)) {
                stream = new Stream(newEpoch());
            }
            synchronized (stream) {
                stream.log.addLast(event);
                if (stream.log.size() > capacity) {
                    stream.log.removeFirst();
                }
                stream.head++;
                stream.lastAppend = now;
                out[0] = new Appended(stream.head, stream.epoch);
            }
            return stream;
        });
        maybeSweep(now);
        return out[0];
    }

    private boolean expiredLocked(Stream s, long now) {
        synchronized (s) {
            return expired(s, now);
        }
    }

    private void maybeSweep(long now) {
        long last = lastSweep.get();
        if (now - last < sweepEveryMillis || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        for (String room : rooms.keySet()) {
            rooms.computeIfPresent(room, (r, s) -> expiredLocked(s, now) ? null : s);
        }
    }

    @Override
    public Recovery since(String room, String epoch, long offset, int limit) {
        checkLimit(limit);
        Stream s = rooms.get(room);
        if (s == null) {
            return new Recovery(false, null, 0, List.of());
        }
        synchronized (s) {
            if (expired(s, clock.getAsLong())) {
                return new Recovery(false, null, 0, List.of());
            }
            if (!s.epoch.equals(epoch) || offset < 0 || offset > s.head || offset + 1 < s.first()) {
                return new Recovery(false, s.epoch, s.head, List.of());
            }
            return new Recovery(true, s.epoch, s.head, entries(s, offset + 1, limit));
        }
    }

    /** Up to {@code limit} entries from offset {@code from}; the caller holds the stream's monitor. */
    private static List<Entry> entries(Stream s, long from, int limit) {
        List<Entry> out = new ArrayList<>((int) Math.min(limit, s.head - from + 1));
        long offset = s.first();
        for (Iterator<byte[]> it = s.log.iterator(); it.hasNext() && out.size() < limit; offset++) {
            byte[] event = it.next();
            if (offset >= from) {
                out.add(new Entry(offset, event));
            }
        }
        return out;
    }

    @Override
    public List<Entry> latest(String room, int limit) {
        checkLimit(limit);
        Stream s = rooms.get(room);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            if (expired(s, clock.getAsLong())) {
                return List.of();
            }
            return entries(s, Math.max(s.first(), s.head - limit + 1), limit);
        }
    }

    @Override
    public Appended head(String room) {
        Stream s = rooms.get(room);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            return expired(s, clock.getAsLong()) ? null : new Appended(s.head, s.epoch);
        }
    }

    @Override
    public void clear(String room) {
        rooms.remove(room);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
    }
}
