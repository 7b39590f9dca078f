package dev.realtime.client;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Paces the rejoins after a reconnect so that a client in many rooms does not trip the server's
 * message rate limit ({@code RATE_LIMIT_MAX_MESSAGES} per window, 100 per second by default): a
 * token bucket of {@code ratePerSecond} rejoins per second with as many in a burst. A rejoin the
 * server still refuses with {@code rate_limited} goes back to the front of the queue; sending pauses
 * for the {@code retryAfterMs} it gave and resumes, refused rooms first, at a rate below the one the
 * server accepted since the last pause (never above half the previous rate), so a lower server limit is found in a window
 * or two instead of adding strikes until the server closes with 4429.
 *
 * <p>Confined to the client's event loop; one pacer per connection's rejoin.
 *
 * @param <T> what one rejoin needs (the room and its position)
 */
final class RejoinPacer<T> {
    /** Runs a task after a delay in milliseconds, on the loop. */
    @FunctionalInterface
    interface Scheduler {
        void schedule(Runnable task, long delayMs);
    }

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private final ArrayDeque<T> refused = new ArrayDeque<>(); // sent again first, in the order refused
    private final Consumer<T> send;
    private final Scheduler scheduler;
    private final LongSupplier clock;
    private double rate;
    private double tokens;
    private long refilledAt;
    private boolean paused;
    private boolean wakeScheduled;
    private long acceptedSince;
    private int accepted;
    private boolean stopped;

    RejoinPacer(Iterable<T> items, double ratePerSecond, Consumer<T> send, Scheduler scheduler, LongSupplier clock) {
        items.forEach(queue::add);
        this.rate = ratePerSecond;
        this.tokens = ratePerSecond;
        this.send = send;
        this.scheduler = scheduler;
        this.clock = clock;
        this.refilledAt = clock.getAsLong();
        this.acceptedSince = refilledAt;
    }

    /** Sends what the bucket allows now and schedules the rest. */
    void pump() {
        if (stopped || paused) {
            return;
        }
        refill();
        while (!(queue.isEmpty() && refused.isEmpty()) && tokens >= 1) {
            tokens -= 1;
            send.accept(refused.isEmpty() ? queue.poll() : refused.poll());
            if (stopped || paused) {
                return; // a send can fail at once (connection gone)
            }
        }
        if (!(queue.isEmpty() && refused.isEmpty()) && !wakeScheduled) {
            wakeScheduled = true;
            long waitMs = Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / rate));
            scheduler.schedule(() -> {
                wakeScheduled = false;
                pump();
            }, waitMs);
        }
    }

    /** The server accepted a rejoin. */
    void accepted() {
        accepted++;
    }

    /** The server refused {@code item} with {@code rate_limited}: it goes out again first, and sending pauses. */
    void rateLimited(T item, long retryAfterMs) {
        refused.add(item);
        if (paused || stopped) {
            return;
        }
        paused = true;
        long now = clock.getAsLong();
        double seconds = (now - acceptedSince) / (double) SECOND + retryAfterMs / 1000.0;
        double sustained = seconds > 0 ? accepted / seconds : rate;
        rate = Math.max(0.5, Math.min(rate / 2, sustained * 0.8));
        scheduler.schedule(() -> {
            paused = false;
            tokens = 1;
            refilledAt = clock.getAsLong();
            acceptedSince = refilledAt;
            accepted = 0;
            pump();
        }, Math.max(1, retryAfterMs) + 10);
    }

    /** The connection ended: nothing more is sent. */
    void stop() {
        stopped = true;
        queue.clear();
        refused.clear();
    }

    /** Rejoins per second now (for tests). */
    double rate() {
        return rate;
    }

    private void refill() {
        long now = clock.getAsLong();
        tokens = Math.min(Math.max(rate, 1), tokens + (now - refilledAt) * rate / SECOND);
        refilledAt = now;
    }
}
