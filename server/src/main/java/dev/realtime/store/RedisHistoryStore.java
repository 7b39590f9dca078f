package dev.realtime.store;

import static dev.realtime.store.RedisSupport.bytes;
import static dev.realtime.store.RedisSupport.number;
import static dev.realtime.store.RedisSupport.string;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link HistoryStore} in Redis. Keys ({@code P} is the prefix, default {@code rt:}; {@code {room}}
 * is the room's hash tag, {@link RedisKeys#tag}, so both keys of a room share one cluster slot):
 * <pre>
 *   P hist:{room}:meta  hash  epoch -> the stream's epoch, head -> its latest offset,
 *                             bytes -> the bytes of the events in the list
 *   P hist:{room}:log   list  the last {@code capacity} events (raw bytes), oldest first, at most
 *                             {@code roomMaxBytes} of them
 * </pre>
 * A latest-value stream ({@link #appendLatest}) has {@code mode -> latest} and {@code trimmed -> the
 * highest offset dropped for a cap} in its meta hash, no list, and instead:
 * <pre>
 *   P hist:{room}:lkeys zset  key -> the offset of its newest event (so ZRANGE is offset order)
 *   P hist:{room}:lvals hash  key -> its newest event (raw bytes)
 * </pre>
 * Every script of a room gets all four keys in {@code KEYS} (one hash tag) and reads the meta hash
 * first, so a stream of either kind is read right whoever asks, and an append of the other kind
 * starts a new stream.
 * The offset of a list element is derived ({@code head - LLEN + 1} for the first), so the list holds
 * only the event bytes. {@link #append} is one Lua script (create the stream with a fresh epoch if
 * the meta hash is missing, HINCRBY head, RPUSH, LPOP the oldest while over the count or byte
 * cap, PEXPIRE both keys), so appends from any
 * number of nodes get distinct, gap-free offsets. Reads are one script each.
 *
 * <p>Threading: thread-safe and stateless apart from the (thread-safe) pool; every call is one bounded
 * round trip and throws {@link StoreUnavailableException} when Redis cannot answer. The pool is the
 * caller's; this store never closes it.
 */
public final class RedisHistoryStore implements HistoryStore {
    /**
     * KEYS meta, log, lkeys, lvals; ARGV event, fresh epoch, capacity, ttl ms, room byte budget. Keeps the
     * stream's event bytes in the meta hash ({@code bytes}) and drops the oldest events while the
     * list is over either cap; an event over the byte budget by itself empties the list (the
     * stream's kept events must end at its head). Returns {head, epoch}.
     */
    private static final RedisSupport.Script APPEND = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'mode') local epoch = m[1] "
            + "if not epoch or m[2] then epoch = ARGV[2] redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) "
            + "  redis.call('HSET', KEYS[1], 'epoch', epoch, 'head', 0, 'bytes', 0) end "
            + "local head = redis.call('HINCRBY', KEYS[1], 'head', 1) "
            + "local cap = tonumber(ARGV[3]) local max = tonumber(ARGV[5]) "
            + "local len = redis.call('RPUSH', KEYS[2], ARGV[1]) "
            + "local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', #ARGV[1]) "
            + "while len > 0 and (len > cap or bytes > max) do "
            + "  local e = redis.call('LPOP', KEYS[2]) bytes = bytes - #e len = len - 1 end "
            + "if len == 0 or bytes < 0 then bytes = 0 end "
            + "redis.call('HSET', KEYS[1], 'bytes', bytes) "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[4]) redis.call('PEXPIRE', KEYS[2], ARGV[4]) "
            + "return {head, epoch}");
    /**
     * KEYS meta, lkeys, lvals (of a latest-value stream); ARGV event, fresh epoch, capacity, ttl ms,
     * room byte budget, key. Drops the key's previous event, keeps the new one unless it alone is over
     * the budget, then drops the least recently appended keys while over a cap, raising
     * {@code trimmed} to each dropped offset. Returns {head, epoch}.
     */
    private static final RedisSupport.Script APPEND_LATEST = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'mode') local epoch = m[1] "
            + "if not epoch or m[2] ~= 'latest' then epoch = ARGV[2] "
            + "  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) "
            + "  redis.call('HSET', KEYS[1], 'epoch', epoch, 'head', 0, 'bytes', 0, 'trimmed', 0, 'mode', 'latest') end "
            + "local head = redis.call('HINCRBY', KEYS[1], 'head', 1) "
            + "local key = ARGV[6] local cap = tonumber(ARGV[3]) local max = tonumber(ARGV[5]) "
            + "local s = redis.call('HMGET', KEYS[1], 'bytes', 'trimmed') "
            + "local bytes = tonumber(s[1]) local trimmed = tonumber(s[2]) "
            + "local old = redis.call('HGET', KEYS[4], key) "
            + "if old then bytes = bytes - #old redis.call('HDEL', KEYS[4], key) redis.call('ZREM', KEYS[3], key) end "
            + "if #ARGV[1] > max then trimmed = head else "
            + "  redis.call('ZADD', KEYS[3], head, key) redis.call('HSET', KEYS[4], key, ARGV[1]) "
            + "  bytes = bytes + #ARGV[1] local n = redis.call('ZCARD', KEYS[3]) "
            + "  while n > cap or bytes > max do "
            + "    local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES') "
            + "    local v = redis.call('HGET', KEYS[4], first[1]) "
            + "    redis.call('ZREM', KEYS[3], first[1]) redis.call('HDEL', KEYS[4], first[1]) "
            + "    bytes = bytes - #v n = n - 1 "
            + "    if tonumber(first[2]) > trimmed then trimmed = tonumber(first[2]) end end end "
            + "if bytes < 0 then bytes = 0 end "
            + "redis.call('HSET', KEYS[1], 'bytes', bytes, 'trimmed', string.format('%d', trimmed)) "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[4]) redis.call('PEXPIRE', KEYS[3], ARGV[4]) "
            + "redis.call('PEXPIRE', KEYS[4], ARGV[4]) "
            + "return {head, epoch}");
    /**
     * KEYS meta, log, lkeys, lvals; ARGV epoch, offset, limit, max bytes. Returns {0} (no stream),
     * {0, epoch, head} (not recovered), {1, epoch, head, first, events...} (an ordinary stream) or
     * {2, epoch, head, offset, event, offset, event...} (a latest-value stream): at most limit events
     * and, beyond the first, at most max bytes of them (read in chunks, so a capped read never copies
     * the list).
     */
    private static final RedisSupport.Script SINCE = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'head', 'mode', 'trimmed') "
            + "if not m[1] then return {0} end "
            + "local head = tonumber(m[2]) local off = tonumber(ARGV[2]) "
            + "if m[1] ~= ARGV[1] or off < 0 or off > head then return {0, m[1], head} end "
            + "if m[3] == 'latest' then "
            + "  if off < tonumber(m[4]) then return {0, m[1], head} end "
            + "  local out = {2, m[1], head} local max = tonumber(ARGV[4]) local bytes = 0 "
            + "  local ks = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[3]) "
            + "  for i = 1, #ks, 2 do "
            + "    local v = redis.call('HGET', KEYS[4], ks[i]) bytes = bytes + #v "
            + "    if bytes > max and #out > 3 then return out end "
            + "    out[#out + 1] = ks[i + 1] out[#out + 1] = v end "
            + "  return out end "
            + "local len = redis.call('LLEN', KEYS[2]) local first = head - len + 1 "
            + "if off + 1 < first then return {0, m[1], head} end "
            + "local out = {1, m[1], head, off + 1} "
            + "local i = off + 1 - first local stop = math.min(i + tonumber(ARGV[3]) - 1, len - 1) "
            + "local max = tonumber(ARGV[4]) local bytes = 0 "
            + "while i <= stop do "
            + "  local chunk = redis.call('LRANGE', KEYS[2], i, math.min(i + 63, stop)) "
            + "  for _, e in ipairs(chunk) do "
            + "    bytes = bytes + #e "
            + "    if bytes > max and #out > 4 then return out end "
            + "    out[#out + 1] = e end "
            + "  i = i + #chunk "
            + "  if #chunk == 0 then break end end "
            + "return out");
    /**
     * KEYS meta, log, lkeys, lvals; ARGV limit, max bytes. Returns {} (no stream),
     * {head, epoch, events...} (an ordinary stream) or {head, epoch, 0, offset, event...} (a
     * latest-value stream; the third element is an integer reply, so it cannot be mistaken for an
     * event): the newest that fit, oldest first.
     */
    private static final RedisSupport.Script LATEST = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'head', 'mode') "
            + "if not m[1] then return {} end "
            + "if m[3] == 'latest' then "
            + "  local ks = redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES') "
            + "  local max = tonumber(ARGV[2]) local bytes = 0 local kept = {} "
            + "  for i = 1, #ks, 2 do "
            + "    local v = redis.call('HGET', KEYS[4], ks[i]) bytes = bytes + #v "
            + "    if bytes > max and #kept > 0 then break end "
            + "    kept[#kept + 1] = v kept[#kept + 1] = ks[i + 1] end "
            + "  local out = {tonumber(m[2]), m[1], 0} "
            + "  for j = #kept, 1, -2 do out[#out + 1] = kept[j] out[#out + 1] = kept[j - 1] end "
            + "  return out end "
            + "local len = redis.call('LLEN', KEYS[2]) local max = tonumber(ARGV[2]) "
            + "local floor = math.max(0, len - tonumber(ARGV[1])) local bytes = 0 "
            + "local kept = {} local i = len - 1 "
            + "while i >= floor do "
            + "  local lo = math.max(floor, i - 63) "
            + "  local chunk = redis.call('LRANGE', KEYS[2], lo, i) "
            + "  local stop = false "
            + "  for j = #chunk, 1, -1 do "
            + "    bytes = bytes + #chunk[j] "
            + "    if bytes > max and #kept > 0 then stop = true break end "
            + "    kept[#kept + 1] = chunk[j] end "
            + "  if stop or #chunk == 0 then break end "
            + "  i = lo - 1 end "
            + "local out = {tonumber(m[2]), m[1]} "
            + "for j = #kept, 1, -1 do out[#out + 1] = kept[j] end "
            + "return out");

    private final UnifiedJedis redis;
    private final String p;
    private final int capacity;
    private final byte[] capacityArg;
    private final byte[] ttlArg;
    private final long roomMaxBytes;
    private final byte[] roomMaxBytesArg;

    /** A store with the default prefix {@code rt:}. */
    public RedisHistoryStore(UnifiedJedis redis, int capacity, Duration ttl) {
        this(redis, RedisSupport.DEFAULT_PREFIX, capacity, ttl);
    }

    /** A store without a byte budget per room (only the event count). */
    public RedisHistoryStore(UnifiedJedis redis, String prefix, int capacity, Duration ttl) {
        this(redis, prefix, capacity, ttl, Long.MAX_VALUE);
    }

    /**
     * @param roomMaxBytes most bytes of events one room keeps ({@code ROOM_HISTORY_MAX_BYTES}); the
     *                     oldest are dropped beyond it
     */
    public RedisHistoryStore(UnifiedJedis redis, String prefix, int capacity, Duration ttl, long roomMaxBytes) {
        RedisSupport.checkPrefix(prefix);
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be at least 1");
        }
        if (roomMaxBytes < 1) {
            throw new IllegalArgumentException("history room budget must be positive");
        }
        this.redis = redis;
        this.p = prefix + "hist:";
        this.capacity = capacity;
        this.capacityArg = bytes(Integer.toString(capacity));
        this.ttlArg = bytes(Long.toString(RedisSupport.millis(ttl)));
        this.roomMaxBytes = roomMaxBytes;
        this.roomMaxBytesArg = bytes(Long.toString(roomMaxBytes));
    }

    private List<byte[]> keys(String room) {
        String tagged = p + RedisKeys.tag(room);
        return List.of(bytes(tagged + ":meta"), bytes(tagged + ":log"));
    }

    /** All keys of the room's stream of either kind: meta, log, lkeys, lvals (one hash tag). */
    private List<byte[]> allKeys(String room) {
        String tagged = p + RedisKeys.tag(room);
        return List.of(bytes(tagged + ":meta"), bytes(tagged + ":log"), bytes(tagged + ":lkeys"), bytes(tagged + ":lvals"));
    }

    @Override
    public Appended append(String room, byte[] event) {
        List<?> r = (List<?>) APPEND.run(redis, "history append", allKeys(room),
                List.of(event, bytes(InMemoryHistoryStore.newEpoch()), capacityArg, ttlArg, roomMaxBytesArg));
        return new Appended(number(r.get(0)), string(r.get(1)));
    }

    @Override
    public Appended appendLatest(String room, String key, byte[] event) {
        List<?> r = (List<?>) APPEND_LATEST.run(redis, "history append", allKeys(room),
                List.of(event, bytes(InMemoryHistoryStore.newEpoch()), capacityArg, ttlArg, roomMaxBytesArg, bytes(key)));
        return new Appended(number(r.get(0)), string(r.get(1)));
    }

    /** Offset/event pairs from {@code from} on (a latest-value stream's reply; offsets are score strings). */
    private static List<Entry> pairs(List<?> r, int from) {
        List<Entry> events = new ArrayList<>((r.size() - from) / 2);
        for (int i = from; i + 1 < r.size(); i += 2) {
            events.add(new Entry(Long.parseLong(string(r.get(i))), (byte[]) r.get(i + 1)));
        }
        return events;
    }

    @Override
    public Recovery since(String room, String epoch, long offset, int limit, long maxBytes) {
        InMemoryHistoryStore.checkLimit(limit);
        List<?> r = (List<?>) SINCE.run(redis, "history since", allKeys(room),
                List.of(bytes(epoch == null ? "" : epoch), bytes(Long.toString(offset)), bytes(Integer.toString(limit)),
                        bytes(Long.toString(maxBytes))));
        if (r.size() == 1) {
            return new Recovery(false, null, 0, List.of());
        }
        String current = string(r.get(1));
        long head = number(r.get(2));
        if (number(r.get(0)) == 0) {
            return new Recovery(false, current, head, List.of());
        }
        if (number(r.get(0)) == 2) {
            return new Recovery(true, current, head, pairs(r, 3));
        }
        long first = number(r.get(3));
        List<Entry> events = new ArrayList<>(r.size() - 4);
        for (int i = 4; i < r.size(); i++) {
            events.add(new Entry(first + i - 4, (byte[]) r.get(i)));
        }
        return new Recovery(true, current, head, events);
    }

    @Override
    public List<Entry> latest(String room, int limit, long maxBytes) {
        InMemoryHistoryStore.checkLimit(limit);
        List<?> r = (List<?>) LATEST.run(redis, "history latest", allKeys(room),
                List.of(bytes(Integer.toString(limit)), bytes(Long.toString(maxBytes))));
        if (r.isEmpty()) {
            return List.of();
        }
        if (r.size() > 2 && r.get(2) instanceof Long) {
            return pairs(r, 3);
        }
        long first = number(r.get(0)) - (r.size() - 2) + 1;
        List<Entry> events = new ArrayList<>(r.size() - 2);
        for (int i = 2; i < r.size(); i++) {
            events.add(new Entry(first + i - 2, (byte[]) r.get(i)));
        }
        return events;
    }

    @Override
    public Appended head(String room) {
        List<byte[]> m = RedisSupport.call("history head",
                () -> redis.hmget(keys(room).get(0), bytes("epoch"), bytes("head")));
        if (m.get(0) == null || m.get(1) == null) {
            return null;
        }
        return new Appended(Long.parseLong(string(m.get(1))), string(m.get(0)));
    }

    @Override
    public void clear(String room) {
        List<byte[]> keys = allKeys(room);
        RedisSupport.call("history clear", () -> redis.del(keys.toArray(byte[][]::new)));
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long roomMaxBytes() {
        return roomMaxBytes;
    }
}
