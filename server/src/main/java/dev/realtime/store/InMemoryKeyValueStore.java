package dev.realtime.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link KeyValueStore} (one node, or nodes in one JVM sharing an instance). Expiry
 * uses an injectable millisecond clock; expired values read as absent at once and are reclaimed by
 * a sweep that writes run at most once a minute.
 *
 * <p>Threading: thread-safe; all state is guarded by this object's monitor (short critical sections,
 * no I/O).
 */
public final class InMemoryKeyValueStore implements KeyValueStore {
    private static final long SWEEP_EVERY_MILLIS = 60_000;

    /** A value and when it expires ({@link Long#MAX_VALUE}: never). */
    private record Value(byte[] bytes, long expiresAt) {
    }

    private final LongSupplier clock;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, LinkedHashSet<String>> queues = new HashMap<>();
    private long lastSweep;

    /** A store on the monotonic system clock. */
    public InMemoryKeyValueStore() {
        this(() -> System.nanoTime() / 1_000_000);
    }

    /** A store on {@code clockMillis} (any monotonic millisecond clock; tests move it by hand). */
    public InMemoryKeyValueStore(LongSupplier clockMillis) {
        this.clock = clockMillis;
        this.lastSweep = clockMillis.getAsLong();
    }

    private Value live(String key, long now) {
        Value v = values.get(key);
        if (v != null && now >= v.expiresAt()) {
            values.remove(key);
            return null;
        }
        return v;
    }

    private void put(String key, byte[] value, Duration ttl, long now) {
        long expiresAt = ttl == null ? Long.MAX_VALUE : now + RedisSupport.millis(ttl);
        values.put(key, new Value(value, expiresAt));
        if (now - lastSweep >= SWEEP_EVERY_MILLIS) {
            lastSweep = now;
            values.values().removeIf(v -> now >= v.expiresAt());
        }
    }

    @Override
    public synchronized byte[] get(String key) {
        Value v = live(key, clock.getAsLong());
        return v == null ? null : v.bytes();
    }

    @Override
    public synchronized void set(String key, byte[] value, Duration ttl) {
        put(key, value, ttl, clock.getAsLong());
    }

    @Override
    public synchronized boolean setIfAbsent(String key, byte[] value, Duration ttl) {
        long now = clock.getAsLong();
        if (live(key, now) != null) {
            return false;
        }
        put(key, value, ttl, now);
        return true;
    }

    @Override
    public synchronized boolean compareAndSet(String key, byte[] expected, byte[] value, Duration ttl) {
        long now = clock.getAsLong();
        Value current = live(key, now);
        boolean matches = expected == null ? current == null
                : current != null && java.util.Arrays.equals(current.bytes(), expected);
        if (!matches) {
            return false;
        }
        if (value == null) {
            values.remove(key);
        } else {
            put(key, value, ttl, now);
        }
        return true;
    }

    @Override
    public synchronized boolean delete(String key) {
        return live(key, clock.getAsLong()) != null && values.remove(key) != null;
    }

    @Override
    public synchronized boolean enqueue(String queue, String member) {
        return queues.computeIfAbsent(queue, q -> new LinkedHashSet<>()).add(member);
    }

    @Override
    public synchronized boolean remove(String queue, String member) {
        LinkedHashSet<String> q = queues.get(queue);
        if (q == null || !q.remove(member)) {
            return false;
        }
        if (q.isEmpty()) {
            queues.remove(queue);
        }
        return true;
    }

    @Override
    public synchronized boolean contains(String queue, String member) {
        LinkedHashSet<String> q = queues.get(queue);
        return q != null && q.contains(member);
    }

    @Override
    public synchronized List<String> popPair(String queue) {
        LinkedHashSet<String> q = queues.get(queue);
        if (q == null || q.size() < 2) {
            return List.of();
        }
        Iterator<String> it = q.iterator();
        String first = it.next();
        it.remove();
        String second = it.next();
        it.remove();
        if (q.isEmpty()) {
            queues.remove(queue);
        }
        return List.of(first, second);
    }

    @Override
    public synchronized int size(String queue) {
        LinkedHashSet<String> q = queues.get(queue);
        return q == null ? 0 : q.size();
    }
}
