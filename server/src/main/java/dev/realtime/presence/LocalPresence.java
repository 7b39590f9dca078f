package dev.realtime.presence;

import dev.realtime.store.PresenceStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * What this node knows about its own users, which is the truth the store is repaired from: local
 * connections, local connection counts per (room, user), and the keys touched while the store was
 * down (so their current state can be written once it answers).
 *
 * <p>Threading: not thread-safe; owned by the {@link PresenceTracker}'s thread.
 */
final class LocalPresence {
    private record Membership(String room, String userId) {
    }

    private final int maxPending;
    private final Map<String, String> sessions = new HashMap<>();          // sid -> user
    private final Map<Membership, Integer> memberships = new HashMap<>();  // -> local connections in the room
    private final Map<String, String> pendingSessions = new HashMap<>();   // sid -> user, touched while down
    private final Set<Membership> pendingMemberships = new HashSet<>();    // touched while down

    LocalPresence(int maxPending) {
        this.maxPending = maxPending;
    }

    /** @return whether the store must hear of it (a new sid, or a sid now owned by another user) */
    boolean connect(String userId, String sid) {
        return !userId.equals(sessions.put(sid, userId));
    }

    /** @return whether the store must hear of it (the sid was this user's) */
    boolean disconnect(String userId, String sid) {
        return sessions.remove(sid, userId);
    }

    /** @return whether this is the user's first local connection in the room */
    boolean join(String room, String userId) {
        return memberships.merge(new Membership(room, userId), 1, Integer::sum) == 1;
    }

    /** @return whether that was the user's last local connection in the room (an unbalanced leave is ignored) */
    boolean leave(String room, String userId) {
        Membership m = new Membership(room, userId);
        Integer n = memberships.get(m);
        if (n == null) {
            return false;
        }
        if (n > 1) {
            memberships.put(m, n - 1);
            return false;
        }
        memberships.remove(m);
        return true;
    }

    /** Remembers a connection write that did not reach the store; false when too much is pending (all dropped). */
    boolean touchSession(String userId, String sid) {
        pendingSessions.put(sid, userId); // the user is needed to write offline if the sid is gone by then
        return withinBound();
    }

    /** Remembers a membership write that did not reach the store; false when too much is pending (all dropped). */
    boolean touchMembership(String room, String userId) {
        pendingMemberships.add(new Membership(room, userId));
        return withinBound();
    }

    private boolean withinBound() {
        if (pendingSessions.size() + pendingMemberships.size() <= maxPending) {
            return true;
        }
        clearPending();
        return false;
    }

    /** After forgetNode: nothing of ours is left in the store, so there is nothing to remove. */
    void clearPending() {
        pendingSessions.clear();
        pendingMemberships.clear();
    }

    /** What a membership write changed: {@code (join, room, user, occupancy)}. */
    interface Changes {
        void changed(boolean join, String room, String userId, PresenceStore.Occupancy occupancy);
    }

    /** Writes every local record (idempotent), running {@code beforeEach} before each write. */
    void announce(PresenceStore store, String nodeId, Runnable beforeEach, Changes changes) {
        sessions.forEach((sid, user) -> {
            beforeEach.run();
            store.online(nodeId, user, sid);
        });
        memberships.keySet().forEach(m -> {
            beforeEach.run();
            changes.changed(true, m.room(), m.userId(), store.joined(m.room(), m.userId(), nodeId));
        });
    }

    /**
     * Writes each touched key as it is <em>now</em> (online/joined if present, offline/left if gone),
     * so lost additions and lost removals are both repaired. An entry is dropped only once written:
     * if a call throws, the rest stay pending for the next attempt.
     */
    void flush(PresenceStore store, String nodeId, Runnable beforeEach, Changes changes) {
        for (Iterator<Map.Entry<String, String>> it = pendingSessions.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            String now = sessions.get(e.getKey());
            beforeEach.run();
            if (now != null) {
                store.online(nodeId, now, e.getKey());
            } else {
                store.offline(nodeId, e.getValue(), e.getKey());
            }
            it.remove();
        }
        for (Iterator<Membership> it = pendingMemberships.iterator(); it.hasNext(); ) {
            Membership m = it.next();
            beforeEach.run();
            boolean join = memberships.containsKey(m);
            PresenceStore.Occupancy o = join ? store.joined(m.room(), m.userId(), nodeId)
                    : store.left(m.room(), m.userId(), nodeId);
            it.remove();
            changes.changed(join, m.room(), m.userId(), o);
        }
    }

    /** Checked on the caller's thread: a bad id fails now, not later as a fake outage retried forever. */
    static String token(String what, String value) {
        boolean ok = value != null && !value.isEmpty();
        for (int i = 0; ok && i < value.length(); i++) {
            ok = !Character.isWhitespace(value.charAt(i));
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " must be non-empty without whitespace: " + value);
        }
        return value;
    }
}
