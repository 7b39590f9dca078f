package dev.realtime.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.ingest.kafka.KafkaForwarder;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.store.InboxStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User notifications through the per-user inbox: each one is stored first (getting its
 * {@code notificationId}), then delivered live to every device of the user through their
 * {@code user:{id}} room (on whichever node holds them), replayed in order on each connect until a
 * device acks it with the {@code notifications:read} emit (which tells the user's other devices with
 * {@code notification:read}), and, when {@code NOTIFY_ACK_TOPIC} is set, forwarded to Kafka at most
 * once (one node claims it cluster-wide before producing; a produce that fails is not retried) if
 * nobody acked it within {@code NOTIFY_ACK_TIMEOUT_MS}.
 *
 * <p>Delivery is at least once: a notification stored while the user connects can arrive live and
 * again in the replay; clients de-duplicate by {@code notificationId}. Object payloads get a
 * {@code notificationId} field; other payloads are delivered live only (nothing to put an id on).
 * When the inbox store is unreachable the notification is still delivered live, without an id.
 *
 * <p>Threading: the public methods never block; store calls (network I/O with Redis) run on this
 * service's own thread, which holds no state besides the store.
 */
public final class NotificationService implements SessionListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotificationService.class);
    /** The emit a device sends to acknowledge a notification. */
    public static final String READ_EMIT = "notifications:read";
    /** What the user's devices get when one of them acked a notification (seed 002's name). */
    public static final String READ_EVENT = "notification:read";
    static final String ID_FIELD = "notificationId";

    private final InboxStore inbox;
    private final RoomService rooms;
    private final GatewayMetrics metrics;
    private final KafkaForwarder forwarder;
    private final String ackTopic;
    private final Duration ackTimeout;
    private final java.util.concurrent.ScheduledThreadPoolExecutor thread;
    /** Most notifications waiting for the store before new ones skip the inbox. */
    static final int MAX_QUEUED = 100_000;

    /**
     * @param forwarder where unacked notifications go ({@code null}: nowhere)
     * @param ackTopic  the Kafka topic for them ({@code null}: not forwarded)
     */
    public NotificationService(InboxStore inbox, RoomService rooms, GatewayMetrics metrics, String nodeId,
                               KafkaForwarder forwarder, String ackTopic, Duration ackTimeout) {
        this.inbox = inbox;
        this.rooms = rooms;
        this.metrics = metrics;
        this.forwarder = ackTopic == null ? null : forwarder;
        this.ackTopic = ackTopic;
        this.ackTimeout = ackTimeout;
        this.thread = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rt-notify-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the unacked-notification sweep when a topic is configured. */
    public NotificationService start() {
        if (forwarder != null) {
            long every = Math.max(50, Math.min(ackTimeout.toMillis() / 2, 5_000));
            thread.scheduleWithFixedDelay(this::forwardUnacked, every, every, TimeUnit.MILLISECONDS);
            log.info("notifications not acked within {} ms go to kafka topic {}", ackTimeout.toMillis(), ackTopic);
        }
        return this;
    }

    /**
     * Stores and delivers one notification to every device of {@code userId}. Never blocks: the store
     * call is queued to this service's thread; with more than {@link #MAX_QUEUED} waiting (the store
     * is slow or away) the notification is delivered live only, without an id, and counted.
     */
    public void notifyUser(String userId, String event, JsonNode data) {
        if (!(data instanceof ObjectNode object)) {
            publish(userId, event, data);
            return;
        }
        if (!tryQueue(() -> store(userId, event, object))) {
            publish(userId, event, object); // queue full or shutting down: live only
        }
    }

    /**
     * As {@link #notifyUser}, but stores on the calling thread before returning, so a Kafka consumer
     * commits the record's offset only once the notification is in the inbox (at-least-once).
     * Blocks for a store round trip: never call it on an event loop or a shard.
     */
    public void notifyUserNow(String userId, String event, JsonNode data) {
        if (data instanceof ObjectNode object) {
            store(userId, event, object);
        } else {
            publish(userId, event, data);
        }
    }

    /**
     * Runs {@code task} on this service's thread, where blocking store calls belong; with the queue
     * full it is dropped (and counted). Never blocks.
     */
    public void queue(Runnable task) {
        tryQueue(task);
    }

    private boolean tryQueue(Runnable task) {
        if (thread.getQueue().size() < MAX_QUEUED) {
            try {
                thread.execute(task);
                return true;
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // shutting down: counted like a full queue
            }
        }
        metrics.notifications.labels("queue_full").inc();
        return false;
    }

    private void store(String userId, String event, ObjectNode data) {
        ObjectNode stored = JsonNodeFactory.instance.objectNode();
        stored.put("event", event);
        stored.set("data", data);
        InboxStore.Notification n;
        try {
            n = inbox.add(userId, Json.bytes(stored));
        } catch (RuntimeException e) {
            metrics.notifications.labels("store_error").inc();
            metrics.storeErrors.labels("inbox").inc();
            publish(userId, event, data);
            return;
        }
        metrics.notifications.labels("stored").inc();
        publish(userId, event, withId(data, n.id()));
    }

    private void publish(String userId, String event, JsonNode data) {
        rooms.publish(null, RoomPolicy.userRoom(userId),
                new ServerMessage.Event(null, event, data == null ? null : Json.payload(data), null, null),
                "notify", null);
    }

    private static ObjectNode withId(ObjectNode data, String id) {
        ObjectNode copy = data.deepCopy();
        copy.put(ID_FIELD, id);
        return copy;
    }

    /** On connect: the user's unread notifications, oldest first, to this connection only. */
    @Override
    public void connected(Session session) {
        if (session.principal().anonymous()) {
            return;
        }
        String userId = session.principal().userId();
        thread.execute(() -> {
            List<InboxStore.Notification> unread;
            try {
                unread = inbox.unread(userId, inbox.capacity());
            } catch (RuntimeException e) {
                metrics.storeErrors.labels("inbox").inc();
                return;
            }
            if (unread.isEmpty()) {
                return;
            }
            List<ServerMessage.Event> events = unread.stream().map(NotificationService::replayEvent)
                    .filter(java.util.Objects::nonNull).toList();
            metrics.notifications.labels("replayed").inc(events.size());
            session.loop().execute(() -> events.forEach(session::send));
        });
    }

    private static ServerMessage.Event replayEvent(InboxStore.Notification n) {
        try {
            JsonNode stored = Json.MAPPER.readTree(n.payload());
            JsonNode data = stored.get("data");
            if (!(data instanceof ObjectNode object) || !stored.path("event").isTextual()) {
                return null;
            }
            return new ServerMessage.Event(null, stored.get("event").asText(), Json.payload(withId(object, n.id())),
                    null, null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The {@code notifications:read} emit: {@code {"notificationId":"42"}}. */
    public void read(EmitContext ctx) {
        if (ctx.principal().anonymous()) {
            ctx.fail(ErrorCode.FORBIDDEN, "anonymous connections have no notifications");
            return;
        }
        String id = notificationId(ctx.data());
        if (id == null) {
            ctx.fail(ErrorCode.INVALID_MESSAGE, "data.notificationId must be a notification id");
            return;
        }
        String userId = ctx.principal().userId();
        thread.execute(() -> {
            boolean removed;
            try {
                removed = inbox.markRead(userId, id);
            } catch (RuntimeException e) {
                metrics.storeErrors.labels("inbox").inc();
                ctx.fail(ErrorCode.UNAVAILABLE, "the notification inbox is unavailable, try again");
                return;
            }
            if (removed) {
                metrics.notifications.labels("read").inc();
                publish(userId, READ_EVENT, JsonNodeFactory.instance.objectNode().put(ID_FIELD, id));
            }
            ctx.reply(Json.payload(Json.obj(ID_FIELD, id, "read", removed)));
        });
    }

    /** The id from the emit data: a string or an integer, as clients send either. */
    static String notificationId(Payload data) {
        if (data == null || !data.isJson()) {
            return null;
        }
        try {
            JsonNode id = Json.MAPPER.readTree(data.bytes()).get(ID_FIELD);
            if (id != null && (id.isTextual() && !id.asText().isBlank() && id.asText().length() <= 64 || id.isIntegralNumber())) {
                return id.asText();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** On the service thread: claims and forwards notifications nobody acked in time. */
    private void forwardUnacked() {
        try {
            for (InboxStore.Pending p : inbox.unackedOlderThan(ackTimeout, 500)) {
                if (!inbox.markForwarded(p.userId(), p.notification().id())) {
                    continue; // another node claimed it
                }
                ObjectNode record = JsonNodeFactory.instance.objectNode();
                record.put("type", "notification.unacked");
                record.put("userId", p.userId());
                record.put(ID_FIELD, p.notification().id());
                record.put("createdAt", Instant.ofEpochMilli(p.notification().createdAtMillis()).toString());
                JsonNode stored = Json.MAPPER.readTree(p.notification().payload());
                record.set("event", stored.get("event"));
                record.set("data", stored.get("data"));
                if (forwarder.send("unacked", ackTopic, p.userId(), Json.bytes(record))) {
                    metrics.notifications.labels("forwarded").inc();
                }
            }
        } catch (IOException | RuntimeException e) {
            metrics.storeErrors.labels("inbox").inc();
            log.debug("unacked-notification sweep failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
