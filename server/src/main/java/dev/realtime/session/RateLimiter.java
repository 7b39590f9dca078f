package dev.realtime.session;

/**
 * Fixed-window message rate limit of one connection, with abuse detection: a connection that sends
 * more than twice the limit in one window, or exceeds it in {@code strikeLimit} consecutive windows,
 * is abusive and gets closed with 4429.
 *
 * <p>Threading: owned by the connection's event loop.
 */
final class RateLimiter {
    private final int max;
    private final long windowNanos;
    private final int strikeLimit;
    private long windowStart;
    private int count;
    private int strikes;
    private boolean warned;

    RateLimiter(int max, long windowMs, int strikeLimit, long nowNanos) {
        this.max = max;
        this.windowNanos = windowMs * 1_000_000L;
        this.strikeLimit = strikeLimit;
        this.windowStart = nowNanos;
    }

    /** Counts one message; returns 0 if allowed, else milliseconds until the window resets (>= 1). */
    long acquire(long now) {
        long elapsed = now - windowStart;
        if (elapsed >= windowNanos) {
            strikes = count > max && elapsed < 2 * windowNanos ? strikes + 1 : 0;
            windowStart = now;
            count = 0;
            warned = false;
        }
        count++;
        if (count <= max) {
            return 0;
        }
        return Math.max(1, (windowStart + windowNanos - now) / 1_000_000L);
    }

    /** Whether the current behaviour is sustained abuse. */
    boolean abusive() {
        return count > 2 * max || (count > max && strikes + 1 >= strikeLimit);
    }

    /** True once per window: whether to send the {@code rate_limited} error frame now. */
    boolean shouldWarn() {
        if (warned) {
            return false;
        }
        warned = true;
        return true;
    }
}
