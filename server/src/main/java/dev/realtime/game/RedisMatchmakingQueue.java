package dev.realtime.game;

import dev.realtime.store.RedisKeys;
import dev.realtime.store.RedisSupport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link MatchmakingQueue} in Redis. Every key of one queue shares the hash tag {@code {mm:<queue>}},
 * so each script touches one Redis Cluster slot ({@code P} is the prefix, default {@code rt:}):
 * <pre>
 *   P{mm:Q}:queue    zset  waiting user ids, scored by join order
 *   P{mm:Q}:seq      string the join counter (INCR)
 *   P{mm:Q}:waiting  hash  user id -&gt; "&lt;since ms&gt; &lt;sid&gt;"
 *   P{mm:Q}:playing  hash  user id -&gt; match id, until released
 * </pre>
 * Join, leave, oldest, commit and release are Lua scripts (all keys passed in KEYS), so each is
 * atomic across nodes; the rest are single commands.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) client, which is the caller's
 * and never closed here. Every call is one bounded round trip and throws
 * {@link dev.realtime.store.StoreUnavailableException} when Redis cannot answer.
 */
public final class RedisMatchmakingQueue implements MatchmakingQueue {
    /** KEYS queue, seq, waiting, playing; ARGV user, "since sid". Returns {outcome 0|1|2, match, size}. */
    private static final RedisSupport.Script JOIN = new RedisSupport.Script(
            "local m = redis.call('HGET', KEYS[4], ARGV[1]) "
            + "if m then return {2, m, redis.call('ZCARD', KEYS[1])} end "
            + "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {1, '', redis.call('ZCARD', KEYS[1])} end "
            + "redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1]) "
            + "redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) "
            + "return {0, '', redis.call('ZCARD', KEYS[1])}");
    /** KEYS queue, waiting, playing; ARGV user. Returns {removed, match or ''}. */
    private static final RedisSupport.Script LEAVE = new RedisSupport.Script(
            "local r = redis.call('ZREM', KEYS[1], ARGV[1]) "
            + "redis.call('HDEL', KEYS[2], ARGV[1]) "
            + "local m = redis.call('HGET', KEYS[3], ARGV[1]) "
            + "return {r, m or ''}");
    /** KEYS queue, waiting; ARGV n. Returns user, "since sid", user, ... oldest first. */
    private static final RedisSupport.Script OLDEST = new RedisSupport.Script(
            "local us = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1) "
            + "if #us == 0 then return {} end "
            + "local vs = redis.call('HMGET', KEYS[2], unpack(us)) "
            + "local out = {} "
            + "for i = 1, #us do out[#out + 1] = us[i] out[#out + 1] = vs[i] or '' end "
            + "return out");
    /** KEYS queue, waiting, playing; ARGV match, userA, userB. */
    private static final RedisSupport.Script COMMIT = new RedisSupport.Script(
            "if not redis.call('ZSCORE', KEYS[1], ARGV[2]) or not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end "
            + "redis.call('ZREM', KEYS[1], ARGV[2], ARGV[3]) "
            + "redis.call('HDEL', KEYS[2], ARGV[2], ARGV[3]) "
            + "redis.call('HSET', KEYS[3], ARGV[2], ARGV[1], ARGV[3], ARGV[1]) "
            + "return 1");
    /** KEYS playing; ARGV user, match. */
    private static final RedisSupport.Script RELEASE = new RedisSupport.Script(
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end "
            + "return 0");
    /** Most waiting players {@link #oldest} reads at once (bounds the script's unpack). */
    static final int MAX_OLDEST = 1000;

    private final UnifiedJedis redis;
    private final String prefix;

    public RedisMatchmakingQueue(UnifiedJedis redis, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("key prefix must not be empty");
        }
        this.redis = redis;
        this.prefix = prefix;
    }

    private byte[] key(String queue, String part) {
        return bytes(prefix + RedisKeys.tag("mm:" + queue) + ":" + part); // {mm:<queue>}, braces escaped
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(Object reply) {
        return reply == null ? null : new String((byte[]) reply, StandardCharsets.UTF_8);
    }

    @Override
    public Joined join(String queue, String userId, String sid, long now) {
        List<?> r = (List<?>) JOIN.run(redis, "matchmaking join",
                List.of(key(queue, "queue"), key(queue, "seq"), key(queue, "waiting"), key(queue, "playing")),
                List.of(bytes(userId), bytes(now + " " + sid)));
        long outcome = (Long) r.get(0);
        int size = (int) (long) (Long) r.get(2);
        return switch ((int) outcome) {
            case 2 -> new Joined(Outcome.IN_MATCH, string(r.get(1)), size);
            case 1 -> new Joined(Outcome.ALREADY_QUEUED, null, size);
            default -> new Joined(Outcome.QUEUED, null, size);
        };
    }

    @Override
    public Left leave(String queue, String userId) {
        List<?> r = (List<?>) LEAVE.run(redis, "matchmaking leave",
                List.of(key(queue, "queue"), key(queue, "waiting"), key(queue, "playing")), List.of(bytes(userId)));
        String match = string(r.get(1));
        return new Left((Long) r.get(0) == 1, match == null || match.isEmpty() ? null : match);
    }

    @Override
    public List<Waiting> oldest(String queue, int n) {
        int count = Math.max(0, Math.min(n, MAX_OLDEST));
        if (count == 0) {
            return List.of();
        }
        List<?> r = (List<?>) OLDEST.run(redis, "matchmaking oldest",
                List.of(key(queue, "queue"), key(queue, "waiting")), List.of(bytes(Integer.toString(count))));
        List<Waiting> out = new ArrayList<>(r.size() / 2);
        for (int i = 0; i + 1 < r.size(); i += 2) {
            String user = string(r.get(i));
            String value = string(r.get(i + 1));
            int space = value.indexOf(' ');
            if (space <= 0) {
                continue; // no entry (left between the two reads cannot happen in a script; defensive)
            }
            out.add(new Waiting(user, value.substring(space + 1), Long.parseLong(value.substring(0, space))));
        }
        return out;
    }

    @Override
    public boolean commit(String queue, String matchId, String userA, String userB) {
        if (userA.equals(userB)) {
            return false;
        }
        return (Long) COMMIT.run(redis, "matchmaking commit",
                List.of(key(queue, "queue"), key(queue, "waiting"), key(queue, "playing")),
                List.of(bytes(matchId), bytes(userA), bytes(userB))) == 1;
    }

    @Override
    public String matchOf(String queue, String userId) {
        return string(RedisSupport.call("matchmaking match", () -> redis.hget(key(queue, "playing"), bytes(userId))));
    }

    @Override
    public Map<String, String> matchesOf(String queue, Collection<String> userIds) {
        Map<String, String> out = new HashMap<>();
        if (userIds.isEmpty()) {
            return out;
        }
        List<String> users = List.copyOf(userIds);
        byte[][] fields = new byte[users.size()][];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = bytes(users.get(i));
        }
        List<byte[]> values = RedisSupport.call("matchmaking matches", () -> redis.hmget(key(queue, "playing"), fields));
        for (int i = 0; i < users.size(); i++) {
            if (values.get(i) != null) {
                out.put(users.get(i), string(values.get(i)));
            }
        }
        return out;
    }

    @Override
    public boolean release(String queue, String userId, String matchId) {
        return (Long) RELEASE.run(redis, "matchmaking release", List.of(key(queue, "playing")),
                List.of(bytes(userId), bytes(matchId))) == 1;
    }

    @Override
    public int size(String queue) {
        return (int) (long) RedisSupport.call("matchmaking size", () -> redis.zcard(key(queue, "queue")));
    }
}
