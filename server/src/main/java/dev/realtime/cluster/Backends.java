package dev.realtime.cluster;

import dev.realtime.config.GatewayConfig;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.store.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import redis.clients.jedis.HostAndPort;

/**
 * The pluggable backends a node runs with, chosen from the configuration: Redis when
 * {@code REDIS_URL} (or {@code REDIS_HOST}) is set, in memory otherwise. Tests build nodes that share
 * an {@link InMemoryBus.Hub} (and one in-memory {@link Stores}) to form a cluster inside one JVM.
 *
 * @param bus    the cross-node bus, or {@code null} for a node that is alone (nothing is forwarded)
 * @param stores presence, history, inbox and key/value stores, or {@code null}: in-memory stores of
 *               this node's own, built from the configuration. The node closes them when it stops.
 */
public record Backends(Bus bus, Stores stores) {

    /** A node alone: no bus at all, so publishes cost nothing extra; stores in memory. */
    public static Backends single() {
        return new Backends(null, null);
    }

    /** A node of an in-JVM cluster whose members share {@code hub} (each with stores of its own). */
    public static Backends inMemory(InMemoryBus.Hub hub) {
        return new Backends(new InMemoryBus(hub), null);
    }

    /** A node of an in-JVM cluster whose members share {@code hub} and {@code stores}. */
    public static Backends inMemory(InMemoryBus.Hub hub, Stores stores) {
        return new Backends(new InMemoryBus(hub), stores);
    }

    /**
     * What the configuration asks for: nothing shared, one Redis server, or Redis Cluster
     * ({@code REDIS_MODE=cluster}: sharded pub/sub and the cluster client for the stores). Never
     * connects: Redis being down at startup is not fatal.
     */
    public static Backends fromConfig(GatewayConfig config, GatewayMetrics metrics) {
        if (config.redisHost() == null) {
            return single();
        }
        if (config.redisMode() == GatewayConfig.RedisMode.CLUSTER) {
            List<HostAndPort> seeds = seeds(config);
            return new Backends(RedisBus.cluster(seeds, config.redisPassword(), config.redisKeyPrefix(), config.nodeId(),
                    metrics, config.busOutageBufferBytes()),
                    Stores.redisCluster(new LinkedHashSet<>(seeds), config.redisPassword(), config.redisKeyPrefix(), 16,
                            storeSettings(config), kind -> metrics.redis.redirections.labels(kind).inc()));
        }
        HostAndPort address = new HostAndPort(config.redisHost(), config.redisPort());
        return new Backends(RedisBus.standalone(address, config.redisPassword(), config.redisKeyPrefix(), config.nodeId(),
                metrics, config.busOutageBufferBytes()),
                Stores.redis(address, config.redisPassword(), config.redisKeyPrefix(), 16, storeSettings(config)));
    }

    /** The Redis nodes the configuration lists ({@code host:port} each). */
    public static List<HostAndPort> seeds(GatewayConfig config) {
        List<HostAndPort> seeds = new ArrayList<>();
        for (String node : config.redisNodes()) {
            int colon = node.lastIndexOf(':');
            seeds.add(new HostAndPort(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1))));
        }
        return seeds;
    }

    /** The stores this node uses: the given ones, or in-memory ones built from the configuration. */
    public Stores storesOrInMemory(GatewayConfig config) {
        return stores != null ? stores : Stores.inMemory(storeSettings(config));
    }

    /** Store tuning from the configuration. */
    public static Stores.Settings storeSettings(GatewayConfig config) {
        // ROOM_MESSAGE_HISTORY=0 turns history off (no journal); the store still needs a capacity.
        return new Stores.Settings(Duration.ofMillis(config.presenceTimeoutMs()), Math.max(1, config.roomHistorySize()),
                Duration.ofMillis(config.roomHistoryTtlMs()), config.inboxCapacity(),
                Duration.ofMillis(config.inboxTtlMs()), config.roomHistoryMaxBytes(), config.historyMaxBytes(),
                config.inboxMaxBytes());
    }
}
