package dev.realtime.socketio;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * For connection-state recovery: which room positions were written to one connection, in write
 * order. The client reports only the last offset it received (one room); the positions of its
 * other rooms at that moment are read from here: the recent writes (a ring) up to that offset, and
 * for older writes the last position per room that left the ring. If the client's offset is no
 * longer in the ring, the other rooms' positions are unknown and {@link #positionsAt} answers null.
 *
 * <p>Threading: owned by the connection's event loop.
 */
final class WriteTracker {
    static final int RING = 64;

    record Position(String epoch, long offset) {
    }

    private final String[] hashes = new String[RING];
    private final String[] epochs = new String[RING];
    private final long[] offsets = new long[RING];
    private int start;
    private int size;
    /** Per room hash, the last position that left the ring. */
    private final Map<String, Position> base = new HashMap<>();

    /** Records the offset carried by a Socket.IO event frame, if it has one of ours. */
    void written(ByteBuf frame) {
        RecoveryOffset o = offsetOf(frame);
        if (o != null) {
            add(o.roomHash(), o.epoch(), o.offset());
        }
    }

    void add(String hash, String epoch, long offset) {
        if (size == RING) {
            base.put(hashes[start], new Position(epochs[start], offsets[start]));
            start = (start + 1) % RING;
            size--;
        }
        int i = (start + size) % RING;
        hashes[i] = hash;
        epochs[i] = epoch;
        offsets[i] = offset;
        size++;
    }

    /**
     * The position of every room (by hash) as of the write of {@code last}, the last offset the
     * client received; null when that write is no longer known (the client was further behind).
     */
    Map<String, Position> positionsAt(RecoveryOffset last) {
        int at = -1;
        for (int k = size - 1; k >= 0; k--) {
            int i = (start + k) % RING;
            if (offsets[i] == last.offset() && hashes[i].equals(last.roomHash()) && epochs[i].equals(last.epoch())) {
                at = k;
                break;
            }
        }
        if (at < 0) {
            return null;
        }
        Map<String, Position> out = new HashMap<>(base);
        for (int k = 0; k <= at; k++) {
            int i = (start + k) % RING;
            out.put(hashes[i], new Position(epochs[i], offsets[i]));
        }
        return out;
    }

    /** What {@link #forEachWrite} visits. */
    interface WriteVisitor {
        void write(String hash, String epoch, long offset);
    }

    /**
     * Visits, oldest first, the positions that left the ring (one per room) and then the ring:
     * adding them in this order to an empty tracker rebuilds what {@link #positionsAt} needs.
     */
    void forEachWrite(WriteVisitor v) {
        base.forEach((hash, p) -> v.write(hash, p.epoch(), p.offset()));
        for (int k = 0; k < size; k++) {
            int i = (start + k) % RING;
            v.write(hashes[i], epochs[i], offsets[i]);
        }
    }

    /** Every room hash this connection received a position of. */
    java.util.Set<String> rooms() {
        java.util.Set<String> out = new java.util.HashSet<>(base.keySet());
        for (int k = 0; k < size; k++) {
            out.add(hashes[(start + k) % RING]);
        }
        return out;
    }

    /** The trailing offset argument of a {@code 42[...,"<offset>"]} frame, or null. */
    static RecoveryOffset offsetOf(ByteBuf framed) {
        RecoveryOffset[] found = {null};
        boolean[] first = {true};
        PollingQueue.unframe(framed, (binary, payload) -> {
            if (first[0] && !binary) {
                found[0] = trailingString(payload);
            }
            first[0] = false;
        });
        return found[0];
    }

    private static RecoveryOffset trailingString(ByteBuf p) {
        int end = p.writerIndex();
        int begin = p.readerIndex();
        if (end - begin < 6 || p.getByte(end - 1) != ']' || p.getByte(end - 2) != '"') {
            return null;
        }
        int close = end - 2;
        int open = close - 1;
        int limit = Math.max(begin, close - 120);
        while (open > limit && p.getByte(open) != '"') {
            open--;
        }
        if (open <= limit || p.getByte(open - 1) != ',') {
            return null;
        }
        return RecoveryOffset.parse(p.toString(open + 1, close - open - 1, StandardCharsets.UTF_8));
    }
}
