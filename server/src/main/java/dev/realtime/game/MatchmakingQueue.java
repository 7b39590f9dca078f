package dev.realtime.game;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Players waiting for an opponent, per game type, and which match each paired player is in: the
 * backend SPI of matchmaking, shared by every node of a cluster.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>Every method is atomic on its queue, across threads and nodes. A queue's waiting players
 *       and its players' matches change together.</li>
 *   <li>{@link #join} is idempotent (a player waits at most once, keeping its place and its first
 *       connection id) and refuses a player who is in a match; waiting players keep join order.</li>
 *   <li>{@link #commit} is the only way out of the queue into a match: it takes both players or
 *       neither, so two nodes pairing at once never put one player in two matches, and a player is
 *       never lost: until a commit or a {@link #leave} it stays waiting.</li>
 *   <li>A player's match is recorded until {@link #release} with that match's id (a newer match is
 *       never released by an older one's cleanup).</li>
 *   <li>Queue names and match ids contain no whitespace; user ids and connection ids are free-form
 *       apart from that connection ids contain no whitespace.</li>
 *   <li>Thread-safe. Redis implementations do network I/O and throw
 *       {@link dev.realtime.store.StoreUnavailableException} when Redis cannot answer: never call
 *       them on an event loop or a room shard thread.</li>
 * </ul>
 * Implementations: {@link InMemoryMatchmakingQueue} and {@link RedisMatchmakingQueue}.
 */
public interface MatchmakingQueue {

    /** What {@link #join} did. */
    enum Outcome { QUEUED, ALREADY_QUEUED, IN_MATCH }

    /**
     * @param matchId the player's match (only for {@link Outcome#IN_MATCH}), else null
     * @param size    players waiting in the queue afterwards
     */
    record Joined(Outcome outcome, String matchId, int size) {
    }

    /** A waiting player: its user id, the connection that queued it, and since when (epoch ms). */
    record Waiting(String userId, String sid, long since) {
    }

    /**
     * What {@link #leave} did.
     *
     * @param removed whether the player was waiting
     * @param matchId the player's recorded match, or null
     */
    record Left(boolean removed, String matchId) {
    }

    /** Puts {@code userId} (from connection {@code sid}) in the queue, at {@code now}. */
    Joined join(String queue, String userId, String sid, long now);

    /** Takes {@code userId} out of the queue; also says which match it is in, if any. */
    Left leave(String queue, String userId);

    /** The {@code n} longest waiting players, oldest first (nothing is removed). */
    List<Waiting> oldest(String queue, int n);

    /**
     * Pairs {@code userA} and {@code userB} into {@code matchId} if both still wait: removes both from
     * the queue and records the match for both. Otherwise changes nothing.
     *
     * @return whether the pair was taken
     */
    boolean commit(String queue, String matchId, String userA, String userB);

    /** The match recorded for {@code userId}, or null. */
    String matchOf(String queue, String userId);

    /** The matches recorded for each of {@code userIds} that has one (one round trip). */
    Map<String, String> matchesOf(String queue, Collection<String> userIds);

    /** Forgets {@code userId}'s match if it is {@code matchId}; whether it did. */
    boolean release(String queue, String userId, String matchId);

    /** How many players wait. */
    int size(String queue);
}
