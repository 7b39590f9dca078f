package dev.realtime.client;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how often the client retries after a failed attempt or a lost connection: exponential
 * backoff with jitter. Immutable.
 *
 * <p>The delay before retry {@code n} (1-based) is {@code min(maxDelay, initialDelay * multiplier^(n-1))},
 * then reduced by a random share of up to {@code jitter} (0 = none, 0.5 = anywhere between 50% and
 * 100% of the computed delay), so that many clients cut off at once do not come back in lockstep.
 * After a successful connection the count starts again at 1.
 *
 * @param initialDelay delay before the first retry
 * @param maxDelay upper bound of any delay
 * @param multiplier growth factor per retry (at least 1)
 * @param jitter share of the delay that is randomised, 0..1
 * @param maxAttempts retries allowed in a row before giving up; {@link #FOREVER} for no limit, 0 to
 *                    never retry
 */
public record ReconnectPolicy(Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
                              int maxAttempts) {

    /** {@code maxAttempts} value for "retry forever". */
    public static final int FOREVER = -1;

    public ReconnectPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
        }
        if (!(multiplier >= 1.0) || !(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("need multiplier >= 1 and 0 <= jitter <= 1");
        }
        if (maxAttempts < FOREVER) {
            throw new IllegalArgumentException("maxAttempts must be >= 0 or FOREVER");
        }
    }

    /** The default: 500 ms doubling up to 30 s, jitter 0.5, retry forever. */
    public static ReconnectPolicy defaults() {
        return forever(Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    /** Doubling backoff with jitter 0.5 from {@code initialDelay} up to {@code maxDelay}, at most {@code maxAttempts} retries. */
    public static ReconnectPolicy exponential(Duration initialDelay, Duration maxDelay, int maxAttempts) {
        return new ReconnectPolicy(initialDelay, maxDelay, 2.0, 0.5, maxAttempts);
    }

    /** Doubling backoff with jitter 0.5 from {@code initialDelay} up to {@code maxDelay}, never giving up. */
    public static ReconnectPolicy forever(Duration initialDelay, Duration maxDelay) {
        return new ReconnectPolicy(initialDelay, maxDelay, 2.0, 0.5, FOREVER);
    }

    /** Never reconnect: the first failure or disconnect moves the client to {@code CLOSED}. */
    public static ReconnectPolicy none() {
        return new ReconnectPolicy(Duration.ZERO, Duration.ZERO, 1.0, 0.0, 0);
    }

    /** This policy with another growth factor. */
    public ReconnectPolicy withMultiplier(double newMultiplier) {
        return new ReconnectPolicy(initialDelay, maxDelay, newMultiplier, jitter, maxAttempts);
    }

    /** This policy with another jitter share. */
    public ReconnectPolicy withJitter(double newJitter) {
        return new ReconnectPolicy(initialDelay, maxDelay, multiplier, newJitter, maxAttempts);
    }

    /** Whether retries go on without limit. */
    public boolean isForever() {
        return maxAttempts == FOREVER;
    }

    /** Whether retry number {@code attempt} (1-based) may be made. */
    public boolean allows(int attempt) {
        return isForever() || attempt <= maxAttempts;
    }

    /**
     * The delay before retry number {@code attempt} (1-based).
     *
     * @param random a uniformly distributed value in [0, 1) choosing the jitter
     */
    public long delayMillis(int attempt, double random) {
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(maxDelay.toMillis(), base);
        return Math.max(0L, Math.round(capped * (1.0 - jitter * random)));
    }
}
