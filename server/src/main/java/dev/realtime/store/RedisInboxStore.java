package dev.realtime.store;

import static dev.realtime.store.RedisSupport.bytes;
import static dev.realtime.store.RedisSupport.number;
import static dev.realtime.store.RedisSupport.string;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import redis.clients.jedis.JedisPooled;

/**
 * {@link InboxStore} in Redis. Keys ({@code P} is the prefix, default {@code rt:}):
 * <pre>
 *   P inbox:seq            string  the id counter (INCR), shared by all users
 *   P inbox:items:{user}   hash    id -> "{createdAtMillis}:" + payload bytes
 *   P inbox:order:{user}   zset    id scored by id (the user's notifications in order)
 *   P inbox:pending        zset    "{id} {user}" scored by createdAtMillis: unread, not forwarded
 * </pre>
 * A user's two keys expire {@code ttl} after their last add; older notifications are skipped and
 * deleted when read. {@code pending} entries are removed on read, on forward, when the cap drops
 * them, and once older than {@code ttl} (trimmed on every add), so it stays bounded even when
 * nothing forwards. Every operation is one Lua script (or one command).
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) pool; every call is one bounded
 * round trip and throws {@link StoreUnavailableException} when Redis cannot answer. Creation times
 * come from this node's clock. The pool is the caller's; this store never closes it.
 */
public final class RedisInboxStore implements InboxStore {
    /** KEYS seq, items, order, pending; ARGV payload, now, capacity, ttl, user. Returns the id. */
    private static final RedisSupport.Script ADD = new RedisSupport.Script(
            "local id = string.format('%d', redis.call('INCR', KEYS[1])) "
            + "redis.call('HSET', KEYS[2], id, ARGV[2] .. ':' .. ARGV[1]) "
            + "redis.call('ZADD', KEYS[3], id, id) "
            + "redis.call('ZADD', KEYS[4], ARGV[2], id .. ' ' .. ARGV[5]) "
            + "local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[3]) "
            + "if extra > 0 then "
            + "  for _, old in ipairs(redis.call('ZRANGE', KEYS[3], 0, extra - 1)) do "
            + "    redis.call('HDEL', KEYS[2], old) redis.call('ZREM', KEYS[4], old .. ' ' .. ARGV[5]) end "
            + "  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1) end "
            + "redis.call('PEXPIRE', KEYS[2], ARGV[4]) redis.call('PEXPIRE', KEYS[3], ARGV[4]) "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', "
            + "  string.format('%d', tonumber(ARGV[2]) - tonumber(ARGV[4]))) "
            + "return id");
    /** Lua helper: created(v) parses the creation time off a stored value. */
    private static final String CREATED_FN =
            "local function created(v) return tonumber(string.sub(v, 1, string.find(v, ':', 1, true) - 1)) end ";
    /** KEYS items, order, pending; ARGV limit, cutoff (expired at or before), user. Returns id, value pairs. */
    private static final RedisSupport.Script UNREAD = new RedisSupport.Script(CREATED_FN
            + "local out = {} local limit = tonumber(ARGV[1]) local cutoff = tonumber(ARGV[2]) "
            + "for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do "
            + "  if #out >= 2 * limit then break end "
            + "  local v = redis.call('HGET', KEYS[1], id) "
            + "  if v and created(v) > cutoff then out[#out + 1] = id out[#out + 1] = v "
            + "  else redis.call('HDEL', KEYS[1], id) redis.call('ZREM', KEYS[2], id) "
            + "    redis.call('ZREM', KEYS[3], id .. ' ' .. ARGV[3]) end end "
            + "return out");
    /** KEYS items, order, pending; ARGV id, user. Returns 1 if the notification was there. */
    private static final RedisSupport.Script READ = new RedisSupport.Script(
            "local n = redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1]) "
            + "redis.call('ZREM', KEYS[3], ARGV[1] .. ' ' .. ARGV[2]) return n");
    /** KEYS pending; ARGV cutoff, limit, items prefix, expiry cutoff. Returns user, id, value triples. */
    private static final RedisSupport.Script UNACKED = new RedisSupport.Script(CREATED_FN
            + "local out = {} "
            + "for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do "
            + "  local sp = string.find(m, ' ', 1, true) "
            + "  local id = string.sub(m, 1, sp - 1) local user = string.sub(m, sp + 1) "
            + "  local v = redis.call('HGET', ARGV[3] .. user, id) "
            + "  if v and created(v) > tonumber(ARGV[4]) then out[#out + 1] = user out[#out + 1] = id out[#out + 1] = v "
            + "  else redis.call('ZREM', KEYS[1], m) end end "
            + "return out");

