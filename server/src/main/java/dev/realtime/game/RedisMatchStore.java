package dev.realtime.game;

import dev.realtime.store.RedisKeys;
import dev.realtime.store.RedisSupport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link MatchStore} in Redis ({@code P} is the prefix, default {@code rt:}; match ids look like
 * {@code match:<id>}, so each state key carries its match as hash tag):
 * <pre>
 *   P{match:&lt;id&gt;}:state  hash  v = version, s = the state; PX = ttl of the last write
 *   P game:due              zset  match ids scored by when they are next due (epoch ms)
 * </pre>
 * Create and replace are one-key Lua scripts (version check and write in one step; a replace that
 * finds another version returns it instead); reads and the due index are single commands. No
 * command touches two keys, so Redis Cluster spreads the matches over its slots ({@link RedisKeys#tag}
 * escapes a brace in an id); the due index is one key, so its slot takes every schedule call.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) client, which is the caller's
 * and never closed here. Every call is one bounded round trip and throws
 * {@link dev.realtime.store.StoreUnavailableException} when Redis cannot answer.
 */
public final class RedisMatchStore implements MatchStore {
    /** KEYS state; ARGV state, ttl ms. */
    private static final RedisSupport.Script CREATE = new RedisSupport.Script(
            "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
            + "redis.call('HSET', KEYS[1], 'v', '1', 's', ARGV[1]) "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1");
    /** KEYS state; ARGV expected version, state, ttl ms. Returns {1}, {0} (gone) or {0, version, state}. */
    private static final RedisSupport.Script REPLACE = new RedisSupport.Script(
            "local cur = redis.call('HMGET', KEYS[1], 'v', 's') "
            + "if not cur[1] then return {0} end "
            + "if cur[1] ~= ARGV[1] then return {0, cur[1], cur[2]} end "
            + "redis.call('HSET', KEYS[1], 'v', tostring(tonumber(cur[1]) + 1), 's', ARGV[2]) "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[3]) return {1}");
    private static final byte[] V = {'v'};
    private static final byte[] S = {'s'};

    private final UnifiedJedis redis;
    private final String prefix;
    private final byte[] dueKey;

    public RedisMatchStore(UnifiedJedis redis, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("key prefix must not be empty");
        }
        this.redis = redis;
        this.prefix = prefix;
        this.dueKey = bytes(prefix + "game:due");
    }

    private byte[] key(String matchId) {
        return bytes(prefix + RedisKeys.tag(matchId) + ":state"); // escaped: any id is one tag, one key
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ttl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        return bytes(Long.toString(Math.max(1, ttl.toMillis())));
    }

    @Override
    public boolean create(String matchId, byte[] state, Duration ttl) {
        return (Long) CREATE.run(redis, "match create", List.of(key(matchId)), List.of(state, ttl(ttl))) == 1;
    }

    @Override
    public Versioned read(String matchId) {
        List<byte[]> r = RedisSupport.call("match read", () -> redis.hmget(key(matchId), V, S));
        if (r.get(0) == null || r.get(1) == null) {
            return null;
        }
        return new Versioned(Long.parseLong(new String(r.get(0), StandardCharsets.US_ASCII)), r.get(1));
    }

    @Override
    public Replaced replace(String matchId, long expectedVersion, byte[] state, Duration ttl) {
        List<?> r = (List<?>) REPLACE.run(redis, "match replace", List.of(key(matchId)),
                List.of(bytes(Long.toString(expectedVersion)), state, ttl(ttl)));
        if ((Long) r.get(0) == 1) {
            return Replaced.WRITTEN;
        }
        if (r.size() < 3) {
            return new Replaced(false, null);
        }
        long version = Long.parseLong(new String((byte[]) r.get(1), StandardCharsets.US_ASCII));
        return new Replaced(false, new Versioned(version, (byte[]) r.get(2)));
    }

    @Override
    public void delete(String matchId) {
        RedisSupport.call("match delete", () -> redis.del(key(matchId)));
    }

    @Override
    public void schedule(String matchId, long dueAtMillis) {
        RedisSupport.call("match schedule", () -> redis.zadd(dueKey, dueAtMillis, bytes(matchId)));
    }

    @Override
    public void unschedule(String matchId) {
        RedisSupport.call("match unschedule", () -> redis.zrem(dueKey, bytes(matchId)));
    }

    @Override
    public List<String> due(long nowMillis, int limit) {
        List<byte[]> ids = RedisSupport.call("match due",
                () -> redis.zrangeByScore(dueKey, Double.NEGATIVE_INFINITY, nowMillis, 0, limit));
        List<String> out = new ArrayList<>(ids.size());
        ids.forEach(id -> out.add(new String(id, StandardCharsets.UTF_8)));
        return out;
    }
}
