package dev.realtime.store;

import static dev.realtime.store.RedisSupport.bytes;
import static dev.realtime.store.RedisSupport.number;
import static dev.realtime.store.RedisSupport.string;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.JedisPooled;

/**
 * {@link PresenceStore} in Redis. Keys ({@code P} is the prefix, default {@code rt:}):
 * <pre>
 *   P presence:nodes            set     node ids that have heartbeated (the sweep's work list)
 *   P presence:alive:{node}     string  "1" with PX = timeout: the node is live while it exists
 *   P presence:sessions:{node}  hash    sid -> user id (the node's connections)
 *   P presence:user:{user}      set     "{node} {sid}" (the user's connections, cluster-wide)
 *   P presence:room:{room}      set     "{node} {user}" (who is in the room, through which node)
 *   P presence:joined:{node}    set     "{room} {user}" (index so a dead node's rooms can be swept)
 *   P presence:users:{{room}}   hash    user -> number of nodes (live or not) with the user in the room
 * </pre>
 * The users hash makes first joins and last leaves cluster-wide decisions of one atomic script; its
 * hash tag is the room name (the room set is to carry the same tag under Redis Cluster).
 * Liveness lives in Redis (the alive key's TTL), so node clocks never matter. Queries are one Lua
 * script each that skips members of nodes whose alive key is gone; {@link #sweep()} deletes those
 * nodes' keys in one script. Writes are small atomic scripts.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) pool; every call is one or two
 * bounded round trips and throws {@link StoreUnavailableException} when Redis cannot answer. The
 * pool is the caller's; this store never closes it.
 */
public final class RedisPresenceStore implements PresenceStore {
    private static final RedisSupport.Script ONLINE = new RedisSupport.Script(
            "redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('SADD', KEYS[2], ARGV[3] .. ' ' .. ARGV[1]) return 1");
    private static final RedisSupport.Script OFFLINE = new RedisSupport.Script(
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end "
            + "redis.call('SREM', KEYS[2], ARGV[3] .. ' ' .. ARGV[1]) return 1");
    private static final RedisSupport.Script HEARTBEAT = new RedisSupport.Script(
            "local was = redis.call('EXISTS', KEYS[1]) "
            + "redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) redis.call('SADD', KEYS[2], ARGV[1]) return was");
    /**
     * KEYS: room set, node index, room users hash; ARGV: '1' join / '0' leave, "node user",
     * "room user", user. Returns {changed, users}: whether the user entered (left) the room through
     * its first (last) node, and the room's user count.
     */
    private static final RedisSupport.Script MEMBERSHIP = new RedisSupport.Script(
            "local changed = 0 "
            + "if ARGV[1] == '1' then "
            + "  if redis.call('SADD', KEYS[1], ARGV[2]) == 1 and redis.call('HINCRBY', KEYS[3], ARGV[4], 1) == 1 then changed = 1 end "
            + "  redis.call('SADD', KEYS[2], ARGV[3]) "
            + "else "
            + "  if redis.call('SREM', KEYS[1], ARGV[2]) == 1 and redis.call('HINCRBY', KEYS[3], ARGV[4], -1) <= 0 then "
            + "    redis.call('HDEL', KEYS[3], ARGV[4]) changed = 1 end "
            + "  redis.call('SREM', KEYS[2], ARGV[3]) "
            + "end "
            + "return {changed, redis.call('HLEN', KEYS[3])}");

