package dev.realtime.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * The publisher's connection to each Redis node, and which nodes are failing: a failed node is not
 * tried again for a backoff (0.1 s doubling to 1 s), and {@link #reachableSince} tells how long a
 * node has answered (a replay of messages whose receivers are unknown waits until it settled).
 *
 * <p>Threading: the publisher thread only, except {@link #failingNodes} (a volatile snapshot, for health).
 */
final class PublishConnections {
    private static final long FIRST_BACKOFF = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(1);

    private final JedisClientConfig config;
    private final Map<HostAndPort, Connection> connections = new HashMap<>();
    /** Node -> {retry at, backoff}. */
    private final Map<HostAndPort, long[]> failing = new HashMap<>();
    private final Map<HostAndPort, Long> reachableSince = new HashMap<>();
    /** The nodes in {@link #failing}, as an immutable copy other threads may read. */
    private volatile java.util.Set<HostAndPort> failingNodes = java.util.Set.of();

    PublishConnections(JedisClientConfig config) {
        this.config = config;
    }

    /** Whether {@code node} failed a moment ago (in its backoff). */
    boolean blocked(HostAndPort node, long now) {
        long[] f = failing.get(node);
        return f != null && f[0] - now > 0;
    }

    /** The connection to {@code node}, connecting if needed; null when it cannot (then call {@link #failed}). */
    Connection get(HostAndPort node, long now) {
        Connection c = connections.get(node);
        if (c != null && !c.isBroken()) {
            return c;
        }
        close(connections.remove(node));
        try {
            c = new Connection(node, config);
        } catch (RuntimeException e) {
            return null;
        }
        connections.put(node, c);
        failing.remove(node);
        failingNodes = java.util.Set.copyOf(failing.keySet());
        reachableSince.putIfAbsent(node, now);
        return c;
    }

    /** {@code node} failed: drop its connection and back off. Returns true on the first failure of an outage. */
    boolean failed(HostAndPort node, long now) {
        close(connections.remove(node));
        reachableSince.remove(node);
        long[] f = failing.get(node);
        long backoff = f == null ? FIRST_BACKOFF : Math.min(f[1] * 2, MAX_BACKOFF);
        failing.put(node, new long[] {now + backoff, backoff});
        failingNodes = java.util.Set.copyOf(failing.keySet());
        return f == null;
    }

    /** Since when {@code node} answers without a failure, or null. */
    Long reachableSince(HostAndPort node) {
        return node == null ? null : reachableSince.get(node);
    }

    /** Forgets nodes that are no longer primaries (a dead primary replaced by its replica is no concern). */
    void retain(Set<HostAndPort> primaries) {
        connections.keySet().removeIf(node -> {
            if (!primaries.contains(node)) {
                close(connections.get(node));
                return true;
            }
            return false;
        });
        failing.keySet().retainAll(primaries);
        reachableSince.keySet().retainAll(primaries);
        failingNodes = java.util.Set.copyOf(failing.keySet());
    }

    boolean anyFailing() {
        return !failing.isEmpty();
    }

    java.util.Set<HostAndPort> failingNodes() {
        return failingNodes;
    }

    void closeAll() {
        connections.values().forEach(PublishConnections::close);
        connections.clear();
    }

    static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }
}
