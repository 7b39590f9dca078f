package dev.realtime.room;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * Frames held back for one connection while a replay (a recovering join's missed events, a
 * reconnect's unread notifications) drains at the pace the client reads. Replay frames are always
 * taken: what a replay may hold is bounded where it is read ({@code HISTORY_READ_MAX_BYTES},
 * {@code NOTIFY_REPLAY_MAX_BYTES}), and dropping one would make the answer that follows it a lie.
 * Frames that arrive meanwhile (live deliveries, replies) queue behind them, so the order the
 * client sees is the order things happened, up to {@code liveBudget} bytes; beyond that they are
 * refused and the caller applies the slow-consumer policy, as it would to any connection that does
 * not read.
 *
 * <p>Threading: owned by the connection's event loop, like the {@link Subscriber} fields that point
 * here; never touched elsewhere.
 */
final class HeldFrames {
    private record Held(ByteBuf frame, boolean live) {
    }

    private final ArrayDeque<Held> frames = new ArrayDeque<>();
    private final long liveBudget;
    private long bytes;
    private long liveBytes;

    HeldFrames(long liveBudget) {
        this.liveBudget = liveBudget;
    }

    /** Queues a frame of the replay itself; always taken. Takes ownership of {@code frame}. */
    void addReplay(ByteBuf frame) {
        frames.addLast(new Held(frame, false));
        bytes += frame.readableBytes();
    }

    /**
     * Queues a frame that arrived during the replay; takes ownership of {@code frame} either way.
     * Returns false (and releases it) when the held live frames would pass the budget.
     */
    boolean addLive(ByteBuf frame) {
        int size = frame.readableBytes();
        if (liveBytes + size > liveBudget) {
            frame.release();
            return false;
        }
        frames.addLast(new Held(frame, true));
        bytes += size;
        liveBytes += size;
        return true;
    }

    /** The next frame to write, or null; the caller owns it. */
    ByteBuf poll() {
        Held h = frames.pollFirst();
        if (h == null) {
            return null;
        }
        int size = h.frame.readableBytes();
        bytes -= size;
        if (h.live) {
            liveBytes -= size;
        }
        return h.frame;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    /** Bytes held now. */
    long bytes() {
        return bytes;
    }

    /** Releases every held frame (the connection closed); returns how many there were. */
    int releaseAll() {
        int n = frames.size();
        Held h;
        while ((h = frames.pollFirst()) != null) {
            h.frame.release();
        }
        bytes = 0;
        liveBytes = 0;
        return n;
    }
}
