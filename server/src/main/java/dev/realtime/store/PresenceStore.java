package dev.realtime.store;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Who is online, cluster-wide: each node records its own connections ({@link #online}/{@link #offline})
 * and its users' room memberships ({@link #joined}/{@link #left}), and proves it is alive with
 * {@link #heartbeat}. Queries answer for the whole cluster and count only <em>live</em> nodes, so a
 * node that dies (crash, partition, kill -9) takes its users with it within {@link #timeout()}.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>A node is live from its first {@link #heartbeat} until {@link #timeout()} passes without
 *       one. Writes do not count as heartbeats: a node calls {@code heartbeat} once at startup,
 *       before announcing anything, and then every {@code timeout / 3} or so from one thread.</li>
 *   <li>{@code heartbeat} returns {@code false} when the node was not live (first call, or it
 *       missed the timeout, e.g. a long GC pause or a Redis outage). Its earlier records may then
 *       have been swept: the node re-announces every local connection and room membership (all
 *       writes are idempotent, so re-announcing what survived is harmless).</li>
 *   <li>Dead nodes' records are invisible at once and deleted by {@link #sweep()}, which any node
 *       may call (from its heartbeat thread); it is idempotent and safe to run on every node.
 *       {@link #forgetNode} deletes a node's records now: call it on startup (a node restarted
 *       with the same id drops its previous life) and at the end of a graceful shutdown.</li>
 *   <li>{@link #online}/{@link #offline} are per connection (sid) and idempotent.
 *       {@link #joined}/{@link #left} are per (room, user, node) and idempotent: call
 *       {@code joined} when a user's first local connection joins a room and {@code left} when
 *       their last local connection leaves it (or disconnects).</li>
 *   <li>Node ids and sids contain no whitespace; room names follow {@code RoomPolicy} (no
 *       whitespace); user ids are free-form.</li>
 *   <li>Thread-safe. Redis implementations do network I/O and throw
 *       {@link StoreUnavailableException} when Redis cannot answer: never call them on an event
 *       loop or a room shard thread; hand the call to a blocking executor.</li>
 * </ul>
 * Implementations: {@link InMemoryPresenceStore} (one node, or nodes in one JVM sharing an
 * instance) and {@link RedisPresenceStore}.
 */
public interface PresenceStore {

    /** Records connection {@code sid} of {@code userId} on {@code nodeId}. */
    void online(String nodeId, String userId, String sid);

    /** Forgets connection {@code sid}; the user stays online while any other connection remains. */
    void offline(String nodeId, String userId, String sid);

    /**
     * Marks {@code nodeId} live for another {@link #timeout()}.
     *
     * @return whether it was live already; {@code false} means re-announce local state
     */
    boolean heartbeat(String nodeId);

    /** Whether the user has a connection on any live node. */
    boolean isOnline(String userId);

    /** Every user with a connection on a live node. Reads everything: for stats, not hot paths. */
    Set<String> onlineUsers();

    /** The user's connections on live nodes. */
    int connectionCount(String userId);

    /** Live nodes and their connection counts. */
    Map<String, Integer> nodes();

    /**
     * Records that {@code userId} is in {@code room} through a connection on {@code nodeId}.
     *
     * @return {@link Occupancy#changed()} when no node had the user in the room before (their first
     *         join, cluster-wide), and the room's user count after the write
     */
    Occupancy joined(String room, String userId, String nodeId);

    /**
     * Records that {@code userId} has no connection in {@code room} on {@code nodeId} any more.
     *
     * @return {@link Occupancy#changed()} when no node has the user in the room now (their last
     *         leave, cluster-wide), and the room's user count after the write
     */
    Occupancy left(String room, String userId, String nodeId);

    /**
     * What a membership write changed, decided atomically with it so two nodes writing at once never
     * both see a first join (or a last leave). Counts include nodes that died until their records are
     * swept (or forgotten); {@link #members} only shows live nodes.
     *
     * @param changed whether the user entered (or left) the room cluster-wide with this write;
     *                false for a repeated write
     * @param users   distinct users in the room after the write
     */
    record Occupancy(boolean changed, int users) {
    }

    /** Told of each user who is in a room through no node any more after a sweep or forget. */
    @FunctionalInterface
    interface Vacated {
        void vacated(String room, String userId, int usersLeft);

        Vacated IGNORE = (room, userId, usersLeft) -> {
        };
    }

    /** Users in {@code room} through any live node. */
    Set<String> members(String room);

    /** Deletes the records of nodes that are no longer live; returns how many nodes it removed. */
    default int sweep() {
        return sweep(Vacated.IGNORE);
    }

    /**
     * {@link #sweep()}, telling {@code vacated} of every (room, user) that no node holds any more
     * because of it: the last leaves of the dead nodes' users. When several nodes sweep at once each
     * pair is reported by exactly one.
     */
    int sweep(Vacated vacated);

    /** Deletes every record of {@code nodeId} now and marks it not live. */
    default void forgetNode(String nodeId) {
        forgetNode(nodeId, Vacated.IGNORE);
    }

    /** {@link #forgetNode(String)}, reporting the (room, user) pairs it vacates like {@link #sweep(Vacated)}. */
    void forgetNode(String nodeId, Vacated vacated);

    /** How long a node stays live after a heartbeat. */
    Duration timeout();
}
