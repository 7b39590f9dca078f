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
 *   <li>A stream keeps the last {@code capacity} events, and no more event bytes than
 *       {@link #roomMaxBytes()}: an append drops the oldest events until both hold, and an event
 *       larger than the room budget by itself is given its offset but not kept (nor anything
 *       before it, since a stream's kept events always end at its head). A stream expires
 *       {@code ttl} after its last append (reads do not extend it), and the next append starts a
 *       new epoch at offset 1. Implementations may also drop whole streams to keep a node-wide
 *       budget (the in-memory store does: least recently appended first).</li>
 *   <li>Reads are bounded in bytes as well as in events: {@link #since(String, String, long, int, long)}
 *       and {@link #latest(String, int, long)} stop before the event that would take the answer
 *       past {@code maxBytes}, but always return at least one event when there is one, so a reader
 *       paging through a room always makes progress.</li>
 *   <li>{@code since} answers {@code recovered=false} when the room has no stream, the epoch differs,
 *       the offset is ahead of the stream, or events after it were already dropped. With
 *       {@code recovered=true} the events are those after {@code offset}, at most {@code limit};
 *       {@link Recovery#head} tells whether more exist.</li>
 *   <li><b>Latest-value streams.</b> A stream appended to with {@link #appendLatest} keeps only the
 *       newest event of each key (the event name: a score board, a status): an append is stamped
 *       like any other (next offset, same epoch) and removes the key's previous event. The stream
 *       keeps at most {@code capacity} keys and {@link #roomMaxBytes()} of event bytes, dropping the
 *       least recently appended keys first; an event over the room budget by itself is stamped but
 *       not kept (and its key's previous event is dropped with it). Its events keep their own
 *       offsets, so offsets in a read have gaps. {@code since} answers {@code recovered=true} when no
 *       event after {@code offset} was dropped for those caps (a replaced event is not missing: its
 *       key's newer event is returned instead), with the kept events after {@code offset} in offset
 *       order, so a client that applies them ends with the newest value of every key; {@code latest}
 *       returns the newest kept events in offset order. Expiry, epochs and read bounds are as for any
 *       stream.</li>
 *   <li>A stream has one kind, set by the append that created it: an {@link #append} to a
 *       latest-value stream, or an {@link #appendLatest} to an ordinary one, starts a new stream (new
 *       epoch, offset 1), as after expiry. (A room's kind changes only when the configuration does.)</li>
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

    /**
     * Appends {@code event} to the room's latest-value stream, replacing the previous event of
     * {@code key} (see the class rules); creates the stream (new epoch) if needed.
     *
     * @throws UnsupportedOperationException from a store without latest-value streams
     */
    default Appended appendLatest(String room, String key, byte[] event) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no latest-value streams");
    }

    /** The events after {@code offset} of {@code epoch}, at most {@code limit}; see the class rules. */
    default Recovery since(String room, String epoch, long offset, int limit) {
        return since(room, epoch, offset, limit, Long.MAX_VALUE);
    }

    /**
     * The events after {@code offset} of {@code epoch}, at most {@code limit} and (beyond the first)
     * at most {@code maxBytes} of event bytes; {@link Recovery#complete()} says whether more follow.
     */
    Recovery since(String room, String epoch, long offset, int limit, long maxBytes);

    /** The newest {@code limit} events, oldest first; empty without a stream. */
    default List<Entry> latest(String room, int limit) {
        return latest(room, limit, Long.MAX_VALUE);
    }

    /** The newest {@code limit} events that fit in {@code maxBytes} (at least one), oldest first. */
    List<Entry> latest(String room, int limit, long maxBytes);

    /** The room's current epoch and latest offset, or {@code null} when it has no stream. */
    Appended head(String room);

    /** Deletes the room's stream; the next append starts a new epoch. */
    void clear(String room);

    /** How many events a stream keeps. */
    int capacity();

    /** How many event bytes a stream keeps at most ({@code ROOM_HISTORY_MAX_BYTES}). */
    default long roomMaxBytes() {
        return Long.MAX_VALUE;
    }
}
