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
        InboxGroups inboxGroups = null;
        for (Delivery d : result.deliveries()) {
            if (d.inbox() && d.target() instanceof Target.User user) {
                if (kind == SourceKind.REDIS) {
                    if (claimFirst == null) {
                        claimFirst = new ArrayList<>();
                    }
                    claimFirst.add(d);
                } else {
                    if (inboxGroups == null) {
                        inboxGroups = new InboxGroups();
                    }
                    inboxGroups.add(d.event(), d.data(), user.userId());
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
        if (inboxGroups != null) {
            // One payload for many users (a userIds target) is stored once, not once per user.
            boolean now = kind == SourceKind.KAFKA; // the consumer thread may block: store before the record counts as handed off
            inboxGroups.forEach((event, data, users) -> {
                if (now) {
                    notifications.notifyUsersNow(users, event, data);
                } else {
                    notifications.notifyUsers(users, event, data); // an event loop: queue it
                }
            });
        }
        if (claimFirst != null) {
            // Every node got this Redis message: one claims it and stores the notifications. The
            // claim and the stores run on the notification thread, never on the pub/sub thread
            // (which must keep reading, and answer the watchdog's pings).
            List<Delivery> mine = claimFirst;
            boolean queued = notifications.queue(() -> {
                if (claims.claim(channel, raw)) {
                    InboxGroups groups = new InboxGroups();
                    for (Delivery d : mine) {
                        groups.add(d.event(), d.data(), ((Target.User) d.target()).userId());
                    }
                    groups.forEach((event, data, users) -> notifications.notifyUsersNow(users, event, data));
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

    /**
     * Inbox deliveries grouped by event and payload (by identity: a route's deliveries share theirs),
     * in the order the groups first appeared. A record yields few groups, so a list scan is enough.
     */
    private static final class InboxGroups {
        private record Group(String event, JsonNode data, List<String> users) {
        }

        private final List<Group> groups = new ArrayList<>(2);

        void add(String event, JsonNode data, String userId) {
            for (Group g : groups) {
                if (g.data == data && g.event.equals(event)) {
                    g.users.add(userId);
                    return;
                }
            }
            List<String> users = new ArrayList<>();
            users.add(userId);
            groups.add(new Group(event, data, users));
        }

        interface Each {
            void accept(String event, JsonNode data, List<String> users);
        }

        void forEach(Each each) {
            groups.forEach(g -> each.accept(g.event, g.data, g.users));
        }
    }
}
