package dev.realtime.notify;

import dev.realtime.store.InboxStore;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Notifications the inbox could not store (Redis down, a primary failing over) although their
 * request was accepted: kept in order per user and stored again once the inbox answers, so a user
 * who is offline still gets them on the next connect. A user with notifications waiting here has
 * the newer ones wait behind them (the inbox's order is the ids' order). Bounded by bytes and by
 * age; what falls out is counted by the caller.
 *
 * <p>Threading: owned by the notification service's thread.
 */
final class StoreRetries {
    private record Waiting(byte[] stored, long since) {
    }

    private final Map<String, ArrayDeque<Waiting>> byUser = new LinkedHashMap<>();
    private final long maxBytes;
    private final long keepNanos;
    private long bytes;

    /**
     * @param maxBytes  most payload bytes kept (beyond: refused)
     * @param keepNanos how long one is tried before it is given up
     */
    StoreRetries(long maxBytes, long keepNanos) {
        this.maxBytes = maxBytes;
        this.keepNanos = keepNanos;
    }

    boolean waiting(String userId) {
        return byUser.containsKey(userId);
    }

    boolean isEmpty() {
        return byUser.isEmpty();
    }

    /** Keeps {@code stored} for {@code userId}; false when the byte bound is reached (not kept). */
    boolean keep(String userId, byte[] stored, long now) {
        if (bytes + stored.length > maxBytes && !byUser.isEmpty()) {
            return false;
        }
        byUser.computeIfAbsent(userId, u -> new ArrayDeque<>()).add(new Waiting(stored, now));
        bytes += stored.length;
        return true;
    }

    /** What one {@link #retry} did. */
    record Outcome(int stored, int givenUp) {
    }

    /**
     * Stores what waits, oldest first per user, until the inbox fails again (then the rest waits for
     * the next call); ones older than the keep time are given up.
     */
    Outcome retry(InboxStore inbox, long now) {
        int stored = 0;
        int givenUp = 0;
        for (Iterator<Map.Entry<String, ArrayDeque<Waiting>>> users = byUser.entrySet().iterator(); users.hasNext(); ) {
            Map.Entry<String, ArrayDeque<Waiting>> e = users.next();
            ArrayDeque<Waiting> q = e.getValue();
            while (!q.isEmpty()) {
                Waiting w = q.peek();
                if (now - w.since() > keepNanos) {
                    q.poll();
                    bytes -= w.stored().length;
                    givenUp++;
                    continue;
                }
                try {
                    inbox.add(e.getKey(), w.stored());
                } catch (RuntimeException stillDown) {
                    return new Outcome(stored, givenUp);
                }
                q.poll();
                bytes -= w.stored().length;
                stored++;
            }
            users.remove();
        }
        return new Outcome(stored, givenUp);
    }
}
