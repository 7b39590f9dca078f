package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.notify.NotificationService;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomService;
import dev.realtime.server.Json;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns routed events (from Kafka, Redis or HTTP) into publishes: each {@link Delivery} the
 * {@link RouteTable} produces becomes a server-side publish to its room (which the cluster bus
 * carries to the nodes holding members), or goes through the notification inbox when the route
 * asks for it. Deliveries whose template lacked a field are skipped and counted; the rest proceed.
 *
 * <p>Threading: stateless and thread-safe; called from the Kafka consumer thread, the Redis
 * subscriber thread and event loops (HTTP). It blocks only on the Kafka consumer thread (to store
 * an inbox notification before the record counts as handed off).
 */
public final class EventIngest {
    private static final Logger log = LoggerFactory.getLogger(EventIngest.class);

    private final RouteTable table;
    private final RoomService rooms;
    private final NotificationService notifications;
    private final GatewayMetrics metrics;
    private final MessageClaims claims;

    public EventIngest(RouteTable table, RoomService rooms, NotificationService notifications, GatewayMetrics metrics,
                       MessageClaims claims) {
        this.table = table;
        this.rooms = rooms;
        this.notifications = notifications;
        this.metrics = metrics;
        this.claims = claims;
    }

    public RouteTable table() {
        return table;
    }

    /** Routes and hands off one record from {@code kind}'s source {@code name}. */
    public RouteResult ingest(SourceKind kind, String name, JsonNode record) {
        return deliver(kind, table.route(kind, name, record));
    }

    /**
     * Routes and hands off one Redis {@code pmessage}. Redis gives every node its own copy, so each
     * node delivers only to its local members (nothing goes over the bus, or users would get one copy
     * per node), and an inbox notification is stored by the one node that claims the message first.
     *
     * @param raw the message as received, the identity of the claim
     */
    public RouteResult ingestRedis(String pattern, String channel, JsonNode record, byte[] raw) {
        return deliver(SourceKind.REDIS, table.routeRedis(pattern, channel, record), channel, raw);
    }

    private RouteResult deliver(SourceKind kind, RouteResult result) {
        return deliver(kind, result, null, null);
    }

    private RouteResult deliver(SourceKind kind, RouteResult result, String channel, byte[] raw) {
        String source = kind.key();
        if (result.skipped() > 0) {
            metrics.ingestSkipped.labels(source).inc(result.skipped());
            if (log.isDebugEnabled()) {
                log.debug("{} deliveries skipped: {}", result.skipped(), result.reasons());
            }
        }
        // Deliveries of one route share their data node: serialise it once.
        Map<JsonNode, Payload> encoded = new IdentityHashMap<>();
        boolean everyNodeHasIt = kind == SourceKind.REDIS;
        List<Delivery> claimFirst = null;
        for (Delivery d : result.deliveries()) {
            if (d.inbox() && d.target() instanceof Target.User user) {
                if (kind == SourceKind.KAFKA) {
                    // The consumer thread may block: store before the record counts as handed off.
                    notifications.notifyUserNow(user.userId(), d.event(), d.data());
                } else if (kind == SourceKind.HTTP) {
                    notifications.notifyUser(user.userId(), d.event(), d.data()); // an event loop: queue it
                } else {
                    if (claimFirst == null) {
                        claimFirst = new ArrayList<>();
                    }
                    claimFirst.add(d);
                }
                continue;
            }
            Payload data = encoded.computeIfAbsent(d.data(), Json::payload);
            ServerMessage.Event event = new ServerMessage.Event(d.target().carriesRoom() ? d.room() : null,
                    d.event(), data, null, null);
            if (everyNodeHasIt) {
                rooms.deliverLocally(d.room(), event, source);
            } else {
                rooms.publish(null, d.room(), event, source, null);
            }
        }
        if (claimFirst != null) {
            // Every node got this Redis message: one claims it and stores the notifications. The
            // claim and the stores run on the notification thread, never on the pub/sub thread
            // (which must keep reading, and answer the watchdog's pings).
            List<Delivery> mine = claimFirst;
            boolean queued = notifications.queue(() -> {
                if (claims.claim(channel, raw)) {
                    for (Delivery d : mine) {
                        notifications.notifyUserNow(((Target.User) d.target()).userId(), d.event(), d.data());
                    }
                }
            });
            if (!queued) {
                // This node's inbox queue is full (or it is stopping): it does not claim the message,
                // so another node may; counted here either way.
                metrics.ingestRejected.labels(source, "queue_full").inc(mine.size());
            }
        }
        metrics.ingestDeliveries.labels(source).inc(result.deliveries().size());
        return result;
    }

}
