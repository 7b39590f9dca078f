package dev.realtime.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link PresenceStore}: for a node that is alone, or for nodes in one JVM that share
 * one instance. Liveness uses an injectable millisecond clock, so expiry is testable without waiting.
 *
 * <p>Threading: thread-safe; all state is guarded by this object's monitor (short critical sections,
 * no I/O). Queries cost O(live nodes).
 */
public final class InMemoryPresenceStore implements PresenceStore {

    /** One node's records; guarded by the store's monitor. */
    private static final class NodeState {
        final Map<String, String> sessions = new HashMap<>();          // sid -> user
        final Map<String, Integer> userConnections = new HashMap<>();  // user -> connections
        final Map<String, Set<String>> rooms = new HashMap<>();        // room -> users
    }

    private final Duration timeout;
    private final long timeoutMillis;
    private final LongSupplier clock;
    private final Map<String, Long> lastHeartbeat = new HashMap<>();
    private final Map<String, NodeState> nodes = new HashMap<>();
    /** room -> user -> nodes (live or not) that have the user in the room. */
    private final Map<String, Map<String, Integer>> occupancy = new HashMap<>();

    /** A store on the monotonic system clock. */
    public InMemoryPresenceStore(Duration timeout) {
        this(timeout, () -> System.nanoTime() / 1_000_000);
    }

    /** A store on {@code clockMillis} (any monotonic millisecond clock; tests move it by hand). */
    public InMemoryPresenceStore(Duration timeout, LongSupplier clockMillis) {
        this.timeoutMillis = RedisSupport.millis(timeout);
        this.timeout = timeout;
        this.clock = clockMillis;
    }

    private boolean live(String nodeId, long now) {
        Long seen = lastHeartbeat.get(nodeId);
        return seen != null && now - seen < timeoutMillis;
    }

    private NodeState node(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        return nodes.computeIfAbsent(nodeId, k -> new NodeState());
    }

    @Override
    public synchronized void online(String nodeId, String userId, String sid) {
        RedisSupport.checkToken("sid", sid);
        NodeState n = node(nodeId);
        String previous = n.sessions.putIfAbsent(sid, userId);
        if (previous == null) {
            n.userConnections.merge(userId, 1, Integer::sum);
        }
    }

    @Override
    public synchronized void offline(String nodeId, String userId, String sid) {
        NodeState n = nodes.get(nodeId);
        if (n != null && n.sessions.remove(sid, userId)) {
            n.userConnections.computeIfPresent(userId, (u, c) -> c > 1 ? c - 1 : null);
        }
    }

    @Override
    public synchronized boolean heartbeat(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        long now = clock.getAsLong();
        boolean was = live(nodeId, now);
        lastHeartbeat.put(nodeId, now);
        return was;
    }

    @Override
    public synchronized boolean isOnline(String userId) {
        return connectionCount(userId) > 0;
    }

    @Override
    public synchronized Set<String> onlineUsers() {
        long now = clock.getAsLong();
        Set<String> users = new HashSet<>();
        nodes.forEach((id, n) -> {
            if (live(id, now)) {
                users.addAll(n.userConnections.keySet());
            }
        });
        return users;
    }

    @Override
    public synchronized int connectionCount(String userId) {
        long now = clock.getAsLong();
        int count = 0;
        for (Map.Entry<String, NodeState> e : nodes.entrySet()) {
            if (live(e.getKey(), now)) {
                count += e.getValue().userConnections.getOrDefault(userId, 0);
            }
        }
        return count;
    }

    @Override
    public synchronized Map<String, Integer> nodes() {
        long now = clock.getAsLong();
        Map<String, Integer> live = new HashMap<>();
        lastHeartbeat.keySet().forEach(id -> {
            if (live(id, now)) {
                NodeState n = nodes.get(id);
                live.put(id, n == null ? 0 : n.sessions.size());
            }
        });
        return live;
    }

    @Override
    public synchronized Occupancy joined(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        boolean added = node(nodeId).rooms.computeIfAbsent(room, r -> new HashSet<>()).add(userId);
        Map<String, Integer> users = occupancy.computeIfAbsent(room, r -> new HashMap<>());
        boolean first = added && users.merge(userId, 1, Integer::sum) == 1;
        return new Occupancy(first, users.size());
    }

    @Override
    public synchronized Occupancy left(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        NodeState n = nodes.get(nodeId);
        boolean removed = false;
        if (n != null) {
            Set<String> here = n.rooms.get(room);
            removed = here != null && here.remove(userId);
            if (here != null && here.isEmpty()) {
                n.rooms.remove(room);
            }
        }
        boolean last = removed && release(room, userId);
        Map<String, Integer> users = occupancy.get(room);
        return new Occupancy(last, users == null ? 0 : users.size());
    }

    /** One node fewer has {@code userId} in {@code room}; true when none has any more. */
    private boolean release(String room, String userId) {
        Map<String, Integer> users = occupancy.get(room);
        if (users == null || users.computeIfPresent(userId, (u, c) -> c > 1 ? c - 1 : null) != null) {
            return false;
        }
        if (users.isEmpty()) {
            occupancy.remove(room);
        }
        return true;
    }

    /** Drops node {@code id}'s records, reporting the (room, user) pairs no node holds any more. */
    private void drop(String id, Vacated vacated) {
        NodeState n = nodes.remove(id);
        if (n == null) {
            return;
        }
        n.rooms.forEach((room, users) -> users.forEach(user -> {
            if (release(room, user)) {
                Map<String, Integer> left = occupancy.get(room);
                vacated.vacated(room, user, left == null ? 0 : left.size());
            }
        }));
    }

    @Override
    public synchronized Set<String> members(String room) {
        long now = clock.getAsLong();
        Set<String> users = new HashSet<>();
        nodes.forEach((id, n) -> {
            Set<String> here = n.rooms.get(room);
            if (here != null && live(id, now)) {
                users.addAll(here);
            }
        });
        return users;
    }

    @Override
    public synchronized int sweep(Vacated vacated) {
        long now = clock.getAsLong();
        int removed = 0;
        for (Iterator<String> it = lastHeartbeat.keySet().iterator(); it.hasNext(); ) {
            String id = it.next();
            if (!live(id, now)) {
                it.remove();
                drop(id, vacated);
                removed++;
            }
        }
        return removed;
    }

    @Override
    public synchronized void forgetNode(String nodeId, Vacated vacated) {
        lastHeartbeat.remove(nodeId);
        drop(nodeId, vacated);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }
}
