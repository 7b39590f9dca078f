package dev.realtime.chat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-user chat limit ({@code CHAT_RATE_LIMIT_MAX_MESSAGES} per {@code CHAT_RATE_LIMIT_WINDOW_MS},
 * seeds: 100 a minute): a fixed window per user, shared by the user's connections on this node
 * (each node counts its own connections: a user spread over N nodes may send up to N times the limit).
 *
 * <p>Threading: lock-free; called from any event loop. Users whose window ended are pruned now and
 * then by the callers themselves, so memory follows the users who chatted within one window.
 */
final class ChatRateLimiter {
    private static final int PRUNE_EVERY = 4096;

    private static final class Window {
        final AtomicLong start;
        final AtomicInteger count = new AtomicInteger();

        Window(long now) {
            start = new AtomicLong(now);
        }
    }

    private final int max;
    private final long windowNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();

    ChatRateLimiter(int max, long windowMs) {
        this.max = max;
        this.windowNanos = windowMs * 1_000_000L;
    }

    /** Counts one message of {@code userId}: 0 if allowed, else milliseconds until the window resets (>= 1). */
    long acquire(String userId, long now) {
        if (calls.incrementAndGet() % PRUNE_EVERY == 0) {
            windows.values().removeIf(w -> now - w.start.get() >= windowNanos);
        }
        Window w = windows.get(userId);
        if (w == null) {
            w = windows.computeIfAbsent(userId, u -> new Window(now));
        }
        long start = w.start.get();
        if (now - start >= windowNanos && w.start.compareAndSet(start, now)) {
            w.count.set(0);
            start = now;
        }
        if (w.count.incrementAndGet() <= max) {
            return 0;
        }
        return Math.max(1, (w.start.get() + windowNanos - now) / 1_000_000L);
    }

    int trackedUsers() {
        return windows.size();
    }
}
