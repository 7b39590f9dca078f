package dev.realtime.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link InboxStore} (one node, or nodes in one JVM sharing an instance). Time comes
 * from an injectable wall clock (epoch milliseconds) so expiry and ack timeouts are testable without
 * waiting; expired notifications are invisible at once and reclaimed by a sweep that {@link #add}
 * runs at most once per {@code min(ttl, 60 s)}.
 *
 * <p>Threading: thread-safe; all state is guarded by this object's monitor (short critical sections,
 * no I/O).
 */
public final class InMemoryInboxStore implements InboxStore {
    private final int capacity;
    private final long ttlMillis;
    private final long sweepEveryMillis;
    private final LongSupplier clock;
    /** user -> (id -> notification), ordered by id. */
    private final Map<String, TreeMap<Long, Notification>> inboxes = new HashMap<>();
    /** id -> user for unread notifications not yet forwarded, ordered by id (and so by age). */
    private final TreeMap<Long, String> pending = new TreeMap<>();
    /** id -> user for every notification kept, ordered by id (and so by age): what {@link #maxBytes} evicts first. */
    private final TreeMap<Long, String> kept = new TreeMap<>();
    /** Bytes kept, each notification counted as its payload plus {@link #ENTRY_OVERHEAD}. */
    private long bytes;
    private final long maxBytes;
    private long lastId;
    private long lastSweep;

    /** The heap one kept notification costs besides its payload (measured: 375-400 bytes per user and notification). */
    static final int ENTRY_OVERHEAD = 400;

    /** {@link #DEFAULT_CAPACITY} per user, kept for {@link #DEFAULT_TTL}, on the system clock. */
    public InMemoryInboxStore() {
        this(DEFAULT_CAPACITY, DEFAULT_TTL, System::currentTimeMillis);
    }

    /** A store on {@code clockMillis} (epoch milliseconds; tests move it by hand). */
    public InMemoryInboxStore(int capacity, Duration ttl, LongSupplier clockMillis) {
        this(capacity, ttl, Long.MAX_VALUE, clockMillis);
    }

    /**
     * A store that keeps at most {@code maxBytes} node-wide ({@code NOTIFY_INBOX_MAX_BYTES}): beyond,
     * the oldest notifications of any user are dropped first, as if they had expired. The per-user
     * capacity and the ttl alone let many users' inboxes fill the heap (a "notify everyone"
     * campaign to users who never connect).
     */
    public InMemoryInboxStore(int capacity, Duration ttl, long maxBytes, LongSupplier clockMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1");
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.ttlMillis = RedisSupport.millis(ttl);
        this.sweepEveryMillis = Math.min(ttlMillis, 60_000);
        this.clock = clockMillis;
        this.lastSweep = clockMillis.getAsLong();
    }

    private boolean expired(Notification n, long now) {
        return now - n.createdAtMillis() >= ttlMillis;
    }

    @Override
    public synchronized Notification add(String userId, byte[] payload) {
        long now = clock.getAsLong();
        long id = ++lastId;
        Notification n = new Notification(Long.toString(id), now, payload);
        TreeMap<Long, Notification> inbox = inboxes.computeIfAbsent(userId, u -> new TreeMap<>());
        inbox.put(id, n);
        pending.put(id, userId);
        kept.put(id, userId);
        bytes += size(n);
        while (inbox.size() > capacity) {
            remove(userId, inbox, inbox.firstKey());
        }
        while (bytes > maxBytes && kept.size() > 1) {
            Map.Entry<Long, String> oldest = kept.firstEntry();
            remove(oldest.getValue(), inboxes.get(oldest.getValue()), oldest.getKey());
        }
        if (now - lastSweep >= sweepEveryMillis) {
            lastSweep = now;
            sweep(now);
        }
        return n;
    }

    private static long size(Notification n) {
        return n.payload().length + ENTRY_OVERHEAD;
    }

    /** Removes notification {@code id} of {@code userId} from every index, and the inbox once empty. */
    private Notification remove(String userId, TreeMap<Long, Notification> inbox, Long id) {
        Notification n = inbox.remove(id);
        if (n != null) { // ids are node-wide: another user's id must not touch that user's entries
            pending.remove(id);
            kept.remove(id);
            bytes -= size(n);
        }
        if (inbox.isEmpty()) {
            inboxes.remove(userId);
        }
        return n;
    }

    /** Bytes kept node-wide, as {@code NOTIFY_INBOX_MAX_BYTES} counts them. */
    synchronized long bytes() {
        return bytes;
    }

    /** Drops the expired: the oldest first ({@link #kept} is in creation order), up to the first that is not. */
    private void sweep(long now) {
        while (!kept.isEmpty()) {
            Map.Entry<Long, String> oldest = kept.firstEntry();
            TreeMap<Long, Notification> inbox = inboxes.get(oldest.getValue());
            if (!expired(inbox.get(oldest.getKey()), now)) {
                return;
            }
            remove(oldest.getValue(), inbox, oldest.getKey());
        }
    }

    @Override
    public synchronized List<Notification> unread(String userId, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        TreeMap<Long, Notification> inbox = inboxes.get(userId);
        List<Notification> out = new ArrayList<>();
        if (inbox == null) {
            return out;
        }
        long now = clock.getAsLong();
        for (Notification n : inbox.values()) {
            if (out.size() == limit) {
                break;
            }
            if (!expired(n, now)) {
                out.add(n);
            }
        }
        return out;
    }

    private static Long parse(String id) {
        try {
            return id == null ? null : Long.valueOf(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An inbox is removed when its last notification is read; one left holding expired ones says "ask". */
    @Override
    public synchronized boolean knownEmpty(String userId) {
        return !inboxes.containsKey(userId);
    }

    @Override
    public synchronized boolean markRead(String userId, String notificationId) {
        Long id = parse(notificationId);
        TreeMap<Long, Notification> inbox = id == null ? null : inboxes.get(userId);
        if (inbox == null) {
            return false;
        }
        Notification n = remove(userId, inbox, id);
        if (n == null) {
            return false;
        }
        return !expired(n, clock.getAsLong()); // an expired one was already gone, as in Redis
    }

    @Override
    public synchronized List<Pending> unackedOlderThan(Duration age, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        long now = clock.getAsLong();
        long cutoff = now - age.toMillis();
        List<Pending> out = new ArrayList<>();
        for (Iterator<Map.Entry<Long, String>> it = pending.entrySet().iterator(); it.hasNext() && out.size() < limit; ) {
            Map.Entry<Long, String> e = it.next();
            TreeMap<Long, Notification> inbox = inboxes.get(e.getValue());
            Notification n = inbox == null ? null : inbox.get(e.getKey());
            if (n == null || expired(n, now)) {
                it.remove();
                continue;
            }
            if (n.createdAtMillis() > cutoff) {
                break; // ids are in creation order, so everything after is younger
            }
            out.add(new Pending(e.getValue(), n));
        }
        return out;
    }

    @Override
    public synchronized boolean markForwarded(String userId, String notificationId) {
        Long id = parse(notificationId);
        return id != null && pending.remove(id, userId);
    }

    @Override
    public synchronized void releaseForwarded(String userId, Notification n) {
        Long id = parse(n.id());
        TreeMap<Long, Notification> inbox = id == null ? null : inboxes.get(userId);
        if (inbox != null && inbox.containsKey(id)) {
            pending.put(id, userId);
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }
}
