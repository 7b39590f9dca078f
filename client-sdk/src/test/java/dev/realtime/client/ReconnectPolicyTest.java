package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Backoff arithmetic and limits of {@link ReconnectPolicy}. */
class ReconnectPolicyTest {

    @Test
    void delaysGrowExponentiallyUpToTheMaximum() {
        ReconnectPolicy p = ReconnectPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 5).withJitter(0);
        assertEquals(100, p.delayMillis(1, 0.9));
        assertEquals(200, p.delayMillis(2, 0.9));
        assertEquals(400, p.delayMillis(3, 0.9));
        assertEquals(800, p.delayMillis(4, 0.9));
        assertEquals(1000, p.delayMillis(5, 0.9));
        assertEquals(1000, p.delayMillis(500, 0.9), "no overflow for huge attempt numbers");
    }

    @Test
    void jitterTakesAtMostItsShare() {
        ReconnectPolicy p = ReconnectPolicy.forever(Duration.ofMillis(1000), Duration.ofMillis(1000));
        assertEquals(1000, p.delayMillis(1, 0.0));
        assertEquals(750, p.delayMillis(1, 0.5));
        assertTrue(p.delayMillis(1, 0.999) >= 500);
    }

    @Test
    void attemptLimits() {
        ReconnectPolicy bounded = ReconnectPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(10), 2);
        assertTrue(bounded.allows(1));
        assertTrue(bounded.allows(2));
        assertFalse(bounded.allows(3));
        assertFalse(ReconnectPolicy.none().allows(1));
        assertTrue(ReconnectPolicy.defaults().isForever());
        assertTrue(ReconnectPolicy.defaults().allows(Integer.MAX_VALUE));
    }

    @Test
    void invalidPoliciesAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.forever(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.defaults().withJitter(1.5));
        assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.defaults().withMultiplier(0.5));
        assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.exponential(Duration.ofMillis(1), Duration.ofMillis(2), -2));
    }
}
