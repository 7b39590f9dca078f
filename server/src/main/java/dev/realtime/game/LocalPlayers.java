package dev.realtime.game;

import dev.realtime.session.Session;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's authenticated connections by user: where the quiz sends {@code match:found} and whom
 * it joins to a match room when a signal names a user. A value is the user's one session, or an
 * immutable list of two or more, replaced atomically, so readers on any thread see a consistent
 * state (every connection is here: a list per single-session user would cost 24 bytes each).
 *
 * <p>Threading: thread-safe. Written by event loops (connect, disconnect); read by bus, matchmaking
 * and lane threads, which only hand tasks to each session's own loop.
 */
final class LocalPlayers {
    private final Map<String, Object> byUser = new ConcurrentHashMap<>();

    void add(String userId, Session s) {
        byUser.merge(userId, s, (old, one) -> {
            java.util.ArrayList<Session> more = new java.util.ArrayList<>(sessions(old));
            more.add(s);
            return List.copyOf(more);
        });
    }

    /** Removes {@code s}; whether it was the user's last connection on this node. */
    boolean remove(String userId, Session s) {
        Object left = byUser.computeIfPresent(userId, (k, old) -> {
            List<Session> rest = sessions(old).stream().filter(x -> x != s).toList();
            return rest.isEmpty() ? null : rest.size() == 1 ? rest.get(0) : rest;
        });
        return left == null;
    }

    /** The user's connections on this node (possibly empty). */
    List<Session> of(String userId) {
        return sessions(byUser.get(userId));
    }

    @SuppressWarnings("unchecked")
    private static List<Session> sessions(Object value) {
        return value == null ? List.of() : value instanceof Session one ? List.of(one) : (List<Session>) value;
    }
}
