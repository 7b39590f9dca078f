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
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link InboxStore} in Redis. Keys ({@code P} is the prefix, default {@code rt:}; {@code {user}} is
 * the user's hash tag, {@link RedisKeys#tag}, so a user's two keys share one cluster slot):
 * <pre>
 *   P inbox:seq             string  the id counter (INCR, never below the time in ms x 1000), shared by all users
 *   P inbox:{user}:items    hash    id -> "{createdAtMillis}:" + payload bytes
 *   P inbox:{user}:order    zset    id scored by id (the user's notifications in order)
 *   P inbox:pending         zset    "{id} {user}" scored by createdAtMillis: unread, not forwarded
 * </pre>
 * A user's two keys expire {@code ttl} after their last add; older notifications are skipped and
 * deleted when read. {@code pending} entries are removed on read, on forward, when the cap drops
 * them, and once older than {@code ttl} (trimmed on every add), so it stays bounded even when
 * nothing forwards.
 *
 * <p>Each script touches one user's keys, or {@code pending} alone, so the store works on Redis
 * Cluster; an add is therefore three calls (the id, the user's keys, the pending index) rather than one
 * transaction. The order makes every interruption harmless: an id taken but not used leaves a gap; a
 * notification stored without its pending entry is never forwarded as unacked (it is still replayed
 * and readable); a pending entry whose notification is gone is dropped by the next sweep.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) client; every call is a few
 * bounded round trips and throws {@link StoreUnavailableException} when Redis cannot answer.
 * Creation times come from this node's clock. The client is the caller's; this store never closes it.
 */
public final class RedisInboxStore implements InboxStore {
    /** KEYS items, order; ARGV id, payload, now, capacity, ttl. Returns the ids the cap dropped. */
    private static final RedisSupport.Script ADD = new RedisSupport.Script(
            "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. ':' .. ARGV[2]) "
            + "redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1]) "
            + "local dropped = {} "
            + "local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4]) "
            + "if extra > 0 then "
            + "  dropped = redis.call('ZRANGE', KEYS[2], 0, extra - 1) "
            + "  for _, old in ipairs(dropped) do redis.call('HDEL', KEYS[1], old) end "
            + "  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1) end "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[5]) redis.call('PEXPIRE', KEYS[2], ARGV[5]) "
            + "return dropped");
    /**
     * KEYS seq; ARGV floor. The next id, never below {@code floor} (the time in ms x 1000): a Redis
     * that restarts empty loses the counter, and ids starting again at 1 would repeat old ones (a
     * late ack would delete a new notification, a client de-duplicating by id would drop it).
     */
    private static final RedisSupport.Script NEXT_ID = new RedisSupport.Script(
            "local v = redis.call('INCR', KEYS[1]) local floor = tonumber(ARGV[1]) "
            + "if v < floor then redis.call('SET', KEYS[1], ARGV[1]) v = floor end return v");
    /** KEYS pending; ARGV created, member, expiry cutoff, dropped members... */
    private static final RedisSupport.Script PENDING_ADD = new RedisSupport.Script(
            "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) "
            + "for i = 4, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3]) return 1");
    /** Lua helper: created(v) parses the creation time off a stored value. */
    private static final String CREATED_FN =
            "local function created(v) return tonumber(string.sub(v, 1, string.find(v, ':', 1, true) - 1)) end ";
    /** KEYS items, order; ARGV limit, cutoff (expired at or before). Returns {pairs, id, value..., expired ids...}. */
    private static final RedisSupport.Script UNREAD = new RedisSupport.Script(CREATED_FN
            + "local out = {} local gone = {} local limit = tonumber(ARGV[1]) local cutoff = tonumber(ARGV[2]) "
            + "for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do "
            + "  if #out >= 2 * limit then break end "
            + "  local v = redis.call('HGET', KEYS[1], id) "
            + "  if v and created(v) > cutoff then out[#out + 1] = id out[#out + 1] = v "
            + "  else redis.call('HDEL', KEYS[1], id) redis.call('ZREM', KEYS[2], id) gone[#gone + 1] = id end end "
            + "local r = {#out / 2} for _, x in ipairs(out) do r[#r + 1] = x end "
            + "for _, x in ipairs(gone) do r[#r + 1] = x end return r");
    /** KEYS items, order; ARGV id, expiry cutoff. Returns 1 if the notification was there and unexpired. */
    private static final RedisSupport.Script READ = new RedisSupport.Script(CREATED_FN
            + "local v = redis.call('HGET', KEYS[1], ARGV[1]) "
            + "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1]) "
            + "if v and created(v) > tonumber(ARGV[2]) then return 1 end return 0");

    private final UnifiedJedis redis;
    private final String p;
    private final int capacity;
    private final long ttlMillis;
    private final LongSupplier clock;

    /** Default prefix {@code rt:}, cap and ttl, on the system clock. */
    public RedisInboxStore(UnifiedJedis redis) {
        this(redis, RedisSupport.DEFAULT_PREFIX, DEFAULT_CAPACITY, DEFAULT_TTL, System::currentTimeMillis);
    }

    /** A store whose creation times come from {@code clockMillis} (epoch milliseconds). */
    public RedisInboxStore(UnifiedJedis redis, String prefix, int capacity, Duration ttl, LongSupplier clockMillis) {
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

    /** The user's items and order keys (one hash tag). */
    private List<byte[]> userKeys(String userId) {
        String tagged = p + RedisKeys.tag(userId);
        return List.of(bytes(tagged + ":items"), bytes(tagged + ":order"));
    }

    private byte[] pending() {
        return bytes(p + "pending");
    }

    private static byte[] member(String id, String userId) {
        return bytes(id + " " + userId);
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
        String id = Long.toString((Long) NEXT_ID.run(redis, "inbox id", List.of(bytes(p + "seq")),
                List.of(bytes(Long.toString(now * 1000)))));
        List<?> dropped = (List<?>) ADD.run(redis, "inbox add", userKeys(userId),
                List.of(bytes(id), payload, bytes(Long.toString(now)), bytes(Integer.toString(capacity)),
                        bytes(Long.toString(ttlMillis))));
        List<byte[]> args = new ArrayList<>(3 + dropped.size());
        args.add(bytes(Long.toString(now)));
        args.add(member(id, userId));
        args.add(bytes(Long.toString(now - ttlMillis)));
        for (Object old : dropped) {
            args.add(member(string(old), userId));
        }
        PENDING_ADD.run(redis, "inbox pending", List.of(pending()), args);
        return new Notification(id, now, payload);
    }

    @Override
    public List<Notification> unread(String userId, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        long cutoff = clock.getAsLong() - ttlMillis;
        List<?> r = (List<?>) UNREAD.run(redis, "inbox unread", userKeys(userId),
                List.of(bytes(Integer.toString(limit)), bytes(Long.toString(cutoff))));
        int pairs = (int) number(r.get(0));
        List<Notification> out = new ArrayList<>(pairs);
        for (int i = 0; i < pairs; i++) {
            out.add(parse(r.get(1 + 2 * i), r.get(2 + 2 * i)));
        }
        if (r.size() > 1 + 2 * pairs) {
            byte[][] expired = new byte[r.size() - 1 - 2 * pairs][];
            for (int i = 1 + 2 * pairs; i < r.size(); i++) {
                expired[i - 1 - 2 * pairs] = member(string(r.get(i)), userId);
            }
            RedisSupport.call("inbox expire", () -> redis.zrem(pending(), expired));
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
        long cutoff = clock.getAsLong() - ttlMillis;
        boolean was = number(READ.run(redis, "inbox read", userKeys(userId),
                List.of(bytes(notificationId), bytes(Long.toString(cutoff))))) == 1;
        byte[] member = member(notificationId, userId);
        RedisSupport.call("inbox read", () -> redis.zrem(pending(), member));
        return was;
    }

    /**
     * Candidates from {@code pending}, then each one's notification from its user's keys (one round
     * trip each, at most {@code limit}): a candidate whose notification is gone or expired is dropped.
     */
    @Override
    public List<Pending> unackedOlderThan(Duration age, int limit) {
        InMemoryHistoryStore.checkLimit(limit);
        long now = clock.getAsLong();
        long expiryCutoff = now - ttlMillis;
        List<byte[]> candidates = RedisSupport.call("inbox unacked", () -> redis.zrangeByScore(pending(),
                bytes("-inf"), bytes(Long.toString(now - age.toMillis())), 0, limit));
        List<Pending> out = new ArrayList<>(candidates.size());
        for (byte[] m : candidates) {
            String member = new String(m, StandardCharsets.UTF_8);
            int sp = member.indexOf(' ');
            String id = member.substring(0, sp);
            String user = member.substring(sp + 1);
            byte[] v = RedisSupport.call("inbox unacked", () -> redis.hget(userKeys(user).get(0), bytes(id)));
            Notification n = v == null ? null : parse(bytes(id), v);
            if (n != null && n.createdAtMillis() > expiryCutoff) {
                out.add(new Pending(user, n));
            } else {
                RedisSupport.call("inbox unacked", () -> redis.zrem(pending(), m));
            }
        }
        return out;
    }

    @Override
    public boolean markForwarded(String userId, String notificationId) {
        if (!validId(notificationId)) {
            return false;
        }
        byte[] member = member(notificationId, userId);
        return RedisSupport.call("inbox forwarded", () -> redis.zrem(pending(), member)) == 1;
    }

    /**
     * Back into {@code pending} with its creation time. Not atomic with a read of it (the user's keys
     * are in another slot), which is harmless: {@link #unackedOlderThan} drops members whose
     * notification is gone.
     */
    @Override
    public void releaseForwarded(String userId, Notification n) {
        if (!validId(n.id())) {
            return;
        }
        byte[] member = member(n.id(), userId);
        RedisSupport.call("inbox release", () -> redis.zadd(pending(), n.createdAtMillis(), member));
    }

    @Override
    public int capacity() {
        return capacity;
    }
}
