package dev.realtime.store;

import java.time.Duration;
import java.util.List;

/**
 * Per-user notification inbox: every notification sent to a user is added here (whether or not
 * the user is connected), delivered live and again on each connect until the user acknowledges it
 * with {@code notifications:read}; notifications nobody acknowledged within
 * {@code NOTIFY_ACK_TIMEOUT_MS} can be forwarded (to Kafka) once.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>Ids are unique across all users and increase with each {@link #add} (decimal strings, no
 *       whitespace), so a user's notifications sort by id.</li>
 *   <li>A user keeps at most {@code capacity} unread notifications (adding one more drops the
 *       oldest) and each is kept at most {@code ttl} after it was added.</li>
 *   <li>{@link #markRead} removes a notification (read ones are not kept); it answers {@code true}
 *       only for the call that removed it, so one device's ack is broadcast once.</li>
 *   <li>{@link #unackedOlderThan} lists notifications that are unread, not yet forwarded and at
 *       least {@code age} old, oldest first. Forwarding is a claim: call {@link #markForwarded}
 *       first and forward only when it answers {@code true}; it does so for exactly one caller,
 *       across all nodes. A forwarded notification stays unread in the inbox. When forwarding
 *       fails, {@link #releaseForwarded} gives the claim back: the notification is listed again
 *       (while unread and unexpired) and can be claimed again.</li>
 *   <li>Payload bytes are stored as given and returned as stored: callers must not modify them.</li>
 *   <li>Thread-safe. Redis implementations do network I/O and throw
 *       {@link StoreUnavailableException} when Redis cannot answer: never call them on an event
 *       loop or a room shard thread; hand the call to a blocking executor.</li>
 * </ul>
 * Implementations: {@link InMemoryInboxStore} and {@link RedisInboxStore}.
 */
public interface InboxStore {

    /** Default per-user cap. */
    int DEFAULT_CAPACITY = 100;

    /** Default time a notification is kept. */
    Duration DEFAULT_TTL = Duration.ofDays(7);

    /**
     * One notification.
     *
     * @param createdAtMillis wall-clock time of {@link #add}, epoch milliseconds
     */
    record Notification(String id, long createdAtMillis, byte[] payload) {
    }

    /** A notification waiting to be forwarded, with its owner. */
    record Pending(String userId, Notification notification) {
    }

    /** Adds a notification for {@code userId} and returns it with its new id. */
    Notification add(String userId, byte[] payload);

    /** The user's unread notifications, oldest first, at most {@code limit}. */
    List<Notification> unread(String userId, int limit);

    /**
     * Whether the store can tell at once, without I/O, that {@code userId} has nothing unread: an
     * event loop asks before it hands a new connection's replay to the inbox thread (issue 12: one
     * thread woken per handshake otherwise). {@code false} means "ask {@link #unread}", never
     * "there is something"; a store that cannot answer cheaply (Redis) always says {@code false}.
     * Never {@code true} while {@link #unread} would return a notification.
     */
    default boolean knownEmpty(String userId) {
        return false;
    }

    /** Marks a notification read (removes it); {@code false} if it was not in the inbox. */
    boolean markRead(String userId, String notificationId);

    /** Unread, unforwarded notifications added at least {@code age} ago, oldest first. */
    List<Pending> unackedOlderThan(Duration age, int limit);

    /** Claims a notification for forwarding: {@code true} for exactly one caller. */
    boolean markForwarded(String userId, String notificationId);

    /** Gives back the claim on {@code n} (forwarding it failed): it is due again, as before the claim. */
    void releaseForwarded(String userId, Notification n);

    /** The per-user cap. */
    int capacity();
}
