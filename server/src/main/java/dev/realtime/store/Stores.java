package dev.realtime.store;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * The four stores a node runs with, built together: in memory for a node that is alone, or over one
 * Redis client shared by all four (a pool for one Redis server, or the cluster client for Redis
 * Cluster; owned here and closed by {@link #close()}).
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
     * @param inboxMaxBytes {@code NOTIFY_INBOX_MAX_BYTES}: most bytes the in-memory inbox keeps in all
     */
    public record Settings(Duration presenceTimeout, int historyCapacity, Duration historyTtl,
                           int inboxCapacity, Duration inboxTtl, long historyRoomMaxBytes, long historyMaxBytes,
                           long inboxMaxBytes) {
        /** Without byte budgets (only event and notification counts). */
        public Settings(Duration presenceTimeout, int historyCapacity, Duration historyTtl, int inboxCapacity,
                        Duration inboxTtl) {
            this(presenceTimeout, historyCapacity, historyTtl, inboxCapacity, inboxTtl, Long.MAX_VALUE, Long.MAX_VALUE,
                    Long.MAX_VALUE);
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
    private final UnifiedJedis pool;
    private final String prefix;
    /** Feature stores built on demand by {@link #extension}, one per type (thread-safe). */
    private final ConcurrentHashMap<Class<?>, Object> extensions = new ConcurrentHashMap<>();

    private Stores(PresenceStore presence, HistoryStore history, InboxStore inbox, KeyValueStore keyValue,
                   UnifiedJedis pool, String prefix) {
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
                new InMemoryInboxStore(s.inboxCapacity(), s.inboxTtl(), s.inboxMaxBytes(), System::currentTimeMillis),
                new InMemoryKeyValueStore(), null, RedisSupport.DEFAULT_PREFIX);
    }

    /**
     * Redis stores over a new pool (2 s connect, command and borrow timeouts; up to
     * {@code maxConnections}). Connecting is lazy: this never fails because Redis is down.
     *
     * @param prefix key prefix, e.g. {@code rt:}
     */
    public static Stores redis(HostAndPort address, String password, String prefix, int maxConnections, Settings s) {
        return redis(RedisSupport.pool(address, password, maxConnections), prefix, s);
    }

    /**
     * Redis stores over a Redis Cluster reached through {@code seeds} (the rest is discovered; see
     * {@link RedisClusterClient}). Connecting is lazy: this never fails because the cluster is down.
     *
     * @param maxConnections per cluster node
     * @param onRedirect told {@code "moved"} or {@code "ask"} for every redirection (metrics)
     */
    public static Stores redisCluster(Set<HostAndPort> seeds, String password, String prefix, int maxConnections,
                                      Settings s, Consumer<String> onRedirect) {
        return redis(RedisClusterClient.create(seeds, password, maxConnections, onRedirect), prefix, s);
    }

    /** Redis stores over {@code client} (a pool or a cluster client), which they own and close. */
    public static Stores redis(UnifiedJedis pool, String prefix, Settings s) {
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
    public <T> T extension(Class<T> type, Function<Stores, ? extends T> factory) {
        return type.cast(extensions.computeIfAbsent(type, t -> factory.apply(this)));
    }

    /**
     * The Redis client the stores share (for {@link #extension} factories), or null in memory: a pool
     * for one Redis server, the cluster client in {@code REDIS_MODE=cluster}, so a feature store's
     * scripts must touch keys of one hash tag, all passed in {@code KEYS}.
     */
    public UnifiedJedis redis() {
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
