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
 * <p>A queue may also be opened before its replay is read ({@link #awaitingReplay}): a reconnect's
 * unread notifications are read from the inbox while the connection already receives its user
 * room, so a notification stored meanwhile arrives live first. Until {@link #placeReplay} the queue
 * writes nothing; then the replay goes in front of everything held, and held live frames that are
 * byte for byte a frame of the replay (the same notification, same id, same encoding) are dropped:
 * the client gets its notifications once each, oldest first.
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
    /** Set while the replay this queue waits for has not been read yet: nothing may be written. */
    private boolean awaitingReplay;

    HeldFrames(long liveBudget) {
        this(liveBudget, false);
    }

    /** @param awaitingReplay true: hold everything until {@link #placeReplay} (see the class comment) */
    HeldFrames(long liveBudget, boolean awaitingReplay) {
        this.liveBudget = liveBudget;
        this.awaitingReplay = awaitingReplay;
    }

    /** Whether the replay this queue was opened for is still being read (nothing may be written yet). */
    boolean awaitingReplay() {
        return awaitingReplay;
    }

    /**
     * The awaited replay arrived: puts {@code replay} (taking ownership) in front of everything held,
     * in order, drops held live frames equal to one of them, and lets the queue drain. On a queue
     * not awaiting a replay the frames go behind what is held instead. Returns how many live frames
     * were dropped as duplicates.
     */
    int placeReplay(java.util.List<ByteBuf> replay) {
        if (!awaitingReplay) {
            // Not opened for this replay (another one's frames are draining): it queues behind them.
            int dropped = dropRepeats(replay);
            replay.forEach(this::addReplay);
            return dropped;
        }
        awaitingReplay = false;
        int dropped = dropRepeats(replay);
        for (int i = replay.size() - 1; i >= 0; i--) {
            ByteBuf frame = replay.get(i);
            frames.addFirst(new Held(frame, false));
            bytes += frame.readableBytes();
        }
        return dropped;
    }

    /** Drops held live frames equal to a frame of {@code replay}; returns how many. */
    private int dropRepeats(java.util.List<ByteBuf> replay) {
        int dropped = 0;
        if (!replay.isEmpty() && !frames.isEmpty()) {
            for (java.util.Iterator<Held> it = frames.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (h.live && duplicateOf(h.frame, replay)) {
                    it.remove();
                    int size = h.frame.readableBytes();
                    bytes -= size;
                    liveBytes -= size;
                    h.frame.release();
                    dropped++;
                }
            }
        }
        return dropped;
    }

    private static boolean duplicateOf(ByteBuf frame, java.util.List<ByteBuf> replay) {
        for (ByteBuf r : replay) {
            if (io.netty.buffer.ByteBufUtil.equals(frame, r)) {
                return true;
            }
        }
        return false;
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
