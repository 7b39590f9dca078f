package dev.realtime.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Helpers shared by the Redis stores: a pool with timeouts, Jedis-exception translation, key
 * building and Lua scripts run by SHA with a fallback to EVAL. Stateless and thread-safe.
 *
 * <p>The stores work on a single Redis server (or a primary with replicas) and on Redis Cluster
 * alike: they take a {@link UnifiedJedis} ({@link JedisPooled}, or the cluster client of
 * {@link RedisClusterClient}); every script and multi-key command touches keys of one hash tag
 * ({@link RedisKeys}), and every key a script touches is passed in {@code KEYS}. {@link #call} and
 * {@link Script} are public for feature stores outside this package (the quiz's), which follow the
 * same rules.
 */
public final class RedisSupport {
    /** Key prefix used when none is given. */
    static final String DEFAULT_PREFIX = "rt:";

    private RedisSupport() {
    }

    /**
     * A pool whose every wait is bounded: 2 s to connect, 2 s per command, 2 s to borrow a
     * connection. None of the stores uses blocking commands.
     */
    static JedisPooled pool(HostAndPort address, String password, int maxConnections) {
        return new JedisPooled(address, clientConfig(password), poolConfig(maxConnections));
    }

    /** 2 s to connect and per command, named {@code realtime-store}. */
    static DefaultJedisClientConfig clientConfig(String password) {
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2000).socketTimeoutMillis(2000).clientName("realtime-store");
        if (password != null) {
            client.password(password);
        }
        return client.build();
    }

    /** Up to {@code maxConnections}, 2 s to borrow one, idle ones tested. */
    static ConnectionPoolConfig poolConfig(int maxConnections) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMaxWait(Duration.ofSeconds(2));
        pool.setBlockWhenExhausted(true);
        pool.setTestWhileIdle(true);
        return pool;
    }

    /** Runs one Redis interaction, turning any Jedis failure into {@link StoreUnavailableException}. */
    public static <T> T call(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (JedisException e) {
            throw new StoreUnavailableException("redis " + what + " failed: " + e.getMessage(), e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(Object redisReply) {
        return new String((byte[]) redisReply, StandardCharsets.UTF_8);
    }

    static long number(Object redisReply) {
        return (Long) redisReply;
    }

    static void checkPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("key prefix must not be empty");
        }
    }

    /** Ids that are joined with a space inside set members (node ids, notification ids). */
    static void checkToken(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i))) {
                throw new IllegalArgumentException(what + " must not contain whitespace: " + value);
            }
        }
    }

    static long millis(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + d);
        }
        return Math.max(1, d.toMillis());
    }

    /** A Lua script run with EVALSHA, loaded with EVAL on the first NOSCRIPT. Immutable. */
    public static final class Script {
        private final byte[] source;
        private final byte[] sha;

        public Script(String source) {
            this.source = bytes(source);
            try {
                this.sha = bytes(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.source)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public Object run(UnifiedJedis redis, String what, List<byte[]> keys, List<byte[]> args) {
            return call(what, () -> {
                try {
                    return redis.evalsha(sha, keys, args);
                } catch (JedisNoScriptException notLoaded) {
                    return redis.eval(source, keys, args);
                }
            });
        }
    }
}
