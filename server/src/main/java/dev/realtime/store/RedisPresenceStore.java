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
 * </pre>
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
    private static final RedisSupport.Script MEMBERSHIP = new RedisSupport.Script(
            "local op = ARGV[1] == '1' and 'SADD' or 'SREM' "
            + "redis.call(op, KEYS[1], ARGV[2]) redis.call(op, KEYS[2], ARGV[3]) return 1");

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

    /** Lua helper: forget(p, id) deletes every record of node id under presence prefix p. */
    private static final String FORGET_FN =
            "local function forget(p, id) "
            + "  local s = redis.call('HGETALL', p .. 'sessions:' .. id) "
            + "  for i = 1, #s, 2 do redis.call('SREM', p .. 'user:' .. s[i + 1], id .. ' ' .. s[i]) end "
            + "  for _, m in ipairs(redis.call('SMEMBERS', p .. 'joined:' .. id)) do "
            + "    local sp = string.find(m, ' ', 1, true) "
            + "    redis.call('SREM', p .. 'room:' .. string.sub(m, 1, sp - 1), id .. ' ' .. string.sub(m, sp + 1)) end "
            + "  redis.call('DEL', p .. 'sessions:' .. id, p .. 'joined:' .. id, p .. 'alive:' .. id) "
            + "  redis.call('SREM', p .. 'nodes', id) end ";
    private static final RedisSupport.Script SWEEP = new RedisSupport.Script(FORGET_FN
            + "local removed = 0 for _, id in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'nodes')) do "
            + "  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. id) == 0 then forget(ARGV[1], id) removed = removed + 1 end "
            + "end return removed");
    private static final RedisSupport.Script FORGET = new RedisSupport.Script(FORGET_FN
            + "forget(ARGV[1], ARGV[2]) return 1");

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
    public void joined(String room, String userId, String nodeId) {
        membership(true, room, userId, nodeId);
    }

    @Override
    public void left(String room, String userId, String nodeId) {
        membership(false, room, userId, nodeId);
    }

    private void membership(boolean join, String room, String userId, String nodeId) {
        RedisSupport.checkToken("node id", nodeId);
        RedisSupport.checkToken("room", room);
        MEMBERSHIP.run(redis, join ? "presence join" : "presence leave",
                List.of(key("room", room), key("joined", nodeId)),
                List.of(bytes(join ? "1" : "0"), bytes(nodeId + " " + userId), bytes(room + " " + userId)));
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
    public int sweep() {
        return (int) number(SWEEP.run(redis, "presence sweep", List.of(), List.of(bytes(p))));
    }

    @Override
    public void forgetNode(String nodeId) {
        FORGET.run(redis, "presence forget", List.of(), List.of(bytes(p), bytes(nodeId)));
    }

    @Override
    public Duration timeout() {
        return timeout;
    }
}
