package dev.realtime.game;

import dev.realtime.session.Session;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's authenticated connections by user: where the quiz sends {@code match:found} and whom
 * it joins to a match room when a signal names a user. Values are small immutable lists replaced
 * atomically, so readers on any thread see a consistent list.
 *
 * <p>Threading: thread-safe. Written by event loops (connect, disconnect); read by bus, matchmaking
 * and lane threads, which only hand tasks to each session's own loop.
 */
final class LocalPlayers {
    private final Map<String, List<Session>> byUser = new ConcurrentHashMap<>();

    void add(String userId, Session s) {
        byUser.merge(userId, List.of(s), (old, one) -> {
            java.util.ArrayList<Session> more = new java.util.ArrayList<>(old);
            more.add(s);
            return List.copyOf(more);
        });
    }

    /** Removes {@code s}; whether it was the user's last connection on this node. */
    boolean remove(String userId, Session s) {
        List<Session> left = byUser.computeIfPresent(userId, (k, old) -> {
            List<Session> rest = old.stream().filter(x -> x != s).toList();
            return rest.isEmpty() ? null : rest;
        });
        return left == null;
    }

    /** The user's connections on this node (possibly empty). */
    List<Session> of(String userId) {
        return byUser.getOrDefault(userId, List.of());
    }
}
