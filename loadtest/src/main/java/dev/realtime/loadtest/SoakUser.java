package dev.realtime.loadtest;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated user of the soak, whatever its connections: its last position in each room (what a
 * reconnect recovers from) and, for a user whose deliveries are counted (a stable one), the last
 * sequence number seen per room.
 *
 * <p>Threading: a user has at most one connection at a time; successive connections run on
 * different event loops, so the maps are concurrent; {@link #lastSeq} is touched only by the one
 * connection of a stable user (it never reconnects).
 */
final class SoakUser {
    /** The last event seen in a room. */
    record Position(String epoch, long offset) {
    }

    final String userId;
    /** Whether joins recover from the last position (reconnecting users) and deliveries are not counted. */
    final boolean recover;
    final ConcurrentHashMap<String, Position> positions = new ConcurrentHashMap<>();
    private final long[] lastSeq;

    SoakUser(String userId, boolean recover, int roomIndexes) {
        this.userId = userId;
        this.recover = recover;
        this.lastSeq = new long[roomIndexes];
        java.util.Arrays.fill(lastSeq, -1);
    }

    /** A probe event of room index {@code r}, sequence {@code s}; counted for users that do not recover. */
    void received(int r, long s, SoakStats stats) {
        if (recover || r < 0 || r >= lastSeq.length) {
            return;
        }
        stats.delivered.increment();
        if (s <= lastSeq[r]) {
            stats.duplicates.increment();
        } else {
            lastSeq[r] = s;
            stats.deliveredIn(r == lastSeq.length - 2 ? "big" : r == lastSeq.length - 1 ? "firehose" : "small");
        }
    }
}
