package dev.realtime.cluster;

/**
 * Cross-node delivery of room events (the backend SPI). A node subscribes only to the rooms it has
 * local members in, so no node reads a firehose: {@code RoomService} calls {@link #subscribe} when
 * a room gets its first local member and {@link #unsubscribe} when it loses its last.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>{@link #subscribe}, {@link #unsubscribe} and {@link #publish} never block: room shard threads
 *       call them. Work that touches the network happens on the bus's own threads.</li>
 *   <li>Calls for one room from one thread take effect in call order.</li>
 *   <li>The handler runs on a bus thread and must hand work off (to the room's shard) at once.</li>
 *   <li>Each message reaches each subscribed node at most once. While the backend is
 *       unreachable, an implementation may keep messages in a <em>bounded</em> buffer and send them
 *       in order later (the Redis bus does, so short outages lose nothing), dropping and counting
 *       beyond its bound; copies a replay creates are dropped before the handler. Subscriptions
 *       survive reconnects.</li>
 *   <li>{@link #close} sends what it still holds within a bounded time and counts the rest.</li>
 *   <li>A node may receive its own messages back; the envelope carries the origin node so
 *       receivers drop them (see {@link BusEnvelope}).</li>
 * </ul>
 * Implementations: {@link InMemoryBus} (nodes in one JVM, the single-node default) and
 * {@link RedisBus} (Redis pub/sub, one channel per room; sharded pub/sub on Redis Cluster).
 */
public interface Bus extends AutoCloseable {

    /** Receives messages for subscribed rooms. */
    @FunctionalInterface
    interface Handler {
        void onMessage(String room, byte[] envelope);
    }

    /** Starts delivering to {@code handler}; called once before any other method. */
    void start(Handler handler);

    /** Starts receiving {@code room}'s messages. Idempotent. */
    void subscribe(String room);

    /**
     * Completes once messages published to {@code room} from then on reach this node: at once when
     * the subscription is already in place (or subscribing is synchronous), else when the backend
     * confirms it. A join waits for it before answering (and a recovering join before reading the
     * history), so nothing published right after the join is missed. May never complete while the
     * backend is unreachable: callers bound the wait.
     */
    default java.util.concurrent.CompletableFuture<Void> subscribed(String room) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Stops receiving {@code room}'s messages. Idempotent. */
    void unsubscribe(String room);

    /** Sends {@code envelope} to every node subscribed to {@code room}. */
    void publish(String room, byte[] envelope);

    /** Whether the bus can currently reach its backend. */
    boolean healthy();

    /** Short name for health output and logs, e.g. {@code redis}. */
    String name();

    @Override
    void close();
}
