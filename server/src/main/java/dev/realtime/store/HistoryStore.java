package dev.realtime.store;

import java.util.List;

/**
 * Per-room capped history for recovery. Each room has a stream: an {@code epoch} (a random string
 * chosen when the stream is created, and again whenever it is recreated after expiry or
 * {@link #clear}) and offsets that start at 1 and grow by one per appended event. A client that saw
 * offset {@code n} of epoch {@code e} asks {@link #since}{@code (room, e, n, limit)} after a
 * reconnect and gets every later event in order, or {@code recovered=false} when that is impossible.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>{@link #append} is atomic across nodes: concurrent appends to one room from any number of
 *       threads and nodes get distinct offsets with no gaps, and {@link #since}/{@link #latest}
 *       return events in offset order. Callers that need the clients' view ordered like the
 *       offsets append and fan out from one thread per room (the room's shard).</li>
 *   <li>A stream keeps the last {@code capacity} events; it expires {@code ttl} after its last
 *       append (reads do not extend it), and the next append starts a new epoch at offset 1.</li>
 *   <li>{@code since} answers {@code recovered=false} when the room has no stream, the epoch differs,
 *       the offset is ahead of the stream, or events after it were already dropped. With
 *       {@code recovered=true} the events are those after {@code offset}, at most {@code limit};
 *       {@link Recovery#head} tells whether more exist.</li>
 *   <li>Event bytes are stored as given and returned as stored: callers must not modify the arrays
 *       they pass or receive.</li>
 *   <li>Thread-safe. Redis implementations do network I/O (one round trip per call, bounded by the
 *       pool's 2 s timeouts) and throw {@link StoreUnavailableException} when Redis cannot answer.
 *       The in-memory store never blocks and may be called from a room shard; a Redis store should
 *       be called from a per-room ordered executor (one lane per {@code hash(room)}, handing the
 *       fan-out back to the shard when the append returns), never from an event loop.</li>
 * </ul>
 * Implementations: {@link InMemoryHistoryStore} and {@link RedisHistoryStore}.
 */
public interface HistoryStore {

    /** The default {@code ROOM_MESSAGE_HISTORY}. */
    int DEFAULT_CAPACITY = 100;

    /** Where an appended event landed. */
    record Appended(long offset, String epoch) {
    }

    /** One stored event. */
    record Entry(long offset, byte[] event) {
    }

    /**
     * The answer to {@link #since}.
     *
     * @param recovered whether {@code events} is exactly what followed the client's offset
     * @param epoch the room's current epoch, or {@code null} when it has no stream
     * @param head the room's latest offset (0 without a stream)
     * @param events the events after the offset, in order (empty when not recovered)
     */
    record Recovery(boolean recovered, String epoch, long head, List<Entry> events) {
        /** Whether the events reach the head (the client is fully caught up after them). */
        public boolean complete() {
            return recovered && (events.isEmpty() ? head : events.get(events.size() - 1).offset()) == head;
        }
    }

    /** Appends {@code event} to the room's stream, creating the stream (new epoch) if needed. */
    Appended append(String room, byte[] event);

    /** The events after {@code offset} of {@code epoch}, at most {@code limit}; see the class rules. */
    Recovery since(String room, String epoch, long offset, int limit);

    /** The newest {@code limit} events, oldest first; empty without a stream. */
    List<Entry> latest(String room, int limit);

    /** The room's current epoch and latest offset, or {@code null} when it has no stream. */
    Appended head(String room);

    /** Deletes the room's stream; the next append starts a new epoch. */
    void clear(String room);

    /** How many events a stream keeps. */
    int capacity();
}
