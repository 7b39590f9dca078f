package dev.realtime.budget;

import dev.realtime.metrics.GatewayMetrics;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte budget for one queue: producers {@link #tryTake} the bytes of the work they queue and the
 * consumer {@link #give}s them back when the work starts, so the bytes waiting in the queue never
 * pass {@link #max()} (one item is always admitted into an empty queue, so work larger than the
 * budget is slow rather than impossible). A refusal is counted in
 * {@code realtime_queue_overflow_total{queue=...}}; what the refused work means (a dropped
 * delivery, a publish answered {@code unavailable}) is the caller's business.
 *
 * <p>Deliberately separate from the queues it guards (the per-loop outbox, the room shards, the
 * history lanes), so a queue can move to another executor and keep its budget.
 *
 * <p>Threading: thread-safe, one atomic; any thread may take, any thread may give.
 */
public final class ByteBudget {
    private final String queue;
    private final long max;
    private final AtomicLong used = new AtomicLong();
    private final GatewayMetrics metrics;

    /**
     * @param queue   the queue's kind, the metric label ({@code outbox}, {@code shard}, {@code history_lane})
     * @param max     most bytes waiting ({@link Long#MAX_VALUE}: unbounded)
     * @param metrics where refusals are counted ({@code null}: not counted)
     */
    public ByteBudget(String queue, long max, GatewayMetrics metrics) {
        if (max < 1) {
            throw new IllegalArgumentException("a byte budget must be positive: " + max);
        }
        this.queue = queue;
        this.max = max;
        this.metrics = metrics;
    }

    /** An unbounded budget (counts, never refuses). */
    public static ByteBudget unbounded(String queue) {
        return new ByteBudget(queue, Long.MAX_VALUE, null);
    }

    /** Takes {@code bytes}; false (counted, nothing taken) when the queue would pass its budget. */
    public boolean tryTake(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        long now = used.addAndGet(bytes);
        if (now <= max || now == bytes) {
            return true;
        }
        used.addAndGet(-bytes);
        if (metrics != null) {
            metrics.queueOverflow.labels(queue).inc();
        }
        return false;
    }

    /** Gives back what a {@link #tryTake} took, when the work starts (or is discarded). */
    public void give(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    /** Bytes waiting now. */
    public long used() {
        return used.get();
    }

    public long max() {
        return max;
    }

    public String queue() {
        return queue;
    }
}
