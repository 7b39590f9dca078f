package dev.realtime.store;

import dev.realtime.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * Per-test Redis access for the store tests: every "node" gets its own pool, all nodes of one test
 * share a unique key prefix (so tests never see each other's keys), and {@link #close()} closes the
 * pools. The server itself is started once per test class by the caller.
 */
public final class RedisStoreFixture implements AutoCloseable {
    private final RedisServer server;
    private final List<JedisPooled> pools = new ArrayList<>();
    public final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";

    RedisStoreFixture(RedisServer server) {
        this.server = server;
    }

    /** A new pool: one node's connection to the shared server. */
    public synchronized JedisPooled node() {
        JedisPooled pool = Stores.pool(new HostAndPort("127.0.0.1", server.port()), null, 16);
        pools.add(pool);
        return pool;
    }

    /** Keys under this test's prefix (for layout checks). */
    public java.util.Set<String> keys() {
        return node().keys(prefix + "*");
    }

    @Override
    public synchronized void close() {
        pools.forEach(JedisPooled::close);
        pools.clear();
    }
}
