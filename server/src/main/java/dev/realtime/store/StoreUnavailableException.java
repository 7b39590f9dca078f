package dev.realtime.store;

/**
 * A storage backend could not answer: Redis is unreachable, timed out, the connection pool is
 * exhausted, or it answered with an error. Every Redis store method throws this (unchecked) instead
 * of a Jedis exception, so callers can degrade (skip history, deliver live only, answer
 * {@code recovered:false}, count the error) without knowing the backend. In-memory stores never
 * throw it. The store stays usable: the next call tries again.
 */
public final class StoreUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
