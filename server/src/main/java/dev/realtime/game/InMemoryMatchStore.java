package dev.realtime.game;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * {@link MatchStore} in memory: one node, or nodes in one JVM that share the instance. Expired
 * states are dropped when read or written, and the due index is scanned (matches are few).
 *
 * <p>Threading: thread-safe; each state changes atomically through {@link ConcurrentHashMap#compute}.
 */
public final class InMemoryMatchStore implements MatchStore {
    private record Entry(long version, byte[] state, long expiresAt) {
    }

    private final Map<String, Entry> states = new ConcurrentHashMap<>();
    private final Map<String, Long> dueAt = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public InMemoryMatchStore() {
        this(System::currentTimeMillis);
    }

    /** @param clock epoch millis (tests move it by hand) */
    public InMemoryMatchStore(LongSupplier clock) {
        this.clock = clock;
    }

    private boolean live(Entry e) {
        return e != null && clock.getAsLong() < e.expiresAt;
    }

    private long expiry(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        return clock.getAsLong() + ttl.toMillis();
    }

    @Override
    public boolean create(String matchId, byte[] state, Duration ttl) {
        long expires = expiry(ttl);
        boolean[] created = {false};
        states.compute(matchId, (id, cur) -> {
            if (live(cur)) {
                return cur;
            }
            created[0] = true;
            return new Entry(1, state, expires);
        });
        return created[0];
    }

    @Override
    public Versioned read(String matchId) {
        Entry e = states.get(matchId);
        if (!live(e)) {
            if (e != null) {
                states.remove(matchId, e);
            }
            return null;
        }
        return new Versioned(e.version, e.state);
    }

    @Override
    public Replaced replace(String matchId, long expectedVersion, byte[] state, Duration ttl) {
        long expires = expiry(ttl);
        Replaced[] result = {new Replaced(false, null)};
        states.computeIfPresent(matchId, (id, cur) -> {
            if (!live(cur)) {
                return null;
            }
            if (cur.version != expectedVersion) {
                result[0] = new Replaced(false, new Versioned(cur.version, cur.state));
                return cur;
            }
            result[0] = Replaced.WRITTEN;
            return new Entry(cur.version + 1, state, expires);
        });
        return result[0];
    }

    @Override
    public void delete(String matchId) {
        states.remove(matchId);
    }

    @Override
    public void schedule(String matchId, long dueAtMillis) {
        dueAt.put(matchId, dueAtMillis);
    }

    @Override
    public void unschedule(String matchId) {
        dueAt.remove(matchId);
    }

    @Override
    public List<String> due(long nowMillis, int limit) {
        return dueAt.entrySet().stream().filter(e -> e.getValue() <= nowMillis)
                .sorted(Map.Entry.comparingByValue()).limit(limit).map(Map.Entry::getKey).toList();
    }
}
