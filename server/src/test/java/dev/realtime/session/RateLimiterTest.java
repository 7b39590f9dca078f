package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Deterministic: the limiter takes the clock as an argument. */
class RateLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void allowsUpToTheLimitPerWindowAndSaysWhenToRetry() {
        RateLimiter r = new RateLimiter(3, 1000, 3, 0);
        assertEquals(0, r.acquire(0));
        assertEquals(0, r.acquire(10 * MS));
        assertEquals(0, r.acquire(20 * MS));
        assertEquals(700, r.acquire(300 * MS));
        assertTrue(r.shouldWarn());
        assertFalse(r.shouldWarn(), "one warning per window");
        assertFalse(r.abusive());
        assertEquals(0, r.acquire(1000 * MS), "new window");
    }

    @Test
    void twiceTheLimitInOneWindowIsAbuse() {
        RateLimiter r = new RateLimiter(5, 1000, 3, 0);
        for (int i = 0; i < 10; i++) {
            r.acquire(i * MS);
        }
        assertFalse(r.abusive());
        r.acquire(11 * MS);
        assertTrue(r.abusive());
    }

    @Test
    void exceedingInConsecutiveWindowsIsAbuse() {
        RateLimiter r = new RateLimiter(2, 100, 3, 0);
        long t = 0;
        for (int window = 0; window < 3; window++) {
            t = window * 100 * MS;
            for (int i = 0; i < 3; i++) {
                r.acquire(t + i * MS);
            }
            assertEquals(window == 2, r.abusive(), "window " + window);
        }
        // A quiet window resets the strikes.
        RateLimiter quiet = new RateLimiter(2, 100, 3, 0);
        for (int i = 0; i < 3; i++) {
            quiet.acquire(i * MS);
        }
        quiet.acquire(500 * MS);
        for (int i = 0; i < 3; i++) {
            quiet.acquire(600 * MS + i * MS);
        }
        assertFalse(quiet.abusive());
    }
}
