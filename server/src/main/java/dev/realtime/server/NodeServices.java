package dev.realtime.server;

import dev.realtime.config.GatewayConfig;
import dev.realtime.ingest.EventForwarding;
import dev.realtime.ingest.EventIngest;
import dev.realtime.ingest.ForwardRule;
import dev.realtime.ingest.MessageClaims;
import dev.realtime.ingest.RecordException;
import dev.realtime.ingest.RedisIngest;
import dev.realtime.ingest.RouteTable;
import dev.realtime.ingest.SourceKind;
import dev.realtime.ingest.kafka.KafkaForwarder;
import dev.realtime.ingest.kafka.KafkaIngest;
import dev.realtime.ingest.kafka.KafkaSettings;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.notify.NotificationService;
import dev.realtime.presence.PresenceListener;
import dev.realtime.presence.PresenceTracker;
import dev.realtime.room.RoomService;
import dev.realtime.session.SessionListener;
import dev.realtime.store.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services around the rooms that talk to the shared stores and to Kafka and Redis: presence,
 * the notification inbox, route-table ingestion (Kafka topics, Redis channels, HTTP sources) and
 * forwarding to Kafka. Built and started by {@link GatewayServer}, closed in reverse order.
 * Every part is optional by configuration: without Redis the stores are in memory and no channel is
 * read; without {@code KAFKA_BROKERS} nothing is consumed or forwarded.
 *
 * <p>Threading: built, started and closed by the thread that starts the node; each service owns
 * its own threads (documented on each).
 */
final class NodeServices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeServices.class);

    final RouteTable routes;
    final Stores stores;
    final PresenceTracker presence;
    final NotificationService notifications;
    final EventIngest ingest;
    final KafkaForwarder forwarder;
    final EventForwarding forwarding;
    final SessionListener sessionListener;
    private final RedisIngest redisIngest;
    private final KafkaIngest kafkaIngest;

    NodeServices(GatewayConfig config, Stores stores, RouteTable routes, RoomService rooms, GatewayMetrics metrics) {
        this.routes = routes;
        this.stores = stores;
        presence = new PresenceTracker(stores.presence(), config.nodeId(),
                () -> metrics.storeErrors.labels("presence").inc());
        forwarder = config.kafkaEnabled() ? new KafkaForwarder(config.kafkaBrokers(), config.nodeId(), metrics) : null;
        if (config.notifyAckTopic() != null && forwarder == null) {
            log.warn("NOTIFY_ACK_TOPIC is set but KAFKA_BROKERS is not: unacked notifications are not forwarded");
        }
        notifications = new NotificationService(stores.inbox(), rooms, metrics, config.nodeId(), forwarder,
                config.notifyAckTopic(), Duration.ofMillis(config.notifyAckTimeoutMs()), notifyLimits(config));
        ingest = new EventIngest(routes, rooms, notifications, metrics, new MessageClaims(stores.keyValue()));
        if (forwarder != null && !routes.forwardRules().isEmpty()) {
            forwarding = new EventForwarding(routes, forwarder, config.nodeId());
        } else {
            // Rules for server events (the bundled match:completed one) just stay idle without Kafka.
            if (routes.forwardRules().stream().anyMatch(r -> r.kind() != ForwardRule.Kind.EVENT)) {
                log.warn("the route table forwards events to Kafka but KAFKA_BROKERS is not set: nothing is forwarded");
            }
            forwarding = null;
        }
        List<SessionListener> listeners = new ArrayList<>();
        listeners.add(new PresenceListener(presence, config.clustered() ? config.maxConnectionsPerUser() : 0));
        listeners.add(notifications);
        if (forwarding != null) {
            listeners.add(forwarding);
        }
        sessionListener = SessionListener.of(listeners);
        redisIngest = config.clustered() ? new RedisIngest(dev.realtime.cluster.Backends.seeds(config),
                config.redisMode() == GatewayConfig.RedisMode.CLUSTER, config.redisPassword(), ingest, metrics,
                config.nodeId()) : null;
        kafkaIngest = config.kafkaEnabled() && !routes.kafkaTopics().isEmpty()
                ? new KafkaIngest(new KafkaSettings(config.kafkaBrokers(), config.kafkaConsumerGroup(),
                        config.kafkaDlqTopic(), config.kafkaOffsetReset(), config.maxRecordBytes(), Duration.ofSeconds(5),
                        config.kafkaDlqMaxAttempts()),
                        routes.kafkaTopics(), this::onKafkaRecord, metrics)
                : null;
    }

    private static NotificationService.Limits notifyLimits(GatewayConfig config) {
        return new NotificationService.Limits(NotificationService.MAX_QUEUED, config.notifyQueueMaxBytes(),
                config.notifyReplayMaxBytes(), NotificationService.DEFAULT_READS_PER_CONNECTION,
                Duration.ofMillis(config.notifyDrainTimeoutMs()));
    }

    /** The Kafka consumer's handler: null when handed off, else the dead-letter reason. */
    private String onKafkaRecord(String topic, byte[] key, byte[] value) {
        try {
            ingest.ingest(SourceKind.KAFKA, topic, routes.parseRecord(value));
            return null;
        } catch (RecordException e) {
            return e.reason().label();
        }
    }

    void start() {
        presence.start();
        notifications.start();
        if (redisIngest != null) {
            redisIngest.start();
        }
        if (kafkaIngest != null) {
            kafkaIngest.start();
        }
        log.info("routes from {}: {} routes, kafka topics {}, redis patterns {}, http sources {}, {} forward rules",
                routes.origin(), routes.routeCount(), routes.kafkaTopics(), routes.redisPatterns(),
                routes.httpSources(), routes.forwardRules().size());
    }

    /** Adds the health checks (and an up/down gauge each) of what this node is configured to use. */
    void addChecks(Dependencies.Builder deps, GatewayMetrics metrics) {
        if (stores.shared()) {
            deps.add("presence", presence::healthy);
            metrics.gauge("realtime_presence_up", "1 while the shared presence store answers heartbeats",
                    () -> presence.healthy() ? 1 : 0);
        }
        if (redisIngest != null) {
            deps.add("redis-ingest", redisIngest::healthy);
            metrics.gauge("realtime_redis_ingest_up", "1 while the routed Redis channels are subscribed",
                    () -> redisIngest.healthy() ? 1 : 0);
        }
        if (kafkaIngest != null) {
            deps.add("kafka", kafkaIngest::healthy);
            metrics.gauge("realtime_kafka_up", "1 while the Kafka cluster answers the consumer",
                    () -> kafkaIngest.healthy() ? 1 : 0);
        }
    }

    /** Stops consuming first, then the services that deliver; each step runs whatever the others did. */
    @Override
    public void close() {
        List<AutoCloseable> order = new ArrayList<>();
        if (kafkaIngest != null) {
            order.add(kafkaIngest);
        }
        if (redisIngest != null) {
            order.add(redisIngest);
        }
        order.add(notifications);
        order.add(presence);
        if (forwarder != null) {
            order.add(forwarder);
        }
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        // The stores are closed by the server after the room history, which still appends meanwhile.
    }
}
