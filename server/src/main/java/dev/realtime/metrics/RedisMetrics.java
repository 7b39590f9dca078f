package dev.realtime.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;

/**
 * The Redis-side metrics of a node: Redis Cluster redirections and failovers, and what the outage
 * buffers of the bus and the room history hold, replay and refuse. Registered once per
 * {@link GatewayMetrics} (its {@code redis} field); gauges are registered by their owners through
 * {@link GatewayMetrics#gauge}. Thread-safe: the simpleclient collectors are.
 */
public final class RedisMetrics {
    public final Counter redirections;
    public final Counter failovers;
    public final Counter busBuffered;
    public final Counter busReplayed;
    public final Counter busOverflow;
    public final Counter busDuplicates;
    public final Counter busDrainDropped;
    public final Counter historyBuffered;
    public final Counter historyReplayed;
    public final Counter historyOverflow;

    RedisMetrics(CollectorRegistry registry) {
        redirections = Counter.build("realtime_redis_redirections_total",
                "Redis Cluster redirections followed (MOVED, ASK), by kind").labelNames("kind").register(registry);
        failovers = Counter.build("realtime_redis_failovers_total",
                "Redis Cluster slot ranges seen taken over by a new primary (a replica promoted)").register(registry);
        busBuffered = Counter.build("realtime_bus_buffered_total",
                "Bus messages that could not be sent at once (Redis unreachable, slot moving) and waited in the outage buffer")
                .register(registry);
        busReplayed = Counter.build("realtime_bus_replayed_total",
                "Bus messages sent after waiting in the outage buffer, or sent again after a failure").register(registry);
        busOverflow = Counter.build("realtime_bus_overflow_total",
                "Bus messages refused because the outage buffer (BUS_OUTAGE_BUFFER_BYTES) was full").register(registry);
        busDuplicates = Counter.build("realtime_bus_duplicates_total",
                "Copies of bus messages (from a publisher's replay) dropped by this receiver").register(registry);
        busDrainDropped = Counter.build("realtime_bus_shutdown_dropped_total",
                "Bus messages still unsent when the shutdown drain deadline passed").register(registry);
        historyBuffered = Counter.build("realtime_history_buffered_total",
                "History appends kept in the outage backlog because the store could not be reached").register(registry);
        historyReplayed = Counter.build("realtime_history_replayed_total",
                "History appends written from the outage backlog once the store answered").register(registry);
        historyOverflow = Counter.build("realtime_history_overflow_total",
                "History appends lost: the outage backlog was full, or still held at shutdown").register(registry);
    }
}
