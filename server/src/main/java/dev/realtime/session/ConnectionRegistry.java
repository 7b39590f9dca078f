package dev.realtime.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Node-wide connection counts used for admission limits and stats: total, per client address, per
 * user, and anonymous. Thread-safe (atomics and concurrent maps); every acquire is paired with
 * exactly one release by the session's close path.
 */
public final class ConnectionRegistry {

    /** The outcome of admitting a new connection. */
    public enum Admission { OK, NODE_FULL, IP_LIMIT }

    private final int maxConnections;
    private final int maxPerIp;
    private final int maxPerUser;
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger anonymous = new AtomicInteger();
    private final Map<String, Integer> perIp = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();

    /** Limits of 0 mean unlimited (per-ip and per-user). */
    public ConnectionRegistry(int maxConnections, int maxPerIp, int maxPerUser) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
        this.maxPerUser = maxPerUser;
    }

    /** Counts a new connection from {@code ip} unless a limit is reached. */
    public Admission admit(String ip) {
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            return Admission.NODE_FULL;
        }
        if (maxPerIp > 0 && !increment(perIp, ip, maxPerIp)) {
            total.decrementAndGet();
            return Admission.IP_LIMIT;
        }
        return Admission.OK;
    }

    /** Undoes {@link #admit}. */
    public void release(String ip) {
        total.decrementAndGet();
        if (maxPerIp > 0) {
            decrement(perIp, ip);
        }
    }

    /** Counts one more connection of {@code userId}; false if the user is at the limit. */
    public boolean acquireUser(String userId) {
        return increment(perUser, userId, maxPerUser > 0 ? maxPerUser : Integer.MAX_VALUE);
    }

    public void releaseUser(String userId) {
        decrement(perUser, userId);
    }

    public void anonymousJoined() {
        anonymous.incrementAndGet();
    }

    public void anonymousLeft() {
        anonymous.decrementAndGet();
    }

    public int total() {
        return total.get();
    }

    public int anonymousCount() {
        return anonymous.get();
    }

    public int uniqueUsers() {
        return perUser.size();
    }

    public int authenticatedCount() {
        int n = 0;
        for (int c : perUser.values()) {
            n += c;
        }
        return n;
    }

    /** Connections of one user on this node. */
    public int userConnections(String userId) {
        return perUser.getOrDefault(userId, 0);
    }

    /** (userId, connectionCount) pairs, a weakly consistent snapshot. */
    public List<Map.Entry<String, Integer>> userConnections() {
        return new ArrayList<>(perUser.entrySet());
    }

    private static boolean increment(Map<String, Integer> map, String key, int max) {
        boolean[] ok = {false};
        map.compute(key, (k, v) -> {
            int n = v == null ? 0 : v;
            if (n >= max) {
                return v;
            }
            ok[0] = true;
            return n + 1;
        });
        return ok[0];
    }

    private static void decrement(Map<String, Integer> map, String key) {
        map.computeIfPresent(key, (k, v) -> v <= 1 ? null : v - 1);
    }
}
