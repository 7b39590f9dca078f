package dev.realtime.store;

import dev.realtime.testing.RedisCluster;
import dev.realtime.testing.RedisServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * Per-test Redis access for the store tests: every "node" gets its own client (a pool on one
 * server, or a cluster client that discovers the cluster from one seed), all nodes of one test
 * share a unique key prefix (so tests never see each other's keys), and {@link #close()} closes the
 * clients. The server or cluster itself is started once by the caller.
 */
public final class RedisStoreFixture implements AutoCloseable {
    private final RedisServer server;
    private final RedisCluster cluster;
    private final List<UnifiedJedis> clients = new ArrayList<>();
    public final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";

    RedisStoreFixture(RedisServer server) {
        this.server = server;
        this.cluster = null;
    }

    RedisStoreFixture(RedisCluster cluster) {
        this.server = null;
        this.cluster = cluster;
    }

    /** A new client: one node's connection to the shared server or cluster. */
    public synchronized UnifiedJedis node() {
        UnifiedJedis client = cluster == null
                ? Stores.pool(new HostAndPort("127.0.0.1", server.port()), null, 16)
                : RedisClusterClient.create(Set.of(cluster.nodes().get(0).address()), null, 8, kind -> { });
        clients.add(client);
        return client;
    }

    /** Keys under this test's prefix (for layout checks), from every primary of a cluster. */
    public Set<String> keys() {
        if (cluster == null) {
            return node().keys(prefix + "*");
        }
        Set<String> keys = new HashSet<>();
        for (RedisCluster.Node n : cluster.primaries()) {
            try (Jedis j = n.jedis()) {
                keys.addAll(j.keys(prefix + "*"));
            }
        }
        return keys;
    }

    @Override
    public synchronized void close() {
        clients.forEach(UnifiedJedis::close);
        clients.clear();
    }
}