    /** Lua helper: alive(id) with a per-call cache. ARGV[1] of every query is the alive-key prefix. */
    private static final String ALIVE_FN =
            "local cache = {} "
            + "local function alive(id) local v = cache[id] "
            + "  if v == nil then v = redis.call('EXISTS', ARGV[1] .. id) == 1 cache[id] = v end return v end "
            + "local function split(m) local sp = string.find(m, ' ', 1, true) "
            + "  return string.sub(m, 1, sp - 1), string.sub(m, sp + 1) end ";
    /** KEYS[1] = a user's connection set: how many of them are on live nodes. */
    private static final RedisSupport.Script COUNT_LIVE = new RedisSupport.Script(ALIVE_FN
            + "local n = 0 for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
            + "  local node = split(m) if alive(node) then n = n + 1 end end return n");
    /** KEYS[1] = a room set: the users on live nodes (may repeat). */
    private static final RedisSupport.Script ROOM_LIVE = new RedisSupport.Script(ALIVE_FN
            + "local out = {} for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
            + "  local node, user = split(m) if alive(node) then out[#out + 1] = user end end return out");
    /** KEYS[1] = nodes set; ARGV[2] = sessions prefix; ARGV[3] = '1' for users, else counts. */
    private static final RedisSupport.Script NODES_LIVE = new RedisSupport.Script(ALIVE_FN
            + "local out = {} for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do if alive(id) then "
            + "  if ARGV[3] == '1' then for _, u in ipairs(redis.call('HVALS', ARGV[2] .. id)) do out[#out + 1] = u end "
            + "  else out[#out + 1] = id out[#out + 1] = redis.call('HLEN', ARGV[2] .. id) end end end return out");

    /**
     * Lua helper: forget(p, id, out) deletes every record of node id under presence prefix p, and
     * appends room, user, users-left to out for each room the user is in through no node any more.
     */
    private static final String FORGET_FN =
            "local function forget(p, id, out) "
            + "  local s = redis.call('HGETALL', p .. 'sessions:' .. id) "
            + "  for i = 1, #s, 2 do redis.call('SREM', p .. 'user:' .. s[i + 1], id .. ' ' .. s[i]) end "
            + "  for _, m in ipairs(redis.call('SMEMBERS', p .. 'joined:' .. id)) do "
            + "    local sp = string.find(m, ' ', 1, true) "
            + "    local room, user = string.sub(m, 1, sp - 1), string.sub(m, sp + 1) "
            + "    if redis.call('SREM', p .. 'room:' .. room, id .. ' ' .. user) == 1 then "
            + "      local users = p .. 'users:{' .. room .. '}' "
            + "      if redis.call('HINCRBY', users, user, -1) <= 0 then redis.call('HDEL', users, user) "
            + "        out[#out + 1] = room out[#out + 1] = user out[#out + 1] = redis.call('HLEN', users) end end end "
            + "  redis.call('DEL', p .. 'sessions:' .. id, p .. 'joined:' .. id, p .. 'alive:' .. id) "
            + "  redis.call('SREM', p .. 'nodes', id) end ";
    /** Returns {removed nodes, then room, user, users-left per vacated pair}. */
    private static final RedisSupport.Script SWEEP = new RedisSupport.Script(FORGET_FN
            + "local out = {0} for _, id in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'nodes')) do "
            + "  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. id) == 0 then forget(ARGV[1], id, out) out[1] = out[1] + 1 end "
            + "end return out");
    private static final RedisSupport.Script FORGET = new RedisSupport.Script(FORGET_FN
            + "local out = {0} forget(ARGV[1], ARGV[2], out) return out");

    private final JedisPooled redis;
    private final String p;
    private final Duration timeout;
    private final byte[] timeoutMillis;

    /** A store with the default prefix {@code rt:}. */
    public RedisPresenceStore(JedisPooled redis, Duration timeout) {
        this(redis, RedisSupport.DEFAULT_PREFIX, timeout);
    }

    public RedisPresenceStore(JedisPooled redis, String prefix, Duration timeout) {
        RedisSupport.checkPrefix(prefix);
        this.redis = redis;
        this.p = prefix + "presence:";
        this.timeout = timeout;
        this.timeoutMillis = bytes(Long.toString(RedisSupport.millis(timeout)));
    }

    private byte[] key(String kind, String name) {
        return bytes(p + kind + ":" + name);
    }

