package dev.realtime.game;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MatchmakingQueue} in memory: one node, or nodes in one JVM that share the instance.
 *
 * <p>Threading: each queue's state is guarded by that queue's own monitor, held for a few map
 * operations per call (a node calls from its one matchmaking thread, so it is rarely contended).
 */
public final class InMemoryMatchmakingQueue implements MatchmakingQueue {
    private final Map<String, Queue> queues = new ConcurrentHashMap<>();

    /** One queue: waiting players in join order, and the players' matches. Guarded by its monitor. */
    private static final class Queue {
        final LinkedHashMap<String, Waiting> waiting = new LinkedHashMap<>();
        final Map<String, String> playing = new HashMap<>();
    }

    private Queue queue(String name) {
        return queues.computeIfAbsent(name, n -> new Queue());
    }

    @Override
    public Joined join(String queue, String userId, String sid, long now) {
        Queue q = queue(queue);
        synchronized (q) {
            String match = q.playing.get(userId);
            if (match != null) {
                return new Joined(Outcome.IN_MATCH, match, q.waiting.size());
            }
            if (q.waiting.containsKey(userId)) {
                return new Joined(Outcome.ALREADY_QUEUED, null, q.waiting.size());
            }
            q.waiting.put(userId, new Waiting(userId, sid, now));
            return new Joined(Outcome.QUEUED, null, q.waiting.size());
        }
    }

    @Override
    public Left leave(String queue, String userId) {
        Queue q = queue(queue);
        synchronized (q) {
            return new Left(q.waiting.remove(userId) != null, q.playing.get(userId));
        }
    }

    @Override
    public List<Waiting> oldest(String queue, int n) {
        Queue q = queue(queue);
        synchronized (q) {
            List<Waiting> out = new ArrayList<>(Math.min(n, q.waiting.size()));
            for (Waiting w : q.waiting.values()) {
                if (out.size() >= n) {
                    break;
                }
                out.add(w);
            }
            return out;
        }
    }

    @Override
    public boolean commit(String queue, String matchId, String userA, String userB) {
        if (userA.equals(userB)) {
            return false;
        }
        Queue q = queue(queue);
        synchronized (q) {
            if (!q.waiting.containsKey(userA) || !q.waiting.containsKey(userB)) {
                return false;
            }
            q.waiting.remove(userA);
            q.waiting.remove(userB);
            q.playing.put(userA, matchId);
            q.playing.put(userB, matchId);
            return true;
        }
    }

    @Override
    public String matchOf(String queue, String userId) {
        Queue q = queue(queue);
        synchronized (q) {
            return q.playing.get(userId);
        }
    }

    @Override
    public Map<String, String> matchesOf(String queue, Collection<String> userIds) {
        Queue q = queue(queue);
        Map<String, String> out = new HashMap<>();
        synchronized (q) {
            for (String u : userIds) {
                String m = q.playing.get(u);
                if (m != null) {
                    out.put(u, m);
                }
            }
        }
        return out;
    }

    @Override
    public boolean release(String queue, String userId, String matchId) {
        Queue q = queue(queue);
        synchronized (q) {
            return q.playing.remove(userId, matchId);
        }
    }

    @Override
    public int size(String queue) {
        Queue q = queue(queue);
        synchronized (q) {
            return q.waiting.size();
        }
    }
}
