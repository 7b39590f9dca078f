package dev.realtime.metrics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import io.prometheus.client.CollectorRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.function.DoubleSupplier;

/**
 * The node's Prometheus metrics, all named {@code realtime_*}, in a registry owned by this instance
 * (no static default registry, so several nodes can run in one JVM). Labels are low-cardinality
 * only: op names, results and reasons from fixed sets, never room or user ids.
 * Thread-safe: the simpleclient collectors are.
 */
public final class GatewayMetrics {
    private final CollectorRegistry registry = new CollectorRegistry(true);

    public final Counter handshakes = Counter.build("realtime_handshakes_total",
            "WebSocket handshakes by result").labelNames("result").register(registry);
    public final Counter authFailures = Counter.build("realtime_auth_failures_total",
            "Refused tokens by reason").labelNames("reason").register(registry);
    public final Counter messagesIn = Counter.build("realtime_messages_in_total",
            "Client messages received by op").labelNames("op").register(registry);
    public final Counter messagesOut = Counter.build("realtime_messages_out_total",
            "Messages sent to clients by op, excluding fan-out deliveries").labelNames("op").register(registry);
    public final Counter publishes = Counter.build("realtime_publishes_total",
            "Events published to rooms by source").labelNames("source").register(registry);
    public final Counter deliveries = Counter.build("realtime_deliveries_total",
            "Event deliveries written to connections").register(registry);
    public final Counter droppedDeliveries = Counter.build("realtime_dropped_deliveries_total",
            "Deliveries not written because the connection was slow or gone").labelNames("reason").register(registry);
    public final Counter slowConsumerDisconnects = Counter.build("realtime_slow_consumer_disconnects_total",
            "Connections closed because their outbound buffer stayed full").register(registry);
    public final Counter rateLimited = Counter.build("realtime_rate_limited_total",
            "Client messages refused by the rate limiter").register(registry);
    public final Counter abuseDisconnects = Counter.build("realtime_abuse_disconnects_total",
            "Connections closed with 4429 for sustained rate-limit violation").register(registry);
    public final Counter errorsSent = Counter.build("realtime_errors_total",
            "Error replies and error messages sent, by code").labelNames("code").register(registry);
    public final Counter closes = Counter.build("realtime_closes_total",
            "Connections closed by the server, by close code").labelNames("code").register(registry);
    public final Counter httpRequests = Counter.build("realtime_http_requests_total",
            "HTTP requests by route and the status they were answered with").labelNames("route", "status").register(registry);
    public final Counter httpSlowClients = Counter.build("realtime_http_slow_clients_total",
            "Plain HTTP connections closed because they sent requests without reading the answers").register(registry);
    public final Counter httpRefused = Counter.build("realtime_http_refused_total",
            "HTTP connections refused before a request was read, by reason (too_many_http_connections, head_timeout)")
            .labelNames("reason").register(registry);
    public final Counter busPublishes = Counter.build("realtime_bus_publishes_total",
            "Room events sent to other nodes over the bus").register(registry);
    public final Counter busReceives = Counter.build("realtime_bus_receives_total",
            "Room events received from the bus").register(registry);
    public final Counter busDropped = Counter.build("realtime_bus_dropped_total",
            "Room events not sent to other nodes because the bus was down or saturated").register(registry);
    public final Counter busErrors = Counter.build("realtime_bus_errors_total",
            "Bus failures by kind (subscriber, publisher, handler, malformed, queue_full)").labelNames("kind")
            .register(registry);
    public final Counter kafkaConsumed = Counter.build("realtime_kafka_consumed_total",
            "Kafka records consumed, by topic").labelNames("topic").register(registry);
    public final Counter kafkaDeadLettered = Counter.build("realtime_kafka_dlq_total",
            "Kafka records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    public final Counter kafkaDeadLetterFailed = Counter.build("realtime_kafka_dlq_failed_total",
            "Kafka records skipped because their dead letter failed KAFKA_DLQ_MAX_ATTEMPTS times, by reason")
            .labelNames("reason").register(registry);
    public final Counter kafkaErrors = Counter.build("realtime_kafka_errors_total",
            "Kafka client failures by kind (consumer, producer)").labelNames("kind").register(registry);
    public final Gauge kafkaLag = Gauge.build("realtime_kafka_consumer_lag",
            "Records behind the end of each assigned partition").labelNames("topic", "partition").register(registry);
    public final Counter kafkaForwarded = Counter.build("realtime_kafka_forwarded_total",
            "Records produced to Kafka by forward rules and the unacked-notification fallback, by kind (emit, lifecycle, unacked)")
            .labelNames("kind").register(registry);
    public final Counter ingestDeliveries = Counter.build("realtime_ingest_deliveries_total",
            "Deliveries made from routed events, by source (kafka, redis, http)").labelNames("source").register(registry);
    public final Counter ingestSkipped = Counter.build("realtime_ingest_skipped_total",
            "Route deliveries skipped (missing template field, bad target), by source").labelNames("source")
            .register(registry);
    public final Counter ingestRejected = Counter.build("realtime_ingest_rejected_total",
            "Routed events refused whole (malformed, too_large, unrouted), by source and reason")
            .labelNames("source", "reason").register(registry);
    public final Counter notifications = Counter.build("realtime_notifications_total",
            "User notifications by outcome (stored, replayed, read, forwarded, store_error, stored_late, store_lost, forward_failed...)").labelNames("outcome")
            .register(registry);
    public final Counter storeErrors = Counter.build("realtime_store_errors_total",
            "Shared-store calls that failed (Redis unreachable), by store").labelNames("store").register(registry);
    public final Counter recoveriesTooLarge = Counter.build("realtime_history_recoveries_too_large_total",
            "Joins with since answered recovered:false because the missed events exceed HISTORY_READ_MAX_BYTES")
            .register(registry);
    public final Counter droppedPublishes = Counter.build("realtime_dropped_publishes_total",
            "Publishes refused because the room's shard or history lane was over its byte budget, by source")
            .labelNames("source").register(registry);
    public final Counter queueOverflow = Counter.build("realtime_queue_overflow_total",
            "Work refused because its queue was over its byte budget, by queue (outbox, shard, history_lane)")
            .labelNames("queue").register(registry);
    public final Gauge queueBytes = Gauge.build("realtime_queue_bytes",
            "Bytes waiting in the node's queues, by queue (outbox, shard, history_lane), summed over instances")
            .labelNames("queue").register(registry);
    public final Histogram fanoutLatency = Histogram.build("realtime_fanout_latency_seconds",
            "Time from accepting a publish to writing it on each event loop")
            .buckets(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .register(registry);

    /** Redis Cluster and outage-buffer metrics. */
    public final RedisMetrics redis = new RedisMetrics(registry);

    public GatewayMetrics() {
        DefaultExports.register(registry);
        // One figure for "Redis errors": every shared store is Redis (in memory they cannot fail) and so is the bus.
        new io.prometheus.client.Collector() {
            @Override
            public java.util.List<MetricFamilySamples> collect() {
                return java.util.List.of(new io.prometheus.client.CounterMetricFamily("realtime_redis_errors_total",
                        "Redis failures of any kind: shared-store calls and bus failures (realtime_store_errors_total"
                                + " + realtime_bus_errors_total)", total(storeErrors) + total(busErrors)));
            }
        }.register(registry);
        gauge("realtime_heap_after_gc_bytes", "Heap in use right after the last collection of each heap pool",
                GatewayMetrics::heapAfterGc);
        gauge("realtime_netty_direct_memory_bytes", "Direct memory Netty allocated without a cleaner (-1 if untracked)",
                () -> PlatformDependent.usedDirectMemory());
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            ByteBufAllocatorMetric m = p.metric();
            gauge("realtime_allocator_direct_bytes", "Direct memory held by the default buffer allocator",
                    m::usedDirectMemory);
            gauge("realtime_allocator_heap_bytes", "Heap memory held by the default buffer allocator", m::usedHeapMemory);
        }
    }

