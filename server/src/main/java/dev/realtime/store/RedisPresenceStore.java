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
 *   P presence:nodes                 hash    life -> deadline (ms, Redis clock): live while in the future
 *   P presence:{life}:sessions       hash    sid -> user id (the life's connections)
 *   P presence:{life}:joined         set     "{room} {user}" (index so a dead life's rooms can be swept)
 *   P presence:{life}:gone           string  tombstone a sweep leaves: writes to the swept life are refused
 *   P presence:user:{user}           set     "{life} {sid}" (the user's connections, cluster-wide)
 *   P presence:room:{room}           set     "{life} {user}" (who is in the room, through which node)
 *   P presence:users:{room}          hash    user -> number of lives (live or not) with the user in the room
 * </pre>
 * Liveness is read from Redis's clock ({@code TIME} in the scripts), so node clocks never matter.
 * Every script and command touches keys of one hash tag, so the store works on Redis Cluster:
 * <ul>
 *   <li>A room's set and users hash share the room's tag, so a first join or last leave is decided
 *       by one atomic script (two nodes racing never both see one), like every sweep's removal.</li>
 *   <li>A write is two steps: the user's or room's index entry first, then the life's own record,
 *       refused (atomically, in the life's slot) once a sweep left its tombstone. A refused write
 *       moves the node to a new life, writes there and then drops the old entry, so an index entry
 *       is always either covered by its life's records or about to be removed by its writer, and
 *       sweeping a life from its records removes all of them. Removals go index first too.</li>
 *   <li>A sweep tombstones a dead life and reads its records (one script in the life's slot),
 *       removes the index entries (reporting the rooms' last leaves), deletes the records, and only
 *       then drops the life from the nodes hash: a sweeper that dies midway leaves the work to the
 *       next. Queries read the live lives (one script), then the user's or room's set.</li>
 * </ul>
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
     * 0 (a fresh life, now live) or -1 (expired or swept: the caller starts a new life). A swept
     * life is listed again as dead, so a sweep also clears what was written under it meanwhile.
     */
    private static final RedisSupport.Script HEARTBEAT = new RedisSupport.Script(NOW
            + "local d = redis.call('HGET', KEYS[1], ARGV[1]) "
            + "if d and tonumber(d) > now then redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2])) return 1 end "
            + "if not d and ARGV[3] == '1' then redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2])) return 0 end "
            + "if not d then redis.call('HSET', KEYS[1], ARGV[1], 0) end "
            + "return -1");
    /** KEYS nodes; ARGV '1' for the live lives, '0' for the dead ones. */
    private static final RedisSupport.Script LIVES = new RedisSupport.Script(NOW
            + "local out = {} local kv = redis.call('HGETALL', KEYS[1]) "
            + "for i = 1, #kv, 2 do if (tonumber(kv[i + 1]) > now) == (ARGV[1] == '1') then out[#out + 1] = kv[i] end end "
            + "return out");
    /** KEYS sessions, gone; ARGV sid, user. Returns 0 when the life was swept (nothing written). */
    private static final RedisSupport.Script ONLINE = new RedisSupport.Script(
            "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end "
            + "redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) return 1");
    /** KEYS joined, gone; ARGV "room user". Returns 0 when the life was swept (nothing written). */
    private static final RedisSupport.Script JOINED = new RedisSupport.Script(
            "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end "
            + "redis.call('SADD', KEYS[1], ARGV[1]) return 1");
    /** KEYS sessions; ARGV sid, user: forget the session if it is that user's. */
    private static final RedisSupport.Script OFFLINE = new RedisSupport.Script(
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end return 1");
    /**
     * KEYS room set, room users hash; ARGV '1' join / '0' leave, "life user", user. Returns
     * {changed, users}: whether the user entered (left) the room through its first (last) life, and
     * the room's user count.
     */
    private static final RedisSupport.Script MEMBERSHIP = new RedisSupport.Script(
            "local changed = 0 "
            + "if ARGV[1] == '1' then "
            + "  if redis.call('SADD', KEYS[1], ARGV[2]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[3], 1) == 1 then changed = 1 end "
            + "else "
            + "  if redis.call('SREM', KEYS[1], ARGV[2]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[3], -1) <= 0 then "
            + "    redis.call('HDEL', KEYS[2], ARGV[3]) changed = 1 end "
            + "end "
            + "return {changed, redis.call('HLEN', KEYS[2])}");
    /**
     * KEYS sessions, joined, gone; ARGV tombstone ms ('0': none). Leaves the tombstone and returns
     * {sessions as sid, user..., joined entries}.
     */
    private static final RedisSupport.Script RECORDS = new RedisSupport.Script(
            "if ARGV[1] ~= '0' then redis.call('SET', KEYS[3], '1', 'PX', ARGV[1]) end "
            + "return {redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[2])}");
    /** How many fresh lives one write tries before giving up (only forgetNode racing it takes more than one). */
    private static final int MAX_LIVES_PER_WRITE = 3;

    private final UnifiedJedis redis;
    private final String p;
    private final Duration timeout;
    private final byte[] timeoutMillis;
    private final byte[] tombstoneMillis;
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
        long millis = RedisSupport.millis(timeout);
        this.timeoutMillis = bytes(Long.toString(millis));
        // Outlives any write a swept node still had in flight; a node paused for longer finds its
        // life swept at its next heartbeat, which lists the life again for a sweep.
        this.tombstoneMillis = bytes(Long.toString(Math.max(Duration.ofHours(1).toMillis(), 20 * millis)));
        this.nodesKey = bytes(p + "nodes");
    }

    private Life life(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        return lives.computeIfAbsent(nodeId, Life::new);
    }

    /** Replaces {@code dead} (a swept life) by a new life, unless another thread did already. */
    private Life renew(String nodeId, Life dead) {
        return lives.compute(nodeId, (k, cur) -> cur == null || cur == dead ? new Life(k) : cur);
    }

    private byte[] sessions(String life) {
        return bytes(p + RedisKeys.tag(life) + ":sessions");
    }

    private byte[] joinedIndex(String life) {
        return bytes(p + RedisKeys.tag(life) + ":joined");
    }

    private byte[] tombstone(String life) {
        return bytes(p + RedisKeys.tag(life) + ":gone");
    }

    private byte[] userSet(String userId) {
        return bytes(p + "user:" + RedisKeys.tag(userId));
    }

    private byte[] roomSet(String room) {
        return bytes(p + "room:" + RedisKeys.tag(room));
    }

    private byte[] roomUsers(String room) {
        return bytes(p + "users:" + RedisKeys.tag(room));
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
        Life life = life(nodeId);
        RedisSupport.call("presence online", () -> redis.sadd(userSet(userId), bytes(life.id + " " + sid)));
        Life current = life;
        for (int tries = 1; !written(ONLINE, "presence online", sessions(current.id), current.id, bytes(sid), bytes(userId)); tries++) {
            Life dead = current;
            current = next(nodeId, dead, tries);
            byte[] entry = bytes(current.id + " " + sid);
            RedisSupport.call("presence online", () -> redis.sadd(userSet(userId), entry));
            RedisSupport.call("presence online", () -> redis.srem(userSet(userId), bytes(dead.id + " " + sid)));
        }
    }

    @Override
    public void offline(String nodeId, String userId, String sid) {
        String life = life(nodeId).id;
        RedisSupport.call("presence offline", () -> redis.srem(userSet(userId), bytes(life + " " + sid)));
        OFFLINE.run(redis, "presence offline", List.of(sessions(life)), List.of(bytes(sid), bytes(userId)));
    }

    /** Writes a life's own record with {@code script}; false when a sweep took the life. */
    private boolean written(RedisSupport.Script script, String what, byte[] record, String life, byte[]... args) {
        return number(script.run(redis, what, List.of(record, tombstone(life)), List.of(args))) == 1;
    }

    /** The life after {@code dead}, whose write a sweep refused (our node was dead to the others). */
    private Life next(String nodeId, Life dead, int tries) {
        if (tries >= MAX_LIVES_PER_WRITE) {
            throw new StoreUnavailableException("presence node " + nodeId + ": " + tries + " lives swept during one write", null);
        }
        // Not live before the next heartbeat, which answers "re-announce" for it.
        return renew(nodeId, dead);
    }

    @Override
    public boolean heartbeat(String nodeId) {
        Life life = life(nodeId);
        long r = beat(life);
        if (r == 1) {
            return true;
        }
        if (r == -1) {
            // Our life expired or was swept (a long pause, an outage, a Redis restarted empty): it
            // stays listed as dead until a sweep (ours comes right after the re-announcement, so the
            // users still here never look like they left). Start a new one; the caller re-announces.
            beat(renew(nodeId, life));
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
    public Occupancy joined(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        Life life = life(nodeId);
        Occupancy first = membership(true, room, life.id, userId);
        Occupancy last = first;
        byte[] entry = bytes(room + " " + userId);
        for (int tries = 1; !written(JOINED, "presence join", joinedIndex(life.id), life.id, entry); tries++) {
            Life dead = life;
            life = next(nodeId, dead, tries);
            // In under the new life before the dead one's entry goes: never a false last leave.
            membership(true, room, life.id, userId);
            last = membership(false, room, dead.id, userId);
        }
        return new Occupancy(first.changed(), last.users());
    }

    @Override
    public Occupancy left(String room, String userId, String nodeId) {
        RedisSupport.checkToken("room", room);
        String life = life(nodeId).id;
        Occupancy o = membership(false, room, life, userId);
        RedisSupport.call("presence leave", () -> redis.srem(joinedIndex(life), bytes(room + " " + userId)));
        return o;
    }

    /** The room's half of a join or leave: one script in the room's slot. */
    private Occupancy membership(boolean join, String room, String life, String userId) {
        List<?> r = (List<?>) MEMBERSHIP.run(redis, join ? "presence join" : "presence leave",
                List.of(roomSet(room), roomUsers(room)),
                List.of(bytes(join ? "1" : "0"), bytes(life + " " + userId), bytes(userId)));
        return new Occupancy(number(r.get(0)) == 1, (int) number(r.get(1)));
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
    public int sweep(Vacated vacated) {
        List<String> dead = lives(false);
        for (String life : dead) {
            forgetLife(life, true, vacated);
        }
        return dead.size();
    }

    @Override
    public void forgetNode(String nodeId, Vacated vacated) {
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
            // No tombstone: the node itself forgets its lives (at startup, or closing), not writing meanwhile.
            forgetLife(life, false, vacated);
        }
    }

    /**
     * Deletes every record of {@code life}: reads its records (leaving a tombstone when
     * {@code tombstone}, so its node's late writes are refused), removes their index entries
     * (reporting each room's last leave to {@code vacated}), then deletes the records and the
     * life's liveness. Idempotent, so several nodes may sweep the same life at once: each index
     * entry is removed, and each last leave reported, by exactly one.
     */
    private void forgetLife(String life, boolean tombstone, Vacated vacated) {
        byte[] sessions = sessions(life);
        byte[] joined = joinedIndex(life);
        List<?> records = (List<?>) RECORDS.run(redis, "presence forget", List.of(sessions, joined, tombstone(life)),
                List.of(tombstone ? tombstoneMillis : bytes("0")));
        List<?> sids = (List<?>) records.get(0);
        for (int i = 0; i + 1 < sids.size(); i += 2) {
            byte[] member = bytes(life + " " + string(sids.get(i)));
            byte[] user = userSet(string(sids.get(i + 1)));
            RedisSupport.call("presence forget", () -> redis.srem(user, member));
        }
        for (Object m : (List<?>) records.get(1)) {
            String entry = string(m);
            int sp = entry.indexOf(' ');
            String room = entry.substring(0, sp);
            String user = entry.substring(sp + 1);
            Occupancy o = membership(false, room, life, user);
            if (o.changed()) {
                vacated.vacated(room, user, o.users());
            }
        }
        RedisSupport.call("presence forget", () -> redis.del(sessions, joined));
        RedisSupport.call("presence forget", () -> redis.hdel(nodesKey, bytes(life)));
    }

    @Override
    public Duration timeout() {
        return timeout;
    }
}
