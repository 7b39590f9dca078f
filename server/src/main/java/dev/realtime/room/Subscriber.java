package dev.realtime.room;

import dev.realtime.ws.FrameWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * The delivery endpoint of one connection, as rooms see it. Its identity is the membership key.
 * A subscriber speaks one encoding (an index into the room service's {@link EventEncoder}s:
 * {@link #JSON}, {@link #BINARY}, or one registered by another endpoint) and writes through a
 * {@link DeliverySink}: its WebSocket channel, or a transport's own.
 *
 * <p>Threading: the final fields and the volatile user id are safe to read from any thread (shards read them); the mutable
 * fields are owned by the subscriber's event loop and touched only by {@link LoopOutbox} there.
 */
public final class Subscriber {
    /** The encoding of native {@code rt.json.v1} connections. */
    public static final int JSON = 0;
    /** The encoding of native {@code rt.binary.v1} connections. */
    public static final int BINARY = 1;

    private final String sid;
    /** Set at connect, or when an anonymous connection authenticates ({@link #identify}); read by shards. */
    private volatile String userId;
    private final int encoding;
    private final LoopOutbox outbox;
    private final DeliverySink sink;

    // owned by the outbox's loop
    boolean flushPending;
    boolean slowClosed;
    /** When a delayed flush is due ({@code System.nanoTime()}), 0 when none is (see {@link LoopOutbox}). */
    long flushDueNanos;
    /** Frames held behind a replay that is still draining; null when none (the common case). */
    HeldFrames held;

    /** A native WebSocket connection: frames go to {@code channel}. */
    public Subscriber(String sid, String userId, Channel channel, boolean binary, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.encoding = binary ? BINARY : JSON;
        this.outbox = outbox;
        FrameWriter writer = FrameWriter.of(channel);
        this.sink = writer != null ? writer : new ChannelSink(channel); // the writer is the sink (no extra object)
    }

    /** A connection with its own sink and encoding ({@code outbox} must be the sink's loop). */
    public Subscriber(String sid, String userId, DeliverySink sink, int encoding, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.encoding = encoding;
        this.outbox = outbox;
        this.sink = sink;
    }

    /**
     * Starts holding this connection's outbound frames behind a replay (no-op when already holding):
     * until {@link #drainHeld} empties the queue, fan-out deliveries and {@link #holdLive} frames
     * queue behind the replay, up to {@code liveBudget} bytes. Loop only.
     */
    public void hold(long liveBudget) {
        if (held == null) {
            held = new HeldFrames(liveBudget);
        }
    }

    /**
     * Starts holding every outbound frame until {@link #placeReplay} brings the replay they must
     * follow (a reconnect's unread notifications, still being read). Loop only; no-op while a
     * replay already holds frames (that one's order stands).
     */
    public void awaitReplay(long liveBudget) {
        if (held == null) {
            held = new HeldFrames(liveBudget, true);
        }
    }

    /** Whether frames are held for a replay that {@link #placeReplay} has not brought yet. Loop only. */
    public boolean awaitingReplay() {
        return held != null && held.awaitingReplay();
    }

    /**
     * Ends {@link #awaitReplay}: {@code replay} (pre-encoded in this subscriber's encoding, taken
     * over) goes out first, then what was held, minus held live frames that repeat a replay frame
     * byte for byte. Without a hold (it was given up) the replay queues like any other, with
     * {@code liveBudget} for what follows. Returns how many were dropped as repeats. Loop only; call
     * {@link #drainHeld} after.
     */
    public int placeReplay(java.util.List<ByteBuf> replay, long liveBudget) {
        if (held == null) {
            held = new HeldFrames(liveBudget);
        }
        return held.placeReplay(replay);
    }

    /** Bytes held behind or in a replay that is still draining (0 when none). Loop only. */
    public long heldBytes() {
        HeldFrames h = held;
        return h == null ? 0 : h.bytes();
    }

    /** Whether frames are being held behind a replay. Loop only. */
    public boolean holding() {
        return held != null;
    }

    /** Queues one pre-framed replay frame (taking ownership); call after {@link #hold}. Loop only. */
    public void addReplay(ByteBuf frame) {
        held.addReplay(frame);
    }

    /**
     * While holding: queues {@code frame} (taking ownership) behind the replay and returns true, or
     * false when the live budget is spent (the frame is released; the caller treats the connection
     * as a slow consumer). Not holding: returns false without touching the frame. Loop only.
     */
    public boolean holdLive(ByteBuf frame) {
        return held != null && held.addLive(frame);
    }

    /**
     * Writes held frames while the channel is writable and flushes; stops holding once the queue is
     * empty. Called after a replay was queued and whenever the channel turns writable. Loop only.
     */
    public void drainHeld() {
        drainHeld(false);
    }

    /**
     * {@link #drainHeld()}; with {@code all}, writes everything held whatever the writability (for a
     * sink that does not report becoming writable again: what is held is bounded already).
     */
    public void drainHeld(boolean all) {
        HeldFrames h = held;
        if (h == null || h.awaitingReplay()) {
            return;
        }
        boolean wrote = false;
        while (!h.isEmpty() && sink.isActive() && (all || sink.isWritable())) {
            sink.write(h.poll());
            wrote = true;
        }
        if (wrote) {
            sink.flush();
        }
        if (h.isEmpty()) {
            held = null;
        }
    }

    /** Releases whatever is held (the connection closed); returns how many frames that was. Loop only. */
    public int releaseHeld() {
        HeldFrames h = held;
        held = null;
        return h == null ? 0 : h.releaseAll();
    }

    public String sid() {
        return sid;
    }

    /** The connection's user; {@code null} while it is anonymous. Safe from any thread. */
    public String userId() {
        return userId;
    }

    /**
     * An anonymous connection authenticated as {@code userId} (its loop): what leaves out "the user
     * who joined" from their own presence events sees it from now on.
     */
    public void identify(String userId) {
        this.userId = userId;
    }

    /** The WebSocket channel of a native connection; {@code null} for one with its own sink. */
    public Channel channel() {
        return sink instanceof FrameWriter w ? w.channel() : sink instanceof ChannelSink c ? c.channel : null;
    }

    /** Whether this connection speaks the native binary codec. */
    public boolean binary() {
        return encoding == BINARY;
    }

    /** The index of this connection's encoding among the room service's encoders. */
    public int encoding() {
        return encoding;
    }

    public DeliverySink sink() {
        return sink;
    }

    /** Whether the connection is still open (safe from any thread: a hint for shards). */
    public boolean isActive() {
        return sink.isActive();
    }

    public LoopOutbox outbox() {
        return outbox;
    }

    @Override
    public String toString() {
        return "Subscriber[" + sid + "]";
    }

    /** A channel without a {@link FrameWriter} (a handler test): frames go straight to the channel. */
    private static final class ChannelSink implements DeliverySink {
        private final Channel channel;

        ChannelSink(Channel channel) {
            this.channel = channel;
        }

        @Override
        public boolean isActive() {
            return channel.isActive();
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public void write(ByteBuf frame) {
            channel.write(frame, channel.voidPromise());
        }

        @Override
        public void flush() {
            channel.flush();
        }

        @Override
        public void abort() {
            channel.close();
        }
    }
}
