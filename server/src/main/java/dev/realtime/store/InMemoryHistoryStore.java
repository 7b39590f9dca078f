package dev.realtime.store;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link HistoryStore}: one node's streams (nodes in one JVM may share an instance).
 * Expiry uses an injectable millisecond clock; expired streams are invisible at once and their
 * memory is reclaimed by a sweep that an append runs at most once per {@code min(ttl, 60 s)}.
 *
 * <p><b>Memory budget.</b> Every stream and event is accounted in bytes (the event's bytes plus a
 * fixed per-entry and per-stream overhead, so the figure tracks the heap they hold). A stream keeps
 * at most {@code roomMaxBytes}; the whole store at most {@code maxBytes}: an append that takes the
 * store past it drops the streams of the rooms that went longest without an append, whole, down to
 * {@link #LOW_WATER_PERCENT}% of the budget (so the scan this takes is paid once per tenth of the
 * budget, not per append). A dropped room's next publish starts a new epoch; its clients recover
 * with {@code recovered:false}. {@link #bytes()} and the eviction counters feed the node's metrics.
 *
 * <p><b>Latest-value streams</b> ({@link #appendLatest}) keep a map from key to the key's newest
 * event in insertion order, which is offset order (a replaced key is removed and put back at the
 * end), so the least recently appended key is the first, and a read walks the map in order.
 *
 * <p>Threading: thread-safe. The room map is a {@link ConcurrentHashMap}; a stream is created,
 * appended to and removed inside {@code compute} (the map's per-bin lock, so appends to one room
 * are serialised) and every stream's fields are guarded by its own monitor, which readers take.
 * Rooms never contend with each other; the byte total is an atomic, and one thread at a time runs
 * an eviction (others that cross the budget meanwhile leave it to that one).
 */
public final class InMemoryHistoryStore implements HistoryStore {
    /** Accounted per kept event beyond its bytes (array header, deque slot). */
    static final int ENTRY_OVERHEAD = 32;
    /** Accounted per stream beyond its events (map entry, stream object, epoch string, deque). */
    static final int STREAM_OVERHEAD = 256;
    /** An eviction for the node budget stops at this share of it. */
    static final int LOW_WATER_PERCENT = 90;

    /** One room's stream; fields guarded by its monitor. */
    private static final class Stream {
        final String epoch;
        /** An ordinary stream's events, the last at the head; null in a latest-value stream. */
        final ArrayDeque<byte[]> log;
        /** A latest-value stream's newest event per key, in offset order; null in an ordinary stream. */
        final LinkedHashMap<String, Entry> values;
        long head;
        long lastAppend;
        /** Accounted bytes of this stream (overhead plus kept entries). */
        long bytes;
        /** A latest-value stream's highest offset dropped for a cap (0: none); recovery from below it fails. */
        long trimmed;

        Stream(String epoch, long overhead, boolean latest) {
            this.epoch = epoch;
            this.bytes = overhead;
            this.log = latest ? null : new ArrayDeque<>();
            this.values = latest ? new LinkedHashMap<>() : null;
        }

        long first() {
            return head - log.size() + 1;
        }

        boolean latest() {
            return values != null;
        }

        int kept() {
            return latest() ? values.size() : log.size();
        }
    }

    private final ConcurrentHashMap<String, Stream> rooms = new ConcurrentHashMap<>();
    private final int capacity;
    private final long ttlMillis;
    private final long roomMaxBytes;
    private final long maxBytes;
    private final long sweepEveryMillis;
    private final LongSupplier clock;
    private final AtomicLong lastSweep;
    private final AtomicLong totalBytes = new AtomicLong();
    private final AtomicBoolean evicting = new AtomicBoolean();
    private final AtomicLong evictedEvents = new AtomicLong();
    private final AtomicLong evictedRooms = new AtomicLong();

    /** {@link #DEFAULT_CAPACITY} events per room, streams idle for an hour expire, no byte budget. */
    public InMemoryHistoryStore() {
        this(DEFAULT_CAPACITY, Duration.ofHours(1));
    }

    public InMemoryHistoryStore(int capacity, Duration ttl) {
        this(capacity, ttl, () -> System.nanoTime() / 1_000_000);
    }

    /** A store on {@code clockMillis} (any monotonic millisecond clock; tests move it by hand). */
    public InMemoryHistoryStore(int capacity, Duration ttl, LongSupplier clockMillis) {
        this(capacity, ttl, Long.MAX_VALUE, Long.MAX_VALUE, clockMillis);
    }

    /**
     * A store with byte budgets.
     *
     * @param roomMaxBytes most accounted bytes of one room's events ({@code ROOM_HISTORY_MAX_BYTES})
     * @param maxBytes     most accounted bytes of all streams ({@code HISTORY_MAX_BYTES}), at least
     *                     {@code roomMaxBytes}
     */
    public InMemoryHistoryStore(int capacity, Duration ttl, long roomMaxBytes, long maxBytes, LongSupplier clockMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be at least 1");
        }
        if (roomMaxBytes < 1 || maxBytes < roomMaxBytes) {
            throw new IllegalArgumentException("history budgets must be positive and the node's at least the room's: "
                    + roomMaxBytes + " / " + maxBytes);
        }
        this.capacity = capacity;
        this.ttlMillis = RedisSupport.millis(ttl);
        this.roomMaxBytes = roomMaxBytes;
        this.maxBytes = maxBytes;
        this.sweepEveryMillis = Math.min(ttlMillis, 60_000);
        this.clock = clockMillis;
        this.lastSweep = new AtomicLong(clockMillis.getAsLong());
    }

    /** A fresh random epoch (64 random bits, base 36). */
    static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    static long entryBytes(byte[] event) {
        return event.length + ENTRY_OVERHEAD;
    }

    /** A latest-value entry also holds its key (a map entry and the key's characters). */
    static long latestEntryBytes(String key, byte[] event) {
        return entryBytes(event) + 2L * key.length();
    }

    private static long streamOverhead(String room) {
        return STREAM_OVERHEAD + 2L * room.length();
    }

    private boolean expired(Stream s, long now) {
        return now - s.lastAppend >= ttlMillis;
    }

    @Override
    public Appended append(String room, byte[] event) {
        return append(room, null, event);
    }

    @Override
    public Appended appendLatest(String room, String key, byte[] event) {
        return append(room, java.util.Objects.requireNonNull(key, "key"), event);
    }

    /** An append to an ordinary stream ({@code key} null) or a latest-value one. */
    private Appended append(String room, String key, byte[] event) {
        long now = clock.getAsLong();
        Appended[] out = new Appended[1];
        rooms.compute(room, (r, s) -> {
            Stream stream = s;
            if (stream == null || expiredLocked(stream, now) || stream.latest() != (key != null)) {
                if (stream != null) {
                    totalBytes.addAndGet(-bytesLocked(stream));
                }
                stream = new Stream(newEpoch(), streamOverhead(room), key != null);
                totalBytes.addAndGet(stream.bytes);
            }
            synchronized (stream) {
                long before = stream.bytes;
                stream.head++;
                stream.lastAppend = now;
                if (key == null) {
                    appendToLog(stream, event, streamOverhead(room));
                } else {
                    appendLatest(stream, key, event, streamOverhead(room));
                }
                totalBytes.addAndGet(stream.bytes - before);
                out[0] = new Appended(stream.head, stream.epoch);
            }
            return stream;
        });
        maybeSweep(now);
        if (totalBytes.get() > maxBytes) {
            evictForNodeBudget(room);
        }
        return out[0];
    }

    /** The caller holds the stream's monitor and has stamped the event ({@code head}). */
    private void appendToLog(Stream stream, byte[] event, long overhead) {
        stream.log.addLast(event);
        stream.bytes += entryBytes(event);
        while (stream.log.size() > capacity || stream.bytes - overhead > roomMaxBytes && !stream.log.isEmpty()) {
            boolean forBytes = stream.log.size() <= capacity;
            stream.bytes -= entryBytes(stream.log.removeFirst());
            if (forBytes) {
                evictedEvents.incrementAndGet();
            }
        }
    }

    /**
     * Replaces {@code key}'s event with {@code event} (at the head), then drops the least recently
     * appended keys while over a cap. The caller holds the stream's monitor and has stamped the event.
     */
    private void appendLatest(Stream stream, String key, byte[] event, long overhead) {
        Entry previous = stream.values.remove(key);
        if (previous != null) {
            stream.bytes -= latestEntryBytes(key, previous.event());
        }
        long size = latestEntryBytes(key, event);
        if (size > roomMaxBytes) {
            stream.trimmed = stream.head; // stamped but not kept: nobody can recover from before it
            evictedEvents.incrementAndGet();
            return;
        }
        stream.values.put(key, new Entry(stream.head, event));
        stream.bytes += size;
        Iterator<Map.Entry<String, Entry>> oldest = stream.values.entrySet().iterator();
        while (stream.values.size() > capacity || stream.bytes - overhead > roomMaxBytes) {
            Map.Entry<String, Entry> e = oldest.next();
            boolean forBytes = stream.values.size() <= capacity;
            oldest.remove();
            stream.bytes -= latestEntryBytes(e.getKey(), e.getValue().event());
            stream.trimmed = Math.max(stream.trimmed, e.getValue().offset());
            if (forBytes) {
                evictedEvents.incrementAndGet();
            }
        }
    }

    private boolean expiredLocked(Stream s, long now) {
        synchronized (s) {
            return expired(s, now);
        }
    }

    private static long bytesLocked(Stream s) {
        synchronized (s) {
            return s.bytes;
        }
    }

    private static long lastAppendLocked(Stream s) {
        synchronized (s) {
            return s.lastAppend;
        }
    }

    /**
     * Drops whole streams, least recently appended first, until the store is under the low-water
     * mark; never {@code appending} (the room just appended to, within its own budget). One thread
     * at a time; a thread that finds another evicting returns at once.
     */
    private void evictForNodeBudget(String appending) {
        if (!evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            long target = maxBytes / 100 * LOW_WATER_PERCENT;
            record Candidate(String room, Stream stream, long lastAppend) {
            }
            List<Candidate> candidates = new ArrayList<>();
            rooms.forEach((room, s) -> {
                if (!room.equals(appending)) {
                    candidates.add(new Candidate(room, s, lastAppendLocked(s)));
                }
            });
            candidates.sort((a, b) -> Long.compare(a.lastAppend, b.lastAppend));
            for (Candidate c : candidates) {
                if (totalBytes.get() <= target) {
                    break;
                }
                rooms.computeIfPresent(c.room, (r, s) -> {
                    if (s != c.stream) {
                        return s; // recreated meanwhile: it is new, leave it
                    }
                    synchronized (s) {
                        if (s.lastAppend != c.lastAppend) {
                            return s; // appended to since the scan: no longer among the oldest
                        }
                        totalBytes.addAndGet(-s.bytes);
                        evictedEvents.addAndGet(s.kept());
                    }
                    evictedRooms.incrementAndGet();
                    return null;
                });
            }
        } finally {
            evicting.set(false);
        }
    }

    private void maybeSweep(long now) {
        long last = lastSweep.get();
        if (now - last < sweepEveryMillis || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        for (String room : rooms.keySet()) {
            rooms.computeIfPresent(room, (r, s) -> {
                synchronized (s) {
                    if (!expired(s, now)) {
                        return s;
                    }
                    totalBytes.addAndGet(-s.bytes);
                    return null;
                }
            });
        }
    }

    @Override
    public Recovery since(String room, String epoch, long offset, int limit, long maxBytes) {
        checkLimit(limit);
        Stream s = rooms.get(room);
        if (s == null) {
            return new Recovery(false, null, 0, List.of());
        }
        synchronized (s) {
            if (expired(s, clock.getAsLong())) {
                return new Recovery(false, null, 0, List.of());
            }
            if (!s.epoch.equals(epoch) || offset < 0 || offset > s.head
                    || (s.latest() ? offset < s.trimmed : offset + 1 < s.first())) {
                return new Recovery(false, s.epoch, s.head, List.of());
            }
            return new Recovery(true, s.epoch, s.head, s.latest() ? latestEntries(s, offset + 1, limit, maxBytes)
                    : entries(s, offset + 1, limit, maxBytes));
        }
    }

    /**
     * Up to {@code limit} entries from offset {@code from}, at most {@code maxBytes} of event bytes
     * beyond the first; the caller holds the stream's monitor.
     */
    private static List<Entry> entries(Stream s, long from, int limit, long maxBytes) {
        List<Entry> out = new ArrayList<>((int) Math.max(0, Math.min(limit, s.head - from + 1)));
        long offset = s.first();
        long bytes = 0;
        for (Iterator<byte[]> it = s.log.iterator(); it.hasNext() && out.size() < limit; offset++) {
            byte[] event = it.next();
            if (offset >= from) {
                bytes += event.length;
                if (bytes > maxBytes && !out.isEmpty()) {
                    break;
                }
                out.add(new Entry(offset, event));
            }
        }
        return out;
    }

    /** {@link #entries} of a latest-value stream. */
    private static List<Entry> latestEntries(Stream s, long from, int limit, long maxBytes) {
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (Entry e : s.values.values()) {
            if (out.size() >= limit) {
                break;
            }
            if (e.offset() >= from) {
                bytes += e.event().length;
                if (bytes > maxBytes && !out.isEmpty()) {
                    break;
                }
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public List<Entry> latest(String room, int limit, long maxBytes) {
        checkLimit(limit);
        Stream s = rooms.get(room);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            if (expired(s, clock.getAsLong())) {
                return List.of();
            }
            if (s.latest()) {
                Entry[] all = s.values.values().toArray(Entry[]::new);
                int from = all.length;
                long bytes = 0;
                while (from > 0 && all.length - from < limit) {
                    bytes += all[from - 1].event().length;
                    if (bytes > maxBytes && from < all.length) {
                        break;
                    }
                    from--;
                }
                return List.of(all).subList(from, all.length);
            }
            // Walk back from the head while the events fit, then read forward from there.
            long from = s.head + 1;
            long bytes = 0;
            int n = 0;
            for (Iterator<byte[]> it = s.log.descendingIterator(); it.hasNext() && n < limit; n++) {
                bytes += it.next().length;
                if (bytes > maxBytes && n > 0) {
                    break;
                }
                from--;
            }
            return entries(s, from, limit, Long.MAX_VALUE);
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
        rooms.computeIfPresent(room, (r, s) -> {
            totalBytes.addAndGet(-bytesLocked(s));
            return null;
        });
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long roomMaxBytes() {
        return roomMaxBytes;
    }

    /** The node-wide budget ({@code HISTORY_MAX_BYTES}). */
    public long maxBytes() {
        return maxBytes;
    }

    /** Accounted bytes of every stream held now (expired ones until the next sweep). */
    public long bytes() {
        return totalBytes.get();
    }

    /** Events dropped for a byte budget (the room's, or with their room for the node's), since start. */
    public long evictedEvents() {
        return evictedEvents.get();
    }

    /** Whole room histories dropped for the node budget, since start. */
    public long evictedRooms() {
        return evictedRooms.get();
    }

    static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
    }
}
