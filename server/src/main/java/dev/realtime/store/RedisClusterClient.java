package dev.realtime.store;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.ClusterCommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.executors.ClusterCommandExecutor;
import redis.clients.jedis.executors.CommandExecutor;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * The stores' client for Redis Cluster: a {@link UnifiedJedis} that routes each command by its key's
 * slot, follows {@code MOVED} (refreshing the slot map) and {@code ASK}, and retries on another
 * connection when a primary fails over. Unlike {@code new JedisCluster(...)} it never fails to build:
 * the seed nodes are contacted on the first command (and again, at most once a second, until one
 * answers), so a node whose Redis is down at startup starts degraded and recovers by itself.
 *
 * <p>Bounds: 2 s to connect and per reply, at most 3 attempts and 1 s of retrying per command: a
 * failover in progress refuses connections or answers {@code CLUSTERDOWN} until the replica is
 * promoted, and a caller is better off failing fast into its own outage handling (the history keeps
 * the append for later, presence defers, the callers' breakers skip the store for a while) than
 * holding its thread for the whole failover. Every redirection is reported to {@code onRedirect} ({@code "moved"}
 * or {@code "ask"}) for the metrics.
 *
 * <p>Threading: thread-safe; the executor is created once under a lock, then read without one.
 */
public final class RedisClusterClient {
    static final int MAX_ATTEMPTS = 3;
    static final Duration MAX_RETRY = Duration.ofSeconds(1);
    private static final long RETRY_INIT_NANOS = 1_000_000_000L;

    private RedisClusterClient() {
    }

    /**
     * A cluster client over {@code seeds}.
     *
     * @param maxConnections per cluster node
     * @param onRedirect     told {@code "moved"} or {@code "ask"} for every redirection; must not block
     */
    public static UnifiedJedis create(Set<HostAndPort> seeds, String password, int maxConnections,
                                      Consumer<String> onRedirect) {
        return new UnifiedJedis(new LazyExecutor(Set.copyOf(seeds), RedisSupport.clientConfig(password),
                RedisSupport.poolConfig(maxConnections), onRedirect), null,
                new ClusterCommandObjects());
    }

    /** Builds the cluster executor on first use; until a seed answers, every command fails fast. */
    private static final class LazyExecutor implements CommandExecutor {
        private final Set<HostAndPort> seeds;
        private final JedisClientConfig config;
        private final ConnectionPoolConfig pool;
        private final Consumer<String> onRedirect;
        private volatile ClusterCommandExecutor delegate;
        private long nextAttemptNanos = System.nanoTime(); // guarded by this
        private boolean closed; // guarded by this

        LazyExecutor(Set<HostAndPort> seeds, JedisClientConfig config, ConnectionPoolConfig pool,
                     Consumer<String> onRedirect) {
            this.seeds = seeds;
            this.config = config;
            this.pool = pool;
            this.onRedirect = onRedirect;
        }

        private ClusterCommandExecutor delegate() {
            ClusterCommandExecutor d = delegate;
            if (d != null) {
                return d;
            }
            synchronized (this) {
                if (delegate != null) {
                    return delegate;
                }
                if (closed) {
                    throw new JedisConnectionException("redis cluster client is closed");
                }
                long now = System.nanoTime();
                if (now - nextAttemptNanos < 0) {
                    throw new JedisConnectionException("redis cluster unreachable (no seed node answered a moment ago)");
                }
                try {
                    ClusterConnectionProvider provider = new ClusterConnectionProvider(seeds, config, pool);
                    delegate = new Metered(provider, onRedirect);
                    return delegate;
                } catch (JedisException e) {
                    nextAttemptNanos = now + RETRY_INIT_NANOS;
                    throw new JedisConnectionException("redis cluster unreachable: no seed node of " + seeds
                            + " answered CLUSTER SLOTS", e);
                }
            }
        }

        @Override
        public <T> T executeCommand(CommandObject<T> commandObject) {
            return delegate().executeCommand(commandObject);
        }

        @Override
        public <T> T broadcastCommand(CommandObject<T> commandObject) {
            return delegate().broadcastCommand(commandObject);
        }

        @Override
        public void close() {
            ClusterCommandExecutor d;
            synchronized (this) {
                closed = true;
                d = delegate;
            }
            if (d != null) {
                d.close();
            }
        }
    }

    /** Counts the redirections the executor follows. */
    private static final class Metered extends ClusterCommandExecutor {
        private final Consumer<String> onRedirect;

        Metered(ClusterConnectionProvider provider, Consumer<String> onRedirect) {
            super(provider, MAX_ATTEMPTS, MAX_RETRY);
            this.onRedirect = onRedirect;
        }

        @Override
        protected <T> T execute(Connection connection, CommandObject<T> commandObject) {
            try {
                return super.execute(connection, commandObject);
            } catch (JedisMovedDataException e) {
                onRedirect.accept("moved");
                throw e;
            } catch (JedisAskDataException e) {
                onRedirect.accept("ask");
                throw e;
            }
        }
    }
}
