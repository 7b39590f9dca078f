package dev.realtime.store;

import static dev.realtime.store.RedisSupport.bytes;
import static dev.realtime.store.RedisSupport.number;
import static dev.realtime.store.RedisSupport.string;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link PresenceStore} in Redis. A node writes its records under its current <em>life</em>
 * ({@code <node>@<random>}): a new life starts when the node finds its previous one expired, so a
 * sweep of the dead life and the node's re-announcement touch disjoint keys and can never undo each
 * other. Keys ({@code P} is the prefix, default {@code rt:}; {@code {x}} is {@code x}'s hash tag,
 * {@link RedisKeys#tag}):
 * <pre>
 *   P presence:nodes                 hash  life -> deadline (ms, Redis clock): live while in the future
 *   P presence:{life}:sessions       hash  sid -> user id (the life's connections)
 *   P presence:{life}:joined         set   "{room} {user}" (index so a dead life's rooms can be swept)
 *   P presence:user:{user}           set   "{life} {sid}" (the user's connections, cluster-wide)
 *   P presence:room:{room}           set   "{life} {user}" (who is in the room, through which node)
 * </pre>
 * Liveness is read from Redis's clock ({@code TIME} in the scripts), so node clocks never matter.
 * Every command touches keys of one hash tag, so the store works on Redis Cluster: a write is two
 * commands (the life's own record first, then the user's or room's index; removals the other way
 * round), so a life's records always cover its index entries and sweeping a life from its records
 * removes all of them. Queries read the live lives (one script), then the user's or room's set.
 *
 * <p>Threading: thread-safe; the only state besides the (thread-safe) client is each node id's
 * current life, kept per store instance (a node uses one instance). Every call is a few bounded round
 * trips and throws {@link StoreUnavailableException} when Redis cannot answer. The client is the
 * caller's; this store never closes it.
 */
public final class RedisPresenceStore implements PresenceStore {
    private static final String NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) ";
    /**
     * KEYS nodes; ARGV life, timeout, fresh ('1': never heartbeated). Returns 1 (was live, extended),
     * 0 (a fresh life, now live) or -1 (expired or swept: the caller starts a new life).
     */
    private static final RedisSupport.Script HEARTBEAT = new RedisSupport.Script(NOW
            + "local d = redis.call('HGET', KEYS[1], ARGV[1]) "
            + "if d and tonumber(d) > now then redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2])) return 1 end "
            + "if not d and ARGV[3] == '1' then redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2])) return 0 end "
            + "return -1");
    /** KEYS nodes; ARGV '1' for the live lives, '0' for the dead ones. */
    private static final RedisSupport.Script LIVES = new RedisSupport.Script(NOW
            + "local out = {} local kv = redis.call('HGETALL', KEYS[1]) "
            + "for i = 1, #kv, 2 do if (tonumber(kv[i + 1]) > now) == (ARGV[1] == '1') then out[#out + 1] = kv[i] end end "
            + "return out");
    /** KEYS sessions; ARGV sid, user: forget the session if it is that user's. */
    private static final RedisSupport.Script OFFLINE = new RedisSupport.Script(
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end return 1");

    private final UnifiedJedis redis;
    private final String p;
    private final Duration timeout;
    private final byte[] timeoutMillis;
    private final byte[] nodesKey;
    /** Node id -> its current life. */
    private final Map<String, Life> lives = new ConcurrentHashMap<>();

    /** A node's current life; {@code beaten} once its first heartbeat made it live. */
    private static final class Life {
        final String id;
        volatile boolean beaten;

        Life(String nodeId) {
            this.id = nodeId + "@" + UUID.randomUUID().toString().substring(0, 8);
        }
    }

    /** A store with the default prefix {@code rt:}. */
    public RedisPresenceStore(UnifiedJedis redis, Duration timeout) {
        this(redis, RedisSupport.DEFAULT_PREFIX, timeout);
    }

    public RedisPresenceStore(UnifiedJedis redis, String prefix, Duration timeout) {
        RedisSupport.checkPrefix(prefix);
        this.redis = redis;
        this.p = prefix + "presence:";
        this.timeout = timeout;
        this.timeoutMillis = bytes(Long.toString(RedisSupport.millis(timeout)));
        this.nodesKey = bytes(p + "nodes");
    }

    private String life(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        return lives.computeIfAbsent(nodeId, Life::new).id;
    }

    private byte[] sessions(String life) {
        return bytes(p + RedisKeys.tag(life) + ":sessions");
    }

    private byte[] joinedIndex(String life) {
        return bytes(p + RedisKeys.tag(life) + ":joined");
    }

    private byte[] userSet(String userId) {
        return bytes(p + "user:" + RedisKeys.tag(userId));
    }

    private byte[] roomSet(String room) {
        return bytes(p + "room:" + RedisKeys.tag(room));
    }

    /** The node id of a life ({@code node@random}). */
    private static String nodeOf(String life) {
        return life.substring(0, life.lastIndexOf('@'));
    }

    /** The life before the first space of an index member ({@code "{life} {sid or user}"}). */
    private static String lifeOf(String member) {
        return member.substring(0, member.indexOf(' '));
    }

    @Override
    public void online(String nodeId, String userId, String sid) {
        RedisSupport.checkToken("sid", sid);
        String life = life(nodeId);
        RedisSupport.call("presence online", () -> redis.hsetnx(sessions(life), bytes(sid), bytes(userId)));
        RedisSupport.call("presence online", () -> redis.sadd(userSet(userId), bytes(life + " " + sid)));
    }

    @Override
    public void offline(String nodeId, String userId, String sid) {
        String life = life(nodeId);
        RedisSupport.call("presence offline", () -> redis.srem(userSet(userId), bytes(life + " " + sid)));
        OFFLINE.run(redis, "presence offline", List.of(sessions(life)), List.of(bytes(sid), bytes(userId)));
    }

    @Override
    public boolean heartbeat(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        Life life = lives.computeIfAbsent(nodeId, Life::new);
        long r = beat(life);
        if (r == 1) {
            return true;
        }
        if (r == -1) {
            // Our life expired (a long pause, an outage): its records may be swept at any moment. Start
            // a new one (the caller re-announces under it) and clear the old one ourselves.
            Life next = new Life(nodeId);
            lives.put(nodeId, next);
            beat(next);
            forgetLife(life.id);
        }
        return false;
    }

    private long beat(Life life) {
        long r = number(HEARTBEAT.run(redis, "presence heartbeat", List.of(nodesKey),
                List.of(bytes(life.id), timeoutMillis, bytes(life.beaten ? "0" : "1"))));
        life.beaten = true;
        return r;
    }

    private List<String> lives(boolean live) {
        List<String> out = new ArrayList<>();
        for (Object l : (List<?>) LIVES.run(redis, "presence lives", List.of(nodesKey), List.of(bytes(live ? "1" : "0")))) {
            out.add(string(l));
        }
        return out;
    }

    @Override
    public boolean isOnline(String userId) {
        return connectionCount(userId) > 0;
    }

    @Override
    public Set<String> onlineUsers() {
        Set<String> users = new HashSet<>();
        for (String life : lives(true)) {
            for (byte[] u : RedisSupport.call("presence users", () -> redis.hvals(sessions(life)))) {
                users.add(new String(u, StandardCharsets.UTF_8));
            }
        }
        return users;
    }

    @Override
    public int connectionCount(String userId) {
        Set<String> live = new HashSet<>(lives(true));
        int n = 0;
        for (byte[] m : RedisSupport.call("presence count", () -> redis.smembers(userSet(userId)))) {
            if (live.contains(lifeOf(new String(m, StandardCharsets.UTF_8)))) {
                n++;
            }
        }
        return n;
    }

    @Override
    public Map<String, Integer> nodes() {
        Map<String, Integer> nodes = new HashMap<>();
        for (String life : lives(true)) {
            long count = RedisSupport.call("presence nodes", () -> redis.hlen(sessions(life)));
            nodes.merge(nodeOf(life), (int) count, Integer::sum);
        }
        return nodes;
    }

    @Override
    public void joined(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        String life = life(nodeId);
        RedisSupport.call("presence join", () -> redis.sadd(joinedIndex(life), bytes(room + " " + userId)));
        RedisSupport.call("presence join", () -> redis.sadd(roomSet(room), bytes(life + " " + userId)));
    }

    @Override
    public void left(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        String life = life(nodeId);
        RedisSupport.call("presence leave", () -> redis.srem(roomSet(room), bytes(life + " " + userId)));
        RedisSupport.call("presence leave", () -> redis.srem(joinedIndex(life), bytes(room + " " + userId)));
    }

    @Override
    public Set<String> members(String room) {
        Set<String> live = new HashSet<>(lives(true));
        Set<String> users = new HashSet<>();
        for (byte[] m : RedisSupport.call("presence members", () -> redis.smembers(roomSet(room)))) {
            String member = new String(m, StandardCharsets.UTF_8);
            if (live.contains(lifeOf(member))) {
                users.add(member.substring(member.indexOf(' ') + 1));
            }
        }
        return users;
    }

    @Override
    public int sweep() {
        List<String> dead = lives(false);
        for (String life : dead) {
            forgetLife(life);
        }
        return dead.size();
    }

    @Override
    public void forgetNode(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        Set<String> all = new HashSet<>();
        for (byte[] f : RedisSupport.call("presence forget", () -> redis.hkeys(nodesKey))) {
            String life = new String(f, StandardCharsets.UTF_8);
            if (nodeOf(life).equals(nodeId)) {
                all.add(life);
            }
        }
        Life current = lives.remove(nodeId);
        if (current != null) {
            all.add(current.id); // records written before its first heartbeat
        }
        for (String life : all) {
            forgetLife(life);
        }
    }

    /**
     * Deletes every record of {@code life}: its index entries (read from its own records), then its
     * records, then its liveness. Idempotent, so several nodes may sweep the same life at once; nobody
     * writes to a dead life any more (its node moved on to a new one).
     */
    private void forgetLife(String life) {
        Map<byte[], byte[]> sessions = RedisSupport.call("presence forget", () -> redis.hgetAll(sessions(life)));
        for (Map.Entry<byte[], byte[]> s : sessions.entrySet()) {
            byte[] member = bytes(life + " " + new String(s.getKey(), StandardCharsets.UTF_8));
            byte[] user = userSet(new String(s.getValue(), StandardCharsets.UTF_8));
            RedisSupport.call("presence forget", () -> redis.srem(user, member));
        }
        for (byte[] m : RedisSupport.call("presence forget", () -> redis.smembers(joinedIndex(life)))) {
            String entry = new String(m, StandardCharsets.UTF_8);
            int sp = entry.indexOf(' ');
            byte[] member = bytes(life + " " + entry.substring(sp + 1));
            RedisSupport.call("presence forget", () -> redis.srem(roomSet(entry.substring(0, sp)), member));
        }
        RedisSupport.call("presence forget", () -> redis.del(sessions(life), joinedIndex(life)));
        RedisSupport.call("presence forget", () -> redis.hdel(nodesKey, bytes(life)));
    }

    @Override
    public Duration timeout() {
        return timeout;
    }
}