    private final JedisPooled redis;
    private final String p;
    private final int capacity;
    private final long ttlMillis;
    private final LongSupplier clock;

    /** Default prefix {@code rt:}, cap and ttl, on the system clock. */
    public RedisInboxStore(JedisPooled redis) {
        this(redis, RedisSupport.DEFAULT_PREFIX, DEFAULT_CAPACITY, DEFAULT_TTL, System::currentTimeMillis);
    }

    /** A store whose creation times come from {@code clockMillis} (epoch milliseconds). */
    public RedisInboxStore(JedisPooled redis, String prefix, int capacity, Duration ttl, LongSupplier clockMillis) {
        RedisSupport.checkPrefix(prefix);
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1");
        }
        this.redis = redis;
        this.p = prefix + "inbox:";
        this.capacity = capacity;
        this.ttlMillis = RedisSupport.millis(ttl);
        this.clock = clockMillis;
    }

    private List<byte[]> userKeys(String userId) {
        return List.of(bytes(p + "items:" + userId), bytes(p + "order:" + userId), bytes(p + "pending"));
    }

    private static Notification parse(Object id, Object value) {
        byte[] v = (byte[]) value;
        int colon = 0;
        while (v[colon] != ':') {
            colon++;
        }
        long created = Long.parseLong(new String(v, 0, colon, StandardCharsets.US_ASCII));
        return new Notification(string(id), created, Arrays.copyOfRange(v, colon + 1, v.length));
    }

    @Override
    public Notification add(String userId, byte[] payload) {
        long now = clock.getAsLong();
        List<byte[]> keys = userKeys(userId);
        Object id = ADD.run(redis, "inbox add", List.of(bytes(p + "seq"), keys.get(0), keys.get(1), keys.get(2)),
                List.of(payload, bytes(Long.toString(now)), bytes(Integer.toString(capacity)),
                        bytes(Long.toString(ttlMillis)), bytes(userId)));
        return new Notification(string(id), now, payload);
    }

    @Override
    public List<Notification> unread(String userId, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        long cutoff = clock.getAsLong() - ttlMillis;
        List<?> r = (List<?>) UNREAD.run(redis, "inbox unread", userKeys(userId),
                List.of(bytes(Integer.toString(limit)), bytes(Long.toString(cutoff)), bytes(userId)));
        List<Notification> out = new ArrayList<>(r.size() / 2);
        for (int i = 0; i + 1 < r.size(); i += 2) {
            out.add(parse(r.get(i), r.get(i + 1)));
        }
        return out;
    }

    private static boolean validId(String id) {
        if (id == null || id.isEmpty() || id.length() > 19) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean markRead(String userId, String notificationId) {
        if (!validId(notificationId)) {
            return false;
        }
        return number(READ.run(redis, "inbox read", userKeys(userId),
                List.of(bytes(notificationId), bytes(userId)))) == 1;
    }

    @Override
    public List<Pending> unackedOlderThan(Duration age, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        long now = clock.getAsLong();
        List<?> r = (List<?>) UNACKED.run(redis, "inbox unacked", List.of(bytes(p + "pending")),
                List.of(bytes(Long.toString(now - age.toMillis())), bytes(Integer.toString(limit)), bytes(p + "items:"),
                        bytes(Long.toString(now - ttlMillis))));
        List<Pending> out = new ArrayList<>(r.size() / 3);
        for (int i = 0; i + 2 < r.size(); i += 3) {
            out.add(new Pending(string(r.get(i)), parse(r.get(i + 1), r.get(i + 2))));
        }
        return out;
    }

    @Override
    public boolean markForwarded(String userId, String notificationId) {
        if (!validId(notificationId)) {
            return false;
        }
        byte[] member = bytes(notificationId + " " + userId);
        return RedisSupport.call("inbox forwarded", () -> redis.zrem(bytes(p + "pending"), member)) == 1;
    }

    @Override
    public int capacity() {
        return capacity;
    }
}