    @Override
    public void online(String nodeId, String userId, String sid) {
        RedisSupport.checkToken("node id", nodeId);
        RedisSupport.checkToken("sid", sid);
        ONLINE.run(redis, "presence online", List.of(key("sessions", nodeId), key("user", userId)),
                List.of(bytes(sid), bytes(userId), bytes(nodeId)));
    }

    @Override
    public void offline(String nodeId, String userId, String sid) {
        OFFLINE.run(redis, "presence offline", List.of(key("sessions", nodeId), key("user", userId)),
                List.of(bytes(sid), bytes(userId), bytes(nodeId)));
    }

    @Override
    public boolean heartbeat(String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        Object was = HEARTBEAT.run(redis, "presence heartbeat", List.of(key("alive", nodeId), bytes(p + "nodes")),
                List.of(bytes(nodeId), timeoutMillis));
        return number(was) == 1;
    }

    @Override
    public boolean isOnline(String userId) {
        return connectionCount(userId) > 0;
    }

    @Override
    public Set<String> onlineUsers() {
        Set<String> users = new HashSet<>();
        for (Object u : (List<?>) NODES_LIVE.run(redis, "presence users", List.of(bytes(p + "nodes")),
                List.of(bytes(p + "alive:"), bytes(p + "sessions:"), bytes("1")))) {
            users.add(string(u));
        }
        return users;
    }

    @Override
    public int connectionCount(String userId) {
        return (int) number(COUNT_LIVE.run(redis, "presence count", List.of(key("user", userId)),
                List.of(bytes(p + "alive:"))));
    }

    @Override
    public Map<String, Integer> nodes() {
        List<?> flat = (List<?>) NODES_LIVE.run(redis, "presence nodes", List.of(bytes(p + "nodes")),
                List.of(bytes(p + "alive:"), bytes(p + "sessions:"), bytes("0")));
        Map<String, Integer> nodes = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            nodes.put(string(flat.get(i)), (int) number(flat.get(i + 1)));
        }
        return nodes;
    }

    @Override
    public Occupancy joined(String room, String userId, String nodeId) {
        return membership(true, room, userId, nodeId);
    }

    @Override
    public Occupancy left(String room, String userId, String nodeId) {
        return membership(false, room, userId, nodeId);
    }

    private Occupancy membership(boolean join, String room, String userId, String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        RedisSupport.checkToken("room", room);
        List<?> r = (List<?>) MEMBERSHIP.run(redis, join ? "presence join" : "presence leave",
                List.of(key("room", room), key("joined", nodeId), bytes(p + "users:{" + room + "}")),
                List.of(bytes(join ? "1" : "0"), bytes(nodeId + " " + userId), bytes(room + " " + userId), bytes(userId)));
        return new Occupancy(number(r.get(0)) == 1, (int) number(r.get(1)));
    }

    @Override
    public Set<String> members(String room) {
        Set<String> users = new HashSet<>();
        for (Object u : (List<?>) ROOM_LIVE.run(redis, "presence members", List.of(key("room", room)),
                List.of(bytes(p + "alive:")))) {
            users.add(string(u));
        }
        return users;
    }

    @Override
    public int sweep(Vacated vacated) {
        return report((List<?>) SWEEP.run(redis, "presence sweep", List.of(), List.of(bytes(p))), vacated);
    }

    @Override
    public void forgetNode(String nodeId, Vacated vacated) {
        report((List<?>) FORGET.run(redis, "presence forget", List.of(), List.of(bytes(p), bytes(nodeId))), vacated);
    }

    /** {@code {count, room, user, users-left, ...}}: reports each vacated pair, returns the count. */
    private static int report(List<?> out, Vacated vacated) {
        for (int i = 1; i + 2 < out.size(); i += 3) {
            vacated.vacated(string(out.get(i)), string(out.get(i + 1)), (int) number(out.get(i + 2)));
        }
        return (int) number(out.get(0));
    }

    @Override
    public Duration timeout() {
        return timeout;
    }
}
