package dev.realtime.store;

import java.time.Duration;
import java.util.List;

/**
 * Shared values and queues for cluster features (matchmaking queues, match state): byte values
 * with optional expiry and atomic conditional writes, and FIFO queues of distinct members whose
 * {@link #popPair} hands any member to exactly one caller, so two nodes never match one player twice.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>Every method is atomic on its key or queue, across threads and nodes.</li>
 *   <li>A {@code ttl} of {@code null} means no expiry; otherwise it must be positive. An expired
 *       value reads as absent. Writes replace the ttl.</li>
 *   <li>Queues keep insertion order (FIFO), hold each member at most once, and have no expiry; an
 *       empty queue takes no space. Keys and queues are separate namespaces.</li>
 *   <li>Values are stored as given and returned as stored: callers must not modify the arrays.</li>
 *   <li>Thread-safe. Redis implementations do network I/O and throw
 *       {@link StoreUnavailableException} when Redis cannot answer: never call them on an event
 *       loop or a room shard thread; hand the call to a blocking executor.</li>
 * </ul>
 * Implementations: {@link InMemoryKeyValueStore} and {@link RedisKeyValueStore}.
 */
public interface KeyValueStore {

    /** The value, or {@code null} when absent or expired. */
    byte[] get(String key);

    /** Stores {@code value} under {@code key}, expiring after {@code ttl} ({@code null}: never). */
    void set(String key, byte[] value, Duration ttl);

    /** Stores {@code value} only if {@code key} is absent; {@code true} if it did. */
    boolean setIfAbsent(String key, byte[] value, Duration ttl);

    /**
     * Replaces the value only if the current one equals {@code expected} (byte for byte;
     * {@code null}: only if absent). A {@code null} {@code value} deletes the key.
     *
     * @return whether the write happened
     */
    boolean compareAndSet(String key, byte[] expected, byte[] value, Duration ttl);

    /** Deletes {@code key}; {@code true} if it existed. */
    boolean delete(String key);

    /** Appends {@code member} to the queue unless it is already there; {@code true} if added. */
    boolean enqueue(String queue, String member);

    /** Removes {@code member} from the queue; {@code true} if it was there. */
    boolean remove(String queue, String member);

    /** Whether {@code member} is waiting in the queue. */
    boolean contains(String queue, String member);

    /**
     * Atomically removes and returns the two oldest members, oldest first, or returns an empty
     * list (removing nothing) when fewer than two wait.
     */
    List<String> popPair(String queue);

    /** How many members wait in the queue. */
    int size(String queue);
}
