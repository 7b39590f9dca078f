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
     * KEYS meta, log; ARGV event, fresh epoch, capacity, ttl ms, room byte budget. Keeps the
     * stream's event bytes in the meta hash ({@code bytes}) and drops the oldest events while the
     * list is over either cap; an event over the byte budget by itself empties the list (the
     * stream's kept events must end at its head). Returns {head, epoch}.
     */
    private static final RedisSupport.Script APPEND = new RedisSupport.Script(
            "local epoch = redis.call('HGET', KEYS[1], 'epoch') "
            + "if not epoch then epoch = ARGV[2] redis.call('DEL', KEYS[2]) "
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
     * ARGV epoch, offset, limit, max bytes. Returns {0} (no stream), {0, epoch, head} (not
     * recovered) or {1, epoch, head, first, events...}: at most limit events and, beyond the
     * first, at most max bytes of them (read in chunks, so a capped read never copies the list).
     */
    private static final RedisSupport.Script SINCE = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'head') "
            + "if not m[1] then return {0} end "
            + "local head = tonumber(m[2]) local off = tonumber(ARGV[2]) "
            + "if m[1] ~= ARGV[1] or off < 0 or off > head then return {0, m[1], head} end "
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
    /** ARGV limit, max bytes. Returns {} (no stream) or {head, epoch, events...}: the newest that fit. */
    private static final RedisSupport.Script LATEST = new RedisSupport.Script(
            "local m = redis.call('HMGET', KEYS[1], 'epoch', 'head') "
            + "if not m[1] then return {} end "
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

    @Override
    public Appended append(String room, byte[] event) {
        List<?> r = (List<?>) APPEND.run(redis, "history append", keys(room),
                List.of(event, bytes(InMemoryHistoryStore.newEpoch()), capacityArg, ttlArg, roomMaxBytesArg));
        return new Appended(number(r.get(0)), string(r.get(1)));
    }

    @Override
    public Recovery since(String room, String epoch, long offset, int limit, long maxBytes) {
        InMemoryHistoryStore.checkLimit(limit);
        List<?> r = (List<?>) SINCE.run(redis, "history since", keys(room),
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
        List<?> r = (List<?>) LATEST.run(redis, "history latest", keys(room),
                List.of(bytes(Integer.toString(limit)), bytes(Long.toString(maxBytes))));
        if (r.isEmpty()) {
            return List.of();
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
        List<byte[]> keys = keys(room);
        RedisSupport.call("history clear", () -> redis.del(keys.get(0), keys.get(1)));
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
