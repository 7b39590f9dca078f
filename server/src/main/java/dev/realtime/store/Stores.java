package dev.realtime.store;

import java.time.Duration;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * The four stores a node runs with, built together: in memory for a node that is alone, or over one
 * Redis connection pool shared by all four (the pool is owned here and closed by {@link #close()}).
 *
 * <p>Threading: immutable; the stores are thread-safe.
 */
public final class Stores implements AutoCloseable {

    /**
     * Store tuning, from the configuration.
     *
     * @param presenceTimeout how long a node stays live without a heartbeat (heartbeat every third)
     * @param historyCapacity {@code ROOM_MESSAGE_HISTORY}
     * @param historyTtl how long an idle room's stream is kept
     * @param inboxCapacity notifications kept per user
     * @param inboxTtl how long a notification is kept
     * @param historyRoomMaxBytes {@code ROOM_HISTORY_MAX_BYTES}: most event bytes one room keeps
     * @param historyMaxBytes {@code HISTORY_MAX_BYTES}: most bytes the in-memory history keeps in all
     */
    public record Settings(Duration presenceTimeout, int historyCapacity, Duration historyTtl,
                           int inboxCapacity, Duration inboxTtl, long historyRoomMaxBytes, long historyMaxBytes) {
        /** Without byte budgets for the history (only its event count). */
        public Settings(Duration presenceTimeout, int historyCapacity, Duration historyTtl, int inboxCapacity,
                        Duration inboxTtl) {
            this(presenceTimeout, historyCapacity, historyTtl, inboxCapacity, inboxTtl, Long.MAX_VALUE, Long.MAX_VALUE);
        }

        /** 15 s presence timeout, 100 events per room for an hour, 100 notifications for 7 days. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(15), HistoryStore.DEFAULT_CAPACITY, Duration.ofHours(1),
                    InboxStore.DEFAULT_CAPACITY, InboxStore.DEFAULT_TTL);
        }
    }

    private final PresenceStore presence;
    private final HistoryStore history;
    private final InboxStore inbox;
    private final KeyValueStore keyValue;
    private final JedisPooled pool;
    private final String prefix;
    /** Feature stores built on demand by {@link #extension}, one per type (thread-safe). */
    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Object> extensions =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Stores(PresenceStore presence, HistoryStore history, InboxStore inbox, KeyValueStore keyValue,
                   JedisPooled pool, String prefix) {
        this.presence = presence;
        this.history = history;
        this.inbox = inbox;
        this.keyValue = keyValue;
        this.pool = pool;
        this.prefix = prefix;
    }

    /** In-memory stores on the system clocks. */
    public static Stores inMemory(Settings s) {
        return new Stores(new InMemoryPresenceStore(s.presenceTimeout()),
                new InMemoryHistoryStore(s.historyCapacity(), s.historyTtl(), s.historyRoomMaxBytes(),
                        s.historyMaxBytes(), () -> System.nanoTime() / 1_000_000),
                new InMemoryInboxStore(s.inboxCapacity(), s.inboxTtl(), System::currentTimeMillis),
                new InMemoryKeyValueStore(), null, RedisSupport.DEFAULT_PREFIX);
    }

    /**
     * Redis stores over a new pool (2 s connect, command and borrow timeouts; up to
     * {@code maxConnections}). Connecting is lazy: this never fails because Redis is down.
     *
     * @param prefix key prefix, e.g. {@code rt:}
     */
    public static Stores redis(HostAndPort address, String password, String prefix, int maxConnections, Settings s) {
        JedisPooled pool = RedisSupport.pool(address, password, maxConnections);
        return new Stores(new RedisPresenceStore(pool, prefix, s.presenceTimeout()),
                new RedisHistoryStore(pool, prefix, s.historyCapacity(), s.historyTtl(), s.historyRoomMaxBytes()),
                new RedisInboxStore(pool, prefix, s.inboxCapacity(), s.inboxTtl(), System::currentTimeMillis),
                new RedisKeyValueStore(pool, prefix), pool, prefix);
    }

    /** A pool with bounded timeouts, for building Redis stores by hand. The caller closes it. */
    public static JedisPooled pool(HostAndPort address, String password, int maxConnections) {
        return RedisSupport.pool(address, password, maxConnections);
    }

    /**
     * These stores with {@code other} as the inbox (a decorator, e.g. a slowed-down one in tests);
     * shares the pool: close only one of the two.
     */
    public Stores withInbox(InboxStore other) {
        return new Stores(presence, history, other, keyValue, pool, prefix);
    }

    public PresenceStore presence() {
        return presence;
    }

    public HistoryStore history() {
        return history;
    }

    public InboxStore inbox() {
        return inbox;
    }

    public KeyValueStore keyValue() {
        return keyValue;
    }

    /**
     * A feature's own store (e.g. the quiz's matchmaking queue), built by {@code factory} the first
     * time it is asked for and then shared: nodes that share this {@code Stores} (an in-JVM cluster)
     * share it too. The factory builds a Redis implementation over {@link #redis()} and
     * {@link #keyPrefix()} when {@link #shared()}, an in-memory one otherwise; it must not close the
     * client (this {@code Stores} does).
     */
    public <T> T extension(Class<T> type, java.util.function.Function<Stores, ? extends T> factory) {
        return type.cast(extensions.computeIfAbsent(type, t -> factory.apply(this)));
    }

    /** The Redis client the stores share (for {@link #extension} factories), or null in memory. */
    public redis.clients.jedis.UnifiedJedis redis() {
        return pool;
    }

    /** The key prefix of the Redis stores ({@code REDIS_KEY_PREFIX}). */
    public String keyPrefix() {
        return prefix;
    }

    /** Whether the stores share state with other nodes. */
    public boolean shared() {
        return pool != null;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
