package dev.realtime.store;

import static dev.realtime.store.RedisSupport.bytes;
import static dev.realtime.store.RedisSupport.number;
import static dev.realtime.store.RedisSupport.string;

import java.time.Duration;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * {@link KeyValueStore} in Redis. Keys ({@code P} is the prefix, default {@code rt:}; {@code <key>}
 * is the caller's key as given, {@code {name}} a queue's hash tag, {@link RedisKeys#tag}):
 * <pre>
 *   P kv:<key>            string  the value (PX = ttl when given)
 *   P queue:{name}        zset    members scored by enqueue order
 *   P queue:{name}:seq    string  the queue's enqueue counter (INCR)
 * </pre>
 * Every command and script touches one key, or a queue and its counter (one hash tag), so the store
 * works on Redis Cluster. A caller that wants several {@code kv} keys in one slot (for its own
 * scripts) puts a hash tag in them, e.g. {@code match:{42}:state}.
 * Plain reads and writes are single commands (GET, SET [PX], SET NX [PX], DEL, ZREM, ZSCORE, ZCARD);
 * compare-and-set, enqueue (no duplicates, FIFO score) and pop-pair (take the two lowest scores only
 * if two exist) are Lua scripts, so they are atomic across nodes.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) pool; every call is one bounded
 * round trip and throws {@link StoreUnavailableException} when Redis cannot answer. The pool is the
 * caller's; this store never closes it.
 */
public final class RedisKeyValueStore implements KeyValueStore {
    /** KEYS key; ARGV has-expected, expected, has-value, value, ttl ms (0: none). */
    private static final RedisSupport.Script CAS = new RedisSupport.Script(
            "local cur = redis.call('GET', KEYS[1]) "
            + "if ARGV[1] == '1' then if cur ~= ARGV[2] then return 0 end elseif cur then return 0 end "
            + "if ARGV[3] == '0' then redis.call('DEL', KEYS[1]) "
            + "elseif ARGV[5] == '0' then redis.call('SET', KEYS[1], ARGV[4]) "
            + "else redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) end return 1");
    /** KEYS queue, counter; ARGV member. */
    private static final RedisSupport.Script ENQUEUE = new RedisSupport.Script(
            "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end "
            + "redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1]) return 1");
    /** KEYS queue. */
    private static final RedisSupport.Script POP_PAIR = new RedisSupport.Script(
            "if redis.call('ZCARD', KEYS[1]) < 2 then return {} end "
            + "local pair = redis.call('ZRANGE', KEYS[1], 0, 1) "
            + "redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 1) return pair");
    private static final byte[] EMPTY = new byte[0];

    private final UnifiedJedis redis;
    private final String p;

    /** A store with the default prefix {@code rt:}. */
    public RedisKeyValueStore(UnifiedJedis redis) {
        this(redis, RedisSupport.DEFAULT_PREFIX);
    }

    public RedisKeyValueStore(UnifiedJedis redis, String prefix) {
        RedisSupport.checkPrefix(prefix);
        this.redis = redis;
        this.p = prefix;
    }

    private byte[] key(String key) {
        return bytes(p + "kv:" + key);
    }

    private byte[] queue(String queue) {
        return bytes(p + "queue:" + RedisKeys.tag(queue));
    }

    private byte[] queueCounter(String queue) {
        return bytes(p + "queue:" + RedisKeys.tag(queue) + ":seq");
    }

    private static SetParams params(Duration ttl) {
        SetParams params = new SetParams();
        return ttl == null ? params : params.px(RedisSupport.millis(ttl));
    }

    @Override
    public byte[] get(String key) {
        return RedisSupport.call("kv get", () -> redis.get(key(key)));
    }

    @Override
    public void set(String key, byte[] value, Duration ttl) {
        SetParams params = params(ttl);
        RedisSupport.call("kv set", () -> redis.set(key(key), value, params));
    }

    @Override
    public boolean setIfAbsent(String key, byte[] value, Duration ttl) {
        SetParams params = params(ttl).nx();
        return RedisSupport.call("kv setnx", () -> redis.set(key(key), value, params)) != null;
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value, Duration ttl) {
        long ttlMillis = ttl == null ? 0 : RedisSupport.millis(ttl);
        return number(CAS.run(redis, "kv cas", List.of(key(key)), List.of(
                bytes(expected == null ? "0" : "1"), expected == null ? EMPTY : expected,
                bytes(value == null ? "0" : "1"), value == null ? EMPTY : value,
                bytes(Long.toString(ttlMillis))))) == 1;
    }

    @Override
    public boolean delete(String key) {
        return RedisSupport.call("kv del", () -> redis.del(key(key))) == 1;
    }

    @Override
    public boolean enqueue(String queue, String member) {
        return number(ENQUEUE.run(redis, "queue add", List.of(queue(queue), queueCounter(queue)),
                List.of(bytes(member)))) == 1;
    }

    @Override
    public boolean remove(String queue, String member) {
        return RedisSupport.call("queue remove", () -> redis.zrem(queue(queue), bytes(member))) == 1;
    }

    @Override
    public boolean contains(String queue, String member) {
        return RedisSupport.call("queue contains", () -> redis.zscore(queue(queue), bytes(member))) != null;
    }

    @Override
    public List<String> popPair(String queue) {
        List<?> pair = (List<?>) POP_PAIR.run(redis, "queue pop", List.of(queue(queue)), List.of());
        return pair.isEmpty() ? List.of() : List.of(string(pair.get(0)), string(pair.get(1)));
    }

    @Override
    public int size(String queue) {
        return (int) (long) RedisSupport.call("queue size", () -> redis.zcard(queue(queue)));
    }
}
