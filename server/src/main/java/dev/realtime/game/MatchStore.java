package dev.realtime.game;

import java.time.Duration;
import java.util.List;

/**
 * Match states by match id, versioned for compare-and-set, plus an index of when each match next
 * needs attention (its timeout or a forfeit): the backend SPI that lets any node of a cluster
 * finish a match, including one whose other nodes crashed.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>A state has a version: 1 when {@link #create}d, one more on each successful
 *       {@link #replace}. {@link #replace} succeeds only against the version it expects, so
 *       concurrent read-modify-write from several nodes never loses an update (the loser gets the
 *       current state back and re-applies).</li>
 *   <li>States expire after the ttl of their last write; an expired state reads as absent.</li>
 *   <li>The due index holds at most one time per match ({@link #schedule} replaces it) and is
 *       independent of the states: a match may be scheduled without a state (its node crashed
 *       half-way) and callers clean up.</li>
 *   <li>States are stored as given and returned as stored: callers must not modify the arrays.</li>
 *   <li>Thread-safe. Redis implementations do network I/O and throw
 *       {@link dev.realtime.store.StoreUnavailableException} when Redis cannot answer: never call
 *       them on an event loop or a room shard thread.</li>
 * </ul>
 * Implementations: {@link InMemoryMatchStore} and {@link RedisMatchStore}.
 */
public interface MatchStore {

    /** A state and the version it was read at. */
    record Versioned(long version, byte[] state) {
    }

    /**
     * What {@link #replace} did: wrote, or found another version (then {@code current} is that state,
     * read in the same step, or null when the match is gone).
     */
    record Replaced(boolean written, Versioned current) {
        static final Replaced WRITTEN = new Replaced(true, null);
    }

    /** Stores a new match at version 1 unless {@code matchId} exists; whether it did. */
    boolean create(String matchId, byte[] state, Duration ttl);

    /** The current state, or null when absent or expired. */
    Versioned read(String matchId);

    /**
     * Replaces the state if its version is {@code expectedVersion} (then it is one more). Otherwise
     * writes nothing and returns what is stored instead, so a writer that lost retries without
     * another round trip.
     */
    Replaced replace(String matchId, long expectedVersion, byte[] state, Duration ttl);

    /** Deletes the state (not its due time). */
    void delete(String matchId);

    /** Records when {@code matchId} next needs attention (epoch ms), replacing any earlier time. */
    void schedule(String matchId, long dueAtMillis);

    /** Removes {@code matchId} from the due index. */
    void unschedule(String matchId);

    /** Up to {@code limit} matches due at or before {@code nowMillis}, earliest first. */
    List<String> due(long nowMillis, int limit);
}
