package dev.realtime.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.ingest.kafka.KafkaForwarder;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.room.Subscriber;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.store.InboxStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Delivery is at least once, and once in order on one node: a notification stored while a
 * device connects is not sent twice to it (see {@link #connected}), but one stored on another node
 * during that device's inbox read can arrive live and again in the replay; clients de-duplicate by
 * {@code notificationId}. Object payloads get a
 * {@code notificationId} field; other payloads are delivered live only (nothing to put an id on).
 * When the inbox store is unreachable the notification is still delivered live, without an id.
 *
 * <p>Bounds: every task reaches the inbox thread through one bounded queue (tasks and payload
 * bytes, {@link Limits}); what it refuses is counted. A connection may have at most
 * {@link Limits#readsPerConnection} acks in flight (more are answered {@code rate_limited}), its
 * replay on connect carries at most {@link Limits#replayMaxBytes}, and {@link #close} drains the
 * queue for at most {@link Limits#drainTimeout}, counting what it drops.
 *
 * <p>Threading: the public methods never block; store calls (network I/O with Redis) run on this
 * service's own thread, which holds no state besides the store. The queue counters and the
 * per-connection ack counts are atomics shared by the callers and that thread.
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
    private final Limits limits;
    /** Tasks accepted and not started, and their bytes: the one bound every task goes through. */
    private final AtomicInteger queuedTasks = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Notifications accepted (202 / handed off) and not yet stored: what a shutdown would lose. */
    private final AtomicLong pendingNotifications = new AtomicLong();
    /** {@code notifications:read} acks queued or running, per connection. */
    private final ConcurrentHashMap<String, AtomicInteger> readsInFlight = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /** Notifications the inbox refused, stored again once it answers; owned by {@link #thread}. */
    private final StoreRetries retries;
    private boolean retryScheduled; // owned by the thread
    /** How long a notification the store refused is tried again before it is given up. */
    static final long STORE_RETRY_MS = 120_000;
    /** Set when the shutdown deadline passed: a running multi-user task stops between users. */
    private volatile boolean abandoned;
    /** Most notifications waiting for the store before new ones skip the inbox. */
    public static final int MAX_QUEUED = 100_000;

    /**
     * The bounds of this service (see {@code docs/configuration.md}, "Memory budgets").
     *
     * @param maxQueuedTasks    tasks (store a notification, replay an inbox, ack) waiting for the
     *                          inbox thread; beyond it new ones are refused and counted
     * @param maxQueuedBytes    bytes of notification payloads waiting ({@code NOTIFY_QUEUE_MAX_BYTES})
     * @param replayMaxBytes    most payload bytes replayed to one connection on connect
     *                          ({@code NOTIFY_REPLAY_MAX_BYTES}; at least one notification)
     * @param readsPerConnection {@code notifications:read} acks one connection may have in flight
     * @param drainTimeout      how long {@link #close} lets queued notifications reach the inbox
     *                          ({@code NOTIFY_DRAIN_TIMEOUT_MS})
     */
    public record Limits(int maxQueuedTasks, long maxQueuedBytes, long replayMaxBytes, int readsPerConnection,
                         Duration drainTimeout) {
        /** 100,000 tasks, 64 MiB, 1 MiB per replay, 16 acks per connection, 10 s to drain. */
        public static Limits defaults() {
            return new Limits(MAX_QUEUED, 64L << 20, 1L << 20, DEFAULT_READS_PER_CONNECTION, Duration.ofSeconds(10));
        }
    }

    /** Default {@code notifications:read} acks in flight per connection. */
    public static final int DEFAULT_READS_PER_CONNECTION = 16;

    /**
     * @param forwarder where unacked notifications go ({@code null}: nowhere)
     * @param ackTopic  the Kafka topic for them ({@code null}: not forwarded)
     */
    public NotificationService(InboxStore inbox, RoomService rooms, GatewayMetrics metrics, String nodeId,
                               KafkaForwarder forwarder, String ackTopic, Duration ackTimeout) {
        this(inbox, rooms, metrics, nodeId, forwarder, ackTopic, ackTimeout, Limits.defaults());
    }

    public NotificationService(InboxStore inbox, RoomService rooms, GatewayMetrics metrics, String nodeId,
                               KafkaForwarder forwarder, String ackTopic, Duration ackTimeout, Limits limits) {
        this.limits = limits;
        this.retries = new StoreRetries(limits.maxQueuedBytes(), TimeUnit.MILLISECONDS.toNanos(STORE_RETRY_MS));
        this.inbox = inbox;
        this.rooms = rooms;
        this.metrics = metrics;
        this.forwarder = ackTopic == null ? null : forwarder;
        this.ackTopic = ackTopic;
        this.ackTimeout = ackTimeout;
        metrics.gauge("realtime_notify_queue_tasks", "Tasks waiting for the notification inbox thread",
                queuedTasks::get);
        metrics.gauge("realtime_notify_queue_bytes", "Notification payload bytes waiting for the inbox thread",
                queuedBytes::get);
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
        long bytes = approximateBytes(object);
        if (!tryQueue(() -> {
            if (!abandoned) { // else left pending: the shutdown counts it as dropped
                store(userId, event, object);
                pendingNotifications.decrementAndGet();
            }
        }, bytes, 1)) {
            publish(userId, event, object); // queue full or shutting down: live only
        }
    }

    /**
     * Stores and delivers one notification to every device of each of {@code userIds}, as one
     * queued task: the payload is queued, accounted and serialised once, and the in-memory inbox
     * keeps one copy shared by all the users (each gets its own id). With the queue full every user
     * gets it live only, without an id (counted once).
     */
    public void notifyUsers(List<String> userIds, String event, JsonNode data) {
        if (!(data instanceof ObjectNode object)) {
            userIds.forEach(u -> publish(u, event, data));
            return;
        }
        List<String> users = List.copyOf(userIds);
        if (!tryQueue(() -> storeAll(users, event, object, true), approximateBytes(object), users.size())) {
            users.forEach(u -> publish(u, event, object));
        }
    }

    /**
     * As {@link #notifyUsers} but on the calling thread (the Kafka consumer: a record counts as
     * handed off once its notifications are in the inbox). Blocks; never on an event loop or a shard.
     */
    public void notifyUsersNow(List<String> userIds, String event, JsonNode data) {
        if (data instanceof ObjectNode object) {
            storeAll(userIds, event, object, false);
        } else {
            userIds.forEach(u -> publish(u, event, data));
        }
    }

    /** Stores one payload for many users (serialised once), then delivers each user's copy with its id. */
    private void storeAll(List<String> userIds, String event, ObjectNode data, boolean queued) {
        byte[] stored = storedForm(event, data);
        for (String userId : userIds) {
            if (queued && abandoned) {
                return; // shutdown deadline: the rest stay pending and are counted as dropped
            }
            store(userId, event, data, stored);
            if (queued) {
                pendingNotifications.decrementAndGet();
            }
        }
    }

    /** Roughly what a payload costs while queued (its JSON size); exact enough for a memory bound. */
    static long approximateBytes(JsonNode data) {
        return Json.bytes(data).length + 64L;
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
     * Runs {@code task} on this service's thread, where blocking store calls belong. Returns false
     * when the queue is full or the service is closing: the task is dropped and counted
     * ({@code realtime_notifications_total{outcome="queue_full"}}). Never blocks.
     */
    public boolean queue(Runnable task) {
        return tryQueue(task, 0, 0);
    }

    /**
     * The one door to this service's thread: every task (storing, replaying, acking, Redis claims)
     * counts against {@link Limits#maxQueuedTasks} and {@link Limits#maxQueuedBytes} until it
     * starts. A task bigger than the byte bound alone is still taken when the queue is empty.
     *
     * @param notifications how many notifications the task stores (a shutdown that drops it counts them)
     */
    private boolean tryQueue(Runnable task, long payloadBytes, int notifications) {
        long bytes = payloadBytes + TASK_BYTES;
        int tasks = queuedTasks.incrementAndGet();
        long total = queuedBytes.addAndGet(bytes);
        if (!closing && tasks <= limits.maxQueuedTasks() && (total <= limits.maxQueuedBytes() || tasks == 1)) {
            pendingNotifications.addAndGet(notifications);
            try {
                thread.execute(() -> {
                    queuedTasks.decrementAndGet();
                    queuedBytes.addAndGet(-bytes);
                    task.run();
                });
                return true;
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                pendingNotifications.addAndGet(-notifications);
            }
        }
        queuedTasks.decrementAndGet();
        queuedBytes.addAndGet(-bytes);
        metrics.notifications.labels("queue_full").inc();
        return false;
    }

    /** What a queued task costs besides its payload (the task, its captures): every task counts. */
    static final long TASK_BYTES = 1024;

    /** Tasks waiting for the inbox thread now (for tests and the gauge). */
    int queuedTasks() {
        return queuedTasks.get();
    }

    private void store(String userId, String event, ObjectNode data) {
        store(userId, event, data, storedForm(event, data));
    }

    /** What the inbox keeps: {@code {"event":..,"data":..}}; callers must not modify the array. */
    private static byte[] storedForm(String event, ObjectNode data) {
        ObjectNode stored = JsonNodeFactory.instance.objectNode();
        stored.put("event", event);
        stored.set("data", data);
        return Json.bytes(stored);
    }

    private void store(String userId, String event, ObjectNode data, byte[] stored) {
        if (retries.waiting(userId)) {
            // This user's earlier notifications wait for the store: this one goes behind them.
            publish(userId, event, data);
            keepForRetry(userId, stored);
            return;
        }
        InboxStore.Notification n;
        try {
            n = inbox.add(userId, stored);
        } catch (RuntimeException e) {
            metrics.notifications.labels("store_error").inc();
            metrics.storeErrors.labels("inbox").inc();
            // Live now (without an id: it has none yet), and into the inbox once it answers, so an
            // offline user still gets it; a device that saw it live may see it once more then.
            publish(userId, event, data);
            keepForRetry(userId, stored);
            return;
        }
        metrics.notifications.labels("stored").inc();
        publish(userId, event, withId(data, n.id()));
    }

    /** On the thread: keeps a notification the store refused for {@link #retryStores}. */
    private void keepForRetry(String userId, byte[] stored) {
        if (!retries.keep(userId, stored, System.nanoTime())) {
            metrics.notifications.labels("store_lost").inc();
            return;
        }
        if (!retryScheduled) {
            scheduleRetry();
        }
    }

    /** On the thread: stores what the inbox refused before, while it answers. */
    private void retryStores() {
        retryScheduled = false;
        StoreRetries.Outcome o = retries.retry(inbox, System.nanoTime());
        metrics.notifications.labels("stored_late").inc(o.stored());
        metrics.notifications.labels("store_lost").inc(o.givenUp());
        if (!retries.isEmpty() && !closing) {
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        try {
            thread.schedule(this::retryStores, 500, TimeUnit.MILLISECONDS);
            retryScheduled = true;
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down: what waits is lost with the node (the drain has stored what it could)
        }
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

    /**
     * On connect: the user's unread notifications, oldest first, to this connection only, before
     * anything else it is sent after {@code connected}. The connection already receives its user
     * room, so a notification stored while the inbox is read arrives live too: the connection's
     * output is held until the replay is read ({@link Session#awaitReplay}, at most {@link
     * #REPLAY_WAIT_MS}), the replay reaches it through the user room's shard (behind every live
     * copy published before the read) and goes out first, and held live copies of replayed
     * notifications are dropped. On one node each notification arrives once, in order; a
     * notification stored on another node during the read may still arrive twice.
     */
    @Override
    public void connected(Session session) {
        if (session.principal().anonymous()) {
            return;
        }
        String userId = session.principal().userId();
        if (inbox.knownEmpty(userId)) {
            // Nothing to replay (the common connect): no task, no wake-up of the inbox thread. A
            // notification still queued for the store reaches this connection live: it is in its
            // user room already.
            return;
        }
        Subscriber subscriber = session.subscriber();
        boolean queued = tryQueue(() -> {
            if (!session.isOpen()) {
                return; // gone before its turn: nothing to read for it
            }
            List<ServerMessage.Event> events = readReplay(userId);
            rooms.afterPublished(RoomPolicy.userRoom(userId), subscriber, () -> {
                int repeats = session.replayAwaited(events);
                if (repeats > 0) {
                    metrics.notifications.labels("live_repeat_dropped").inc(repeats);
                }
            });
        }, 0, 0);
        if (!queued) {
            metrics.notifications.labels("replay_skipped").inc(); // counted; the next connect replays them
            return;
        }
        session.awaitReplay();
        session.loop().schedule(() -> {
            if (session.awaitingReplay()) {
                // The inbox thread is that far behind (or the store that slow): let the connection
                // talk; the replay still comes when it is read, behind what was sent meanwhile.
                metrics.notifications.labels("replay_wait_expired").inc();
                session.replayAwaited(List.of());
            }
        }, REPLAY_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** Longest a connecting device's output waits for its unread notifications to be read. */
    static final long REPLAY_WAIT_MS = 1_000;

    /** On this service's thread: the user's unread notifications, oldest first, up to the replay budget. */
    private List<ServerMessage.Event> readReplay(String userId) {
        List<InboxStore.Notification> unread;
        try {
            unread = inbox.unread(userId, inbox.capacity());
        } catch (RuntimeException e) {
            metrics.storeErrors.labels("inbox").inc();
            return List.of();
        }
        // Oldest first, up to the replay budget (at least one): the rest stays unread for a later connect.
        List<ServerMessage.Event> events = new java.util.ArrayList<>();
        long bytes = 0;
        int skipped = 0;
        for (InboxStore.Notification n : unread) {
            bytes += n.payload().length;
            if (bytes > limits.replayMaxBytes() && !events.isEmpty()) {
                skipped = unread.size() - events.size();
                break;
            }
            ServerMessage.Event e = replayEvent(n);
            if (e != null) {
                events.add(e);
            }
        }
        metrics.notifications.labels("replayed").inc(events.size());
        if (skipped > 0) {
            metrics.notifications.labels("replay_deferred").inc(skipped);
        }
        return events;
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
        String sid = ctx.sid();
        if (!acquireRead(sid)) {
            metrics.notifications.labels("read_refused").inc();
            ctx.fail(ErrorInfo.rateLimited("at most " + limits.readsPerConnection()
                    + " notifications:read may be in flight per connection", READ_RETRY_AFTER_MS));
            return;
        }
        boolean queued = tryQueue(() -> {
            try {
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
            } finally {
                releaseRead(sid);
            }
        }, 0, 0);
        if (!queued) {
            releaseRead(sid);
            ctx.fail(ErrorCode.UNAVAILABLE, "the notification inbox is busy, try again");
        }
    }

    /** How long a client whose acks were refused for its quota should wait. */
    static final long READ_RETRY_AFTER_MS = 100;

    /** Takes one of the connection's ack slots; false when it has {@link Limits#readsPerConnection} in flight. */
    private boolean acquireRead(String sid) {
        boolean[] ok = {false};
        readsInFlight.compute(sid, (k, n) -> {
            AtomicInteger count = n == null ? new AtomicInteger() : n;
            if (count.get() < limits.readsPerConnection()) {
                count.incrementAndGet();
                ok[0] = true;
            }
            return count.get() == 0 ? null : count;
        });
        return ok[0];
    }

    private void releaseRead(String sid) {
        readsInFlight.computeIfPresent(sid, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
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

    /**
     * Kafka did not take an unacked notification: the claim goes back (on the service thread), so
     * a later sweep forwards it once Kafka answers again (at least once: a record Kafka took before
     * the error may come twice).
     */
    private void forwardFailed(String user, InboxStore.Notification n, String why) {
        metrics.notifications.labels("forward_failed").inc();
        log.warn("unacked notification {} could not be forwarded to {} ({}); due again at a later sweep", n.id(), ackTopic, why);
        try {
            thread.execute(() -> {
                try {
                    inbox.releaseForwarded(user, n);
                } catch (RuntimeException e) {
                    metrics.storeErrors.labels("inbox").inc();
                    log.debug("could not give back the claim on {}: {}", n.id(), e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // the sweep stops with the node; the notification stays unread in the inbox
        }
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
                record.put("createdAt", Json.isoMillis(p.notification().createdAtMillis()));
                JsonNode stored = Json.MAPPER.readTree(p.notification().payload());
                record.set("event", stored.get("event"));
                record.set("data", stored.get("data"));
                String user = p.userId();
                InboxStore.Notification n = p.notification();
                boolean queued = forwarder.send("unacked", ackTopic, user, Json.bytes(record), error -> {
                    if (error == null) {
                        metrics.notifications.labels("forwarded").inc();
                    } else {
                        forwardFailed(user, n, error.toString());
                    }
                });
                if (!queued) {
                    forwardFailed(user, n, "the forward queue is full");
                }
            }
        } catch (IOException | RuntimeException e) {
            metrics.storeErrors.labels("inbox").inc();
            log.debug("unacked-notification sweep failed: {}", e.toString());
        }
    }

    /**
     * Stops taking tasks, then lets the queued ones finish for up to {@link Limits#drainTimeout}:
     * notifications already answered 202 (or taken off Kafka) reach the inbox before the stores
     * close. Whatever is still waiting at the deadline is dropped, counted in
     * {@code realtime_notifications_total{outcome="dropped_at_shutdown"}} and logged.
     */
    @Override
    public void close() {
        closing = true;
        thread.shutdown(); // queued tasks still run; the periodic sweep is cancelled
        try {
            if (!thread.awaitTermination(limits.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                abandoned = true; // tasks not started skip their store; a running one stops between users
                thread.shutdownNow();
                thread.awaitTermination(2, TimeUnit.SECONDS);
                long dropped = pendingNotifications.getAndSet(0); // what never reached the store
                metrics.notifications.labels("dropped_at_shutdown").inc(dropped);
                log.warn("shutdown: {} queued notification(s) did not reach the inbox within {} ms and were dropped",
                        dropped, limits.drainTimeout().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
