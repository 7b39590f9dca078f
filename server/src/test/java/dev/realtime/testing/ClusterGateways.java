package dev.realtime.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Gateway nodes with {@code REDIS_MODE=cluster} over a test's {@link RedisCluster}, each given one
 * seed (the rest is discovered), under a key prefix of their own; and clients of them. Closes
 * everything it made, newest first (clients before their nodes). One per test.
 *
 * <p>Threading: the test's thread.
 */
public final class ClusterGateways implements AutoCloseable {
    private final RedisCluster cluster;
    /** The nodes' {@code REDIS_KEY_PREFIX}, unique per instance. */
    public final String prefix = "e" + UUID.randomUUID().toString().substring(0, 6) + ":";
    private final Map<String, String> env;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** @param env settings every node gets besides its id, the mode, its seed and the prefix */
    public ClusterGateways(RedisCluster cluster, Map<String, String> env) {
        this.cluster = cluster;
        this.env = Map.copyOf(env);
    }

    /** Starts node {@code id} seeded with the cluster's {@code seed}-th redis-server. */
    public TestNode node(String id, int seed) {
        Map<String, String> e = new HashMap<>(env);
        e.put("NODE_ID", id);
        e.put("REDIS_MODE", "cluster");
        e.put("REDIS_URL", "redis://127.0.0.1:" + cluster.nodes().get(seed).port());
        e.put("REDIS_KEY_PREFIX", prefix);
        return keep(TestNode.start(e));
    }

    /** A client of {@code node} as {@code user}. */
    public WsClient client(TestNode node, String user) {
        return keep(node.connect(user));
    }

    /** Closes {@code c} with the rest. */
    public <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
