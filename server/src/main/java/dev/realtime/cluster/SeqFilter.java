package dev.realtime.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops the copies a publisher's replay produces. A publisher numbers its messages ({@link BusFrame}:
 * run, seq) and sends each room's messages in that order, also when it sends some of them again after
 * a failure; so per room and publisher run, a message whose seq is not above the last one delivered
 * is a copy. Kept per room while this node subscribes to it ({@link #forget} on unsubscribe), with at
 * most {@link #RUNS_PER_ROOM} publisher runs per room (the least recently seen is evicted: a node
 * restarted many times).
 *
 * <p>Threading: any subscriber thread; each room's check-and-update is atomic
 * ({@link ConcurrentHashMap#compute}), so two connections delivering one room (while it moves between
 * primaries) cannot both pass the same message.
 */
final class SeqFilter {
    static final int RUNS_PER_ROOM = 16;

    /** Per room: parallel arrays of publisher runs and the last seq delivered from each. */
    private static final class Runs {
        final long[] run = new long[RUNS_PER_ROOM];
        final long[] last = new long[RUNS_PER_ROOM];
        final long[] used = new long[RUNS_PER_ROOM];
        int size;
        long tick;

        boolean accept(long r, long seq) {
            tick++;
            for (int i = 0; i < size; i++) {
                if (run[i] == r) {
                    used[i] = tick;
                    if (seq <= last[i]) {
                        return false;
                    }
                    last[i] = seq;
                    return true;
                }
            }
            int at = size;
            if (size == RUNS_PER_ROOM) {
                at = 0;
                for (int i = 1; i < size; i++) {
                    if (used[i] < used[at]) {
                        at = i;
                    }
                }
            } else {
                size++;
            }
            run[at] = r;
            last[at] = seq;
            used[at] = tick;
            return true;
        }
    }

    private final ConcurrentHashMap<String, Runs> rooms = new ConcurrentHashMap<>();

    /** Whether the message {@code (run, seq)} for {@code room} is new (and records it). */
    boolean accept(String room, long run, long seq) {
        boolean[] accepted = new boolean[1];
        rooms.compute(room, (k, v) -> {
            Runs runs = v == null ? new Runs() : v;
            accepted[0] = runs.accept(run, seq);
            return runs;
        });
        return accepted[0];
    }

    /** This node stopped receiving {@code room}. */
    void forget(String room) {
        rooms.remove(room);
    }

    int rooms() {
        return rooms.size();
    }
}
