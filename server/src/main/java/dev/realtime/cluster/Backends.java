package dev.realtime.cluster;

import dev.realtime.config.GatewayConfig;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.store.Stores;
import java.time.Duration;
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

    /** What the configuration asks for. Never connects: Redis being down at startup is not fatal. */
    public static Backends fromConfig(GatewayConfig config, GatewayMetrics metrics) {
        if (config.redisHost() == null) {
            return single();
        }
        HostAndPort address = new HostAndPort(config.redisHost(), config.redisPort());
        return new Backends(new RedisBus(address, config.redisPassword(), config.redisKeyPrefix(), config.nodeId(), metrics),
                Stores.redis(address, config.redisPassword(), config.redisKeyPrefix(), 16, storeSettings(config)));
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
                Duration.ofMillis(config.inboxTtlMs()), config.roomHistoryMaxBytes(), config.historyMaxBytes());
    }
}
