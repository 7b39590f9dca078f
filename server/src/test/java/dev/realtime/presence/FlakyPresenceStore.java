package dev.realtime.presence;

import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link PresenceStore} decorator for tests: counts calls by method and, while {@link #down} is
 * set, fails every call with {@link StoreUnavailableException} as an unreachable Redis would.
 * Thread-safe.
 */
class FlakyPresenceStore implements PresenceStore {
    private final PresenceStore delegate;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    volatile boolean down;
    /** How long {@link #members} takes (a slow scan of a big room), 0 = at once. */
    volatile long membersDelayMs;

    FlakyPresenceStore(PresenceStore delegate) {
        this.delegate = delegate;
    }

    /** How many times {@code method} was called (failed calls included); "heartbeat-false" counts those answers. */
    int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    private void call(String method) {
        calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
        if (down) {
            throw new StoreUnavailableException("injected outage: " + method, null);
        }
    }

    @Override
    public void online(String nodeId, String userId, String sid) {
        call("online");
        delegate.online(nodeId, userId, sid);
    }

    @Override
    public void offline(String nodeId, String userId, String sid) {
        call("offline");
        delegate.offline(nodeId, userId, sid);
    }

    @Override
    public boolean heartbeat(String nodeId) {
        call("heartbeat");
        boolean was = delegate.heartbeat(nodeId);
        if (!was) {
            call("heartbeat-false");
        }
        return was;
    }

    @Override
    public boolean isOnline(String userId) {
        call("isOnline");
        return delegate.isOnline(userId);
    }

    @Override
    public Set<String> onlineUsers() {
        call("onlineUsers");
        return delegate.onlineUsers();
    }

    @Override
    public int connectionCount(String userId) {
        call("connectionCount");
        return delegate.connectionCount(userId);
    }

    @Override
    public Map<String, Integer> nodes() {
        call("nodes");
        return delegate.nodes();
    }

    @Override
    public Occupancy joined(String room, String userId, String nodeId) {
        call("joined");
        return delegate.joined(room, userId, nodeId);
    }

    @Override
    public Occupancy left(String room, String userId, String nodeId) {
        call("left");
        return delegate.left(room, userId, nodeId);
    }

    @Override
    public Set<String> members(String room) {
        call("members");
        if (membersDelayMs > 0) {
            try {
                Thread.sleep(membersDelayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return delegate.members(room);
    }

    @Override
    public int sweep(Vacated vacated) {
        call("sweep");
        return delegate.sweep(vacated);
    }

    @Override
    public void forgetNode(String nodeId, Vacated vacated) {
        call("forgetNode");
        delegate.forgetNode(nodeId, vacated);
    }

    @Override
    public Duration timeout() {
        return delegate.timeout();
    }
}
