package dev.realtime.cluster;

import dev.realtime.config.GatewayConfig;
import dev.realtime.metrics.GatewayMetrics;
import redis.clients.jedis.HostAndPort;

/**
 * The pluggable backends a node runs with, chosen from the configuration: Redis when
 * {@code REDIS_URL} (or {@code REDIS_HOST}) is set, in memory otherwise. Tests build nodes that share
 * an {@link InMemoryBus.Hub} to form a cluster inside one JVM.
 *
 * @param bus the cross-node bus, or {@code null} for a node that is alone (nothing is forwarded)
 */
public record Backends(Bus bus) {

    /** A node alone: no bus at all, so publishes cost nothing extra. */
    public static Backends single() {
        return new Backends(null);
    }

    /** A node of an in-JVM cluster whose members share {@code hub}. */
    public static Backends inMemory(InMemoryBus.Hub hub) {
        return new Backends(new InMemoryBus(hub));
    }

    /** What the configuration asks for. */
    public static Backends fromConfig(GatewayConfig config, GatewayMetrics metrics) {
        if (config.redisHost() == null) {
            return single();
        }
        return new Backends(new RedisBus(new HostAndPort(config.redisHost(), config.redisPort()),
                config.redisPassword(), config.nodeId(), metrics));
    }
}
