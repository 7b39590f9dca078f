package dev.realtime.config;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every setting of a node, built once from the environment by {@link #fromEnv(Map)} and validated
 * there; immutable afterwards. Nothing else in the server reads environment variables.
 * Names and defaults are documented in {@code docs/configuration.md}.
 */
public record GatewayConfig(
        String serviceName,
        String nodeId,
        String host,
        int port,
        Transport transport,
        int ioThreads,
        int roomShards,
        // auth
        String jwtSecret,
        String jwtPublicKey,
        String jwtIssuer,
        String jwtAudience,
        long jwtLeewaySeconds,
        boolean jwtRequireExp,
        boolean devMode,
        String internalApiKey,
        boolean internalApiKeyGenerated,
        boolean allowAnonymous,
        List<String> publicRooms,
        long authTimeoutMs,
        long authExpiryWarningMs,
        // websocket
        String wsPath,
        long pingIntervalMs,
        long pingTimeoutMs,
        int maxMessageBytes,
        int maxBatchMessages,
        int maxJsonDepth,
        List<String> allowedOrigins,
        List<String> trustedProxies,
        // limits
        int maxConnections,
        int maxConnectionsPerIp,
        int maxConnectionsPerUser,
        int rateLimitMaxMessages,
        long rateLimitWindowMs,
        int rateLimitStrikes,
        int maxRoomMembers,
        int maxRoomsPerConnection,
        int writeBufferLowBytes,
        int writeBufferHighBytes,
        SlowConsumerPolicy slowConsumerPolicy,
        int httpMaxBodyBytes,
        long httpIdleTimeoutMs,
        long httpHeaderTimeoutMs,
        int httpMaxConnections,
        // lifecycle
        long shutdownDelayMs,
        long shutdownGraceMs,
        String tlsCert,
        String tlsKey,
        // cluster
        String redisHost,
        int redisPort,
        String redisPassword,
        RedisMode redisMode,
        List<String> redisNodes,
        long busOutageBufferBytes,
        // ingestion
        String kafkaBrokers,
        String kafkaConsumerGroup,
        String kafkaDlqTopic,
        String kafkaOffsetReset,
        String routesFile,
        int maxRecordBytes,
        // shared state
        String redisKeyPrefix,
        long presenceTimeoutMs,
        int roomHistorySize,
        long roomHistoryTtlMs,
        int inboxCapacity,
        long inboxTtlMs,
        long inboxMaxBytes,
        long notifyAckTimeoutMs,
        String notifyAckTopic,
        // room features (presence events, typing, video, chat)
        RoomFeatureConfig roomFeatures,
        // memory budgets
        long historyMaxBytes,
        long roomHistoryMaxBytes,
        int historyReadMaxBytes,
        long notifyQueueMaxBytes,
        int notifyReplayMaxBytes,
        long notifyDrainTimeoutMs,
        long notifyMaxFanoutBytes,
        long outboxMaxBytes,
        long shardQueueMaxBytes,
        long historyLaneMaxBytes,
        int kafkaDlqMaxAttempts,
        // quiz matchmaking and matches
        GameConfig game,
        // Socket.IO endpoint
        String socketIoPath,
        long socketIoRecoveryMs) {

    /** Which Netty transport to use ({@code io_uring} falls back to epoll, then NIO, where the kernel refuses it). */
    public enum Transport { AUTO, EPOLL, IO_URING, NIO }

    /** How the Redis of a cluster is deployed: one server (or a primary with replicas), or Redis Cluster. */
    public enum RedisMode { STANDALONE, CLUSTER }

    /** What happens to a connection whose outbound buffer is above the high-water mark. */
    public enum SlowConsumerPolicy { DROP, DISCONNECT }

    public GatewayConfig {
        publicRooms = List.copyOf(publicRooms);
        allowedOrigins = List.copyOf(allowedOrigins);
        trustedProxies = List.copyOf(trustedProxies);
        redisNodes = List.copyOf(redisNodes);
    }

    /** Reads and validates the configuration; throws {@link ConfigException} listing every problem. */
    public static GatewayConfig fromEnv(Map<String, String> env) {
        EnvReader r = new EnvReader(env);
        int cores = Runtime.getRuntime().availableProcessors();
        String jwtSecret = r.raw("JWT_SECRET");
        String jwtPublicKey = r.raw("JWT_PUBLIC_KEY");
        boolean devMode = jwtSecret == null && jwtPublicKey == null;
        if (devMode) {
            jwtSecret = randomSecret();
        } else if (jwtSecret != null && jwtSecret.length() < 16) {
            r.problem("JWT_SECRET must be at least 16 characters (HS256 needs a strong shared secret)");
        }
        String apiKey = r.raw("INTERNAL_API_KEY");
        boolean apiKeyGenerated = apiKey == null && devMode;
        if (apiKeyGenerated) {
            apiKey = randomSecret();
        }
        long pingInterval = r.number("WS_PING_INTERVAL", 25_000, 10, 3_600_000);
        long pingTimeout = r.number("WS_PING_TIMEOUT", 20_000, 10, 3_600_000);
        int low = r.integer("WS_WRITE_BUFFER_LOW", 256 * 1024, 1024, 1 << 30);
        int high = r.integer("WS_WRITE_BUFFER_HIGH", 1024 * 1024, 1024, 1 << 30);
        if (low >= high) {
            r.problem("WS_WRITE_BUFFER_LOW (" + low + ") must be below WS_WRITE_BUFFER_HIGH (" + high + ")");
        }
        String wsPath = r.string("WS_PATH", "/ws");
        if (r.raw("SOCKETIO_PATH") == null && (wsPath.equals("/socket.io") || wsPath.equals("/socket.io/"))) {
            // A seed's .env (002): its WS_PATH was where its Socket.IO server listened, which is
            // where ours listens by default; the native endpoint stays at /ws.
            wsPath = "/ws";
        }
        if (!wsPath.startsWith("/")) {
            r.problem("WS_PATH='" + wsPath + "' must start with /");
        }
        String tlsCert = r.raw("TLS_CERT");
        String tlsKey = r.raw("TLS_KEY");
        if ((tlsCert == null) != (tlsKey == null)) {
            r.problem("TLS_CERT and TLS_KEY must be set together");
        }
        checkAddresses(r, wsPath);
        checkKafkaBrokers(r);
        RedisAddress redis = RedisAddress.from(r);
        RedisMode redisMode = redisMode(r, redis);
        long historyMax = r.number("HISTORY_MAX_BYTES", defaultHistoryMaxBytes(), 64 * 1024, Long.MAX_VALUE);
        long roomHistoryMax = r.number("ROOM_HISTORY_MAX_BYTES", Math.min(historyMax / 16, 16L << 20), 1024,
                Long.MAX_VALUE);
        if (roomHistoryMax > historyMax) {
            r.problem("ROOM_HISTORY_MAX_BYTES (" + roomHistoryMax + ") must not exceed HISTORY_MAX_BYTES (" + historyMax + ")");
        }
        GatewayConfig config = new GatewayConfig(
                r.string("SERVICE_NAME", "realtime-gateway"),
                r.string("NODE_ID", "node-" + UUID.randomUUID().toString().substring(0, 8)),
                r.string("HOST", "0.0.0.0"),
                r.integer("PORT", 8080, 0, 65535),
                r.choice("TRANSPORT", Transport.class, Transport.AUTO),
                r.integer("IO_THREADS", cores, 1, 1024),
                r.integer("ROOM_SHARDS", 0, 0, 1024), // 0: rooms live on the I/O event loops
                jwtSecret,
                jwtPublicKey,
                r.raw("JWT_ISSUER"),
                r.raw("JWT_AUDIENCE"),
                r.number("JWT_LEEWAY_SECONDS", 5, 0, 600),
                r.bool("JWT_REQUIRE_EXP", false),
                devMode,
                apiKey,
                apiKeyGenerated,
                r.bool("ALLOW_ANONYMOUS", false),
                r.list("PUBLIC_ROOMS"),
                r.number("AUTH_TIMEOUT_MS", 5_000, 10, 600_000),
                r.number("AUTH_EXPIRY_WARNING_MS", 60_000, 0, 86_400_000),
                wsPath,
                pingInterval,
                pingTimeout,
                r.integer("WS_MAX_MESSAGE_BYTES", 1024 * 1024, 256, 64 * 1024 * 1024),
                r.integer("WS_MAX_BATCH", 100, 1, 10_000),
                r.integer("JSON_MAX_DEPTH", 32, 2, 1000),
                r.list("WS_ALLOWED_ORIGINS"),
                r.list("TRUSTED_PROXIES"),
                r.integer("WS_MAX_CONNECTIONS", 100_000, 1, 10_000_000),
                r.integer("MAX_CONNECTIONS_PER_IP", 0, 0, 10_000_000),
                r.integer("RATE_LIMIT_MAX_CONNECTIONS", 5, 0, 1_000_000),
                r.integer("RATE_LIMIT_MAX_MESSAGES", 100, 1, 10_000_000),
                r.number("RATE_LIMIT_WINDOW_MS", 1_000, 10, 3_600_000),
                r.integer("RATE_LIMIT_STRIKES", 3, 1, 1000),
                r.integer("MAX_ROOM_MEMBERS", 0, 0, 100_000_000),
                r.integer("MAX_ROOMS_PER_CONNECTION", 1_000, 2, 1_000_000),
                low,
                high,
                r.choice("SLOW_CONSUMER_POLICY", SlowConsumerPolicy.class, SlowConsumerPolicy.DROP),
                r.integer("HTTP_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
                r.number("HTTP_IDLE_TIMEOUT_MS", 30_000, 100, 3_600_000),
                r.number("HTTP_HEADER_TIMEOUT_MS", 10_000, 100, 600_000),
                r.integer("HTTP_MAX_CONNECTIONS", 10_000, 1, 10_000_000),
                r.number("SHUTDOWN_DELAY_MS", 1_000, 0, 600_000),
                r.number("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
                tlsCert,
                tlsKey,
                redis.host(),
                redis.port(),
                redis.password(),
                redisMode,
                redis.nodes(),
                r.number("BUS_OUTAGE_BUFFER_BYTES", 64L << 20, 0, 1L << 40),
                r.raw("KAFKA_BROKERS"),
                r.string("KAFKA_CONSUMER_GROUP", "realtime-service-group"),
                r.string("KAFKA_DLQ_TOPIC", "realtime.dlq"),
                offsetReset(r),
                r.raw("ROUTES_FILE"),
                r.integer("INGEST_MAX_RECORD_BYTES", 1024 * 1024, 64, 64 * 1024 * 1024),
                r.string("REDIS_KEY_PREFIX", "rt:"),
                r.number("PRESENCE_TIMEOUT", 15_000, 300, 3_600_000),
                r.integer("ROOM_MESSAGE_HISTORY", 100, 0, 100_000),
                r.number("ROOM_HISTORY_TTL_MS", 3_600_000, 1_000, 30L * 86_400_000),
                r.integer("NOTIFY_INBOX_CAPACITY", 100, 1, 100_000),
                r.number("NOTIFY_INBOX_TTL_MS", 7L * 86_400_000, 1_000, 365L * 86_400_000),
                r.number("NOTIFY_INBOX_MAX_BYTES", 64L << 20, 64 * 1024, Long.MAX_VALUE),
                r.number("NOTIFY_ACK_TIMEOUT_MS", 300_000, 100, 30L * 86_400_000),
                r.raw("NOTIFY_ACK_TOPIC"),
                RoomFeatureConfig.from(r),
                historyMax,
                roomHistoryMax,
                r.integer("HISTORY_READ_MAX_BYTES", 1 << 20, 1024, 64 << 20),
                r.number("NOTIFY_QUEUE_MAX_BYTES", Math.min(defaultHistoryMaxBytes() / 4, 256L << 20), 64 * 1024,
                        Long.MAX_VALUE),
                r.integer("NOTIFY_REPLAY_MAX_BYTES", 1 << 20, 1024, 64 << 20),
                r.number("NOTIFY_DRAIN_TIMEOUT_MS", 10_000, 0, 600_000),
                r.number("NOTIFY_MAX_FANOUT_BYTES", 16L << 20, 1024, Long.MAX_VALUE),
                r.number("OUTBOX_MAX_BYTES", defaultQueueMaxBytes(), 64 * 1024, Long.MAX_VALUE),
                r.number("SHARD_QUEUE_MAX_BYTES", defaultQueueMaxBytes(), 64 * 1024, Long.MAX_VALUE),
                r.number("HISTORY_LANE_MAX_BYTES", defaultQueueMaxBytes(), 64 * 1024, Long.MAX_VALUE),
                r.integer("KAFKA_DLQ_MAX_ATTEMPTS", 5, 1, 1000),
                GameConfig.read(r),
                socketIoPath(r, wsPath),
                r.number("SOCKETIO_RECOVERY_MS", 120_000, 0, 86_400_000));
        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return config;
    }

    /** Settings that parse as strings but must name something real: proxies, origins, the node id, WS_PATH. */
    private static void checkAddresses(EnvReader r, String wsPath) {
        for (String proxy : r.list("TRUSTED_PROXIES")) {
            if (IpRange.parse(proxy) == null) {
                r.problem("TRUSTED_PROXIES entry '" + proxy + "' is not an IP address or CIDR range (e.g. 10.0.0.7, 10.0.0.0/8, fd00::/8)");
            }
        }
        for (String origin : r.list("WS_ALLOWED_ORIGINS")) {
            if (!origin.equals("*") && !origin.equals("null") && !isOrigin(origin)) {
                r.problem("WS_ALLOWED_ORIGINS entry '" + origin + "' is not an origin (scheme://host[:port], e.g. "
                        + "https://app.example.com) or *");
            }
        }
        String nodeId = r.raw("NODE_ID");
        if (nodeId != null && (nodeId.isBlank() || nodeId.codePoints().anyMatch(c -> Character.isWhitespace(c)
                || Character.isISOControl(c)) || nodeId.length() > 100)) {
            r.problem("NODE_ID='" + nodeId + "' must be 1-100 characters without whitespace");
        }
        if (List.of("/", "/health", "/health/live", "/health/ready", "/metrics").contains(wsPath) || wsPath.startsWith("/api/")) {
            r.problem("WS_PATH='" + wsPath + "' would hide a built-in route (/, /health*, /metrics, /api/*)");
        }
    }

    private static void checkKafkaBrokers(EnvReader r) {
        String brokers = r.raw("KAFKA_BROKERS");
        if (brokers == null) {
            return;
        }
        for (String b : brokers.split(",")) {
            String broker = b.trim();
            int colon = broker.lastIndexOf(':');
            int port = -1;
            try {
                port = colon > 0 ? Integer.parseInt(broker.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                // reported below
            }
            if (broker.contains("://") || port < 1 || port > 65535) {
                r.problem("KAFKA_BROKERS entry '" + broker + "' must be host:port (e.g. kafka:9092), comma-separated");
            }
        }
    }

    private static boolean isOrigin(String origin) {
        try {
            java.net.URI u = new java.net.URI(origin);
            return u.getScheme() != null && u.getHost() != null && (u.getRawPath() == null || u.getRawPath().isEmpty())
                    && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /**
     * REDIS_MODE, checked against the address: several nodes need cluster mode, cluster mode needs nodes.
     * Unset, several seed nodes mean cluster mode (a single address is probed at start-up by
     * {@link dev.realtime.cluster.RedisModeProbe}).
     */
    private static RedisMode redisMode(EnvReader r, RedisAddress redis) {
        RedisMode mode = r.choice("REDIS_MODE", RedisMode.class,
                redis.nodes().size() > 1 ? RedisMode.CLUSTER : RedisMode.STANDALONE);
        if (mode == RedisMode.CLUSTER && redis.host() == null) {
            r.problem("REDIS_MODE=cluster needs REDIS_URL listing one or more seed nodes "
                    + "(redis://10.0.0.1:6379,10.0.0.2:6379)");
        }
        if (mode == RedisMode.STANDALONE && redis.nodes().size() > 1) {
            r.problem("REDIS_URL lists " + redis.nodes().size() + " nodes but REDIS_MODE=standalone: set REDIS_MODE=cluster "
                    + "(or leave it unset) for Redis Cluster, or give one address");
        }
        String prefix = r.string("REDIS_KEY_PREFIX", "rt:");
        if (mode == RedisMode.CLUSTER && (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)) {
            r.problem("REDIS_KEY_PREFIX='" + prefix + "' must not contain '{' or '}' in cluster mode: "
                    + "the stores put their own hash tags in the keys");
        }
        return mode;
    }

    /**
     * A quarter of the JVM's max heap for all room history kept in memory, so a small node and a
     * big one are both safe by default (256 MiB when the heap is unbounded).
     */
    static long defaultHistoryMaxBytes() {
        long heap = Runtime.getRuntime().maxMemory();
        return heap == Long.MAX_VALUE ? 256L << 20 : Math.max(64 * 1024, heap / 4);
    }

    /** Each per-loop outbox, shard queue and history lane: a sixteenth of the max heap, at most 64 MiB. */
    static long defaultQueueMaxBytes() {
        return Math.min(defaultHistoryMaxBytes() / 4, 64L << 20);
    }

    /** {@code SOCKETIO_PATH}: {@code /socket.io/} by default, {@code off} disables the endpoint (null). */
    private static String socketIoPath(EnvReader r, String wsPath) {
        String v = r.string("SOCKETIO_PATH", "/socket.io/");
        if (v.equalsIgnoreCase("off")) {
            return null;
        }
        if (!v.startsWith("/") || v.equals("/")) {
            r.problem("SOCKETIO_PATH='" + v + "' must start with / (e.g. /socket.io/), or be off");
        } else if (v.equals(wsPath) || (v + "/").equals(wsPath) || v.equals(wsPath + "/")) {
            r.problem("SOCKETIO_PATH='" + v + "' must differ from WS_PATH");
        }
        return v;
    }

    /** Whether the Socket.IO endpoint is served. */
    public boolean socketIoEnabled() {
        return socketIoPath != null;
    }

    private static String offsetReset(EnvReader r) {
        String v = r.string("KAFKA_OFFSET_RESET", "latest");
        if (!v.equals("latest") && !v.equals("earliest")) {
            r.problem("KAFKA_OFFSET_RESET='" + v + "' must be latest or earliest");
        }
        return v;
    }

    /** Whether this node consumes Kafka. */
    public boolean kafkaEnabled() {
        return kafkaBrokers != null;
    }

    /** Whether this node joins a cluster through Redis. */
    public boolean clustered() {
        return redisHost != null;
    }

    /** Whether an API key is configured; without one every internal API answers 401. */
    public boolean internalApiEnabled() {
        return internalApiKey != null;
    }

    public boolean tlsEnabled() {
        return tlsCert != null;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Never prints secrets. */
    @Override
    public String toString() {
        return "GatewayConfig[node=" + nodeId + ", " + host + ":" + port + ", transport=" + transport
                + ", ioThreads=" + ioThreads + ", roomShards=" + roomShards + ", devMode=" + devMode
                + ", anonymous=" + allowAnonymous + ", tls=" + tlsEnabled()
                + ", redis=" + (redisHost == null ? "none" : redisMode.name().toLowerCase(java.util.Locale.ROOT) + " " + redisNodes)
                + ", kafka=" + (kafkaBrokers == null ? "none" : kafkaBrokers) + "]";
    }
}