    /** Sum over heap pools of the usage measured after their last GC (what live data really costs). */
    private static double heapAfterGc() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (after != null) {
                sum += after.getUsed();
            }
        }
        return sum;
    }

    /** Registers a gauge whose value is read at scrape time. */
    public void gauge(String name, String help, DoubleSupplier value) {
        Gauge.build(name, help).create().setChild(new Gauge.Child() {
            @Override
            public double get() {
                return value.getAsDouble();
            }
        }).register(registry);
    }

    /** Reports {@code realtime_queue_bytes{queue}} as {@code value}, read at scrape time. */
    public void queueBytes(String queue, DoubleSupplier value) {
        queueBytes.setChild(new Gauge.Child() {
            @Override
            public double get() {
                return value.getAsDouble();
            }
        }, queue);
    }

    /** Registers a counter whose value is read at scrape time (a count kept elsewhere, e.g. by a store). */
    public void counter(String name, String help, DoubleSupplier value) {
        String base = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
        new io.prometheus.client.Collector() {
            @Override
            public java.util.List<MetricFamilySamples> collect() {
                return java.util.List.of(new io.prometheus.client.CounterMetricFamily(base, help, value.getAsDouble()));
            }
        }.register(registry);
    }

    // Hot-path children, cached: Counter.labels() allocates (a varargs array and a list key) on every
    // call, and these are counted once per client message or published event.
    private final java.util.concurrent.ConcurrentHashMap<String, Counter.Child> publishesBy = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Counter.Child> messagesInBy = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Counter.Child> messagesOutBy = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code realtime_publishes_total{source}} (a cached child: no allocation per publish). */
    public Counter.Child publishes(String source) {
        Counter.Child c = publishesBy.get(source);
        return c != null ? c : publishesBy.computeIfAbsent(source, k -> publishes.labels(k));
    }

    /** {@code realtime_messages_in_total{op}} (a cached child). */
    public Counter.Child messagesIn(String op) {
        Counter.Child c = messagesInBy.get(op);
        return c != null ? c : messagesInBy.computeIfAbsent(op, k -> messagesIn.labels(k));
    }

    /** {@code realtime_messages_out_total{op}} (a cached child). */
    public Counter.Child messagesOut(String op) {
        Counter.Child c = messagesOutBy.get(op);
        return c != null ? c : messagesOutBy.computeIfAbsent(op, k -> messagesOut.labels(k));
    }

    public CollectorRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (version 0.0.4). */
    public String scrape() {
        StringWriter w = new StringWriter();
        try {
            TextFormat.write004(w, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** The sum of a labelled counter's children. */
    private static double total(Counter c) {
        double sum = 0;
        for (io.prometheus.client.Collector.MetricFamilySamples f : c.collect()) {
            for (io.prometheus.client.Collector.MetricFamilySamples.Sample sample : f.samples) {
                if (sample.name.endsWith("_total")) {
                    sum += sample.value;
                }
            }
        }
        return sum;
    }
}
