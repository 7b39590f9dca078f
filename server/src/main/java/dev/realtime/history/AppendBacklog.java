package dev.realtime.history;

import dev.realtime.metrics.RedisMetrics;
import dev.realtime.store.HistoryStore;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * History appends a lane could not make because the store was unreachable, kept in order and
 * written once it answers, before any later append of the lane: the history of a room gets every
 * accepted event, in the order its node accepted them, also across a Redis outage. Bounded in bytes
 * by a budget shared by every lane of the node ({@code BUS_OUTAGE_BUFFER_BYTES}); beyond it an append
 * is lost to the history (still delivered live) and counted in {@code realtime_history_overflow_total}.
 *
 * <p>An append whose reply was lost may have reached Redis: replaying it stores the event twice (two
 * offsets). Live delivery is not affected (the event went out once, unstamped, when it was accepted).
 *
 * <p>Threading: one instance per lane, used only on that lane's thread; the shared byte count is atomic
 * and {@link #size()} is readable from any thread.
 */
final class AppendBacklog {
    /** @param key the event name of a latest room's append ({@link HistoryStore#appendLatest}), else null */
    private record Pending(String room, String key, byte[] event) {
    }

    private final ArrayDeque<Pending> entries = new ArrayDeque<>();
    private final AtomicLong bytes;
    private final long limit;
    private final RedisMetrics metrics;
    private volatile int size;

    /** @param bytes the byte count shared by the node's lanes; {@code limit} bounds it */
    AppendBacklog(AtomicLong bytes, long limit, RedisMetrics metrics) {
        this.bytes = bytes;
        this.limit = limit;
        this.metrics = metrics;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return size;
    }

    /** Keeps {@code event} for {@code room} ({@code key}: see {@link Pending}); false (counted) when the budget is spent. */
    boolean add(String room, String key, byte[] event) {
        long cost = cost(room, event);
        if (bytes.addAndGet(cost) > limit) {
            bytes.addAndGet(-cost);
            metrics.historyOverflow.inc();
            return false;
        }
        entries.add(new Pending(room, key, event));
        size = entries.size();
        metrics.historyBuffered.inc();
        return true;
    }

    /**
     * Writes the kept appends in order; stops at the first failure (which it rethrows, the entry kept).
     * Returns normally once everything is written.
     */
    void drain(HistoryStore store) {
        Pending p;
        while ((p = entries.peek()) != null) {
            if (p.key() == null) {
                store.append(p.room(), p.event());
            } else {
                store.appendLatest(p.room(), p.key(), p.event());
            }
            entries.poll();
            size = entries.size();
            bytes.addAndGet(-cost(p.room(), p.event()));
            metrics.historyReplayed.inc();
        }
    }

    /** Forgets everything (shutdown); returns how many appends were lost. */
    int dropAll() {
        int n = entries.size();
        Pending p;
        while ((p = entries.poll()) != null) {
            bytes.addAndGet(-cost(p.room(), p.event()));
        }
        size = 0;
        metrics.historyOverflow.inc(n);
        return n;
    }

    private static long cost(String room, byte[] event) {
        return event.length + 2L * room.length() + 64;
    }
}
