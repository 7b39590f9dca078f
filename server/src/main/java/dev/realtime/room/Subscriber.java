package dev.realtime.room;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;

/**
 * The delivery endpoint of one connection, as rooms see it. Its identity is the membership key.
 *
 * <p>Threading: the final fields are safe to read from any thread (shards read them); the mutable
 * fields are owned by the channel's event loop and touched only by {@link LoopOutbox} there.
 */
public final class Subscriber {
    private final String sid;
    private final String userId;
    private final Channel channel;
    private final boolean binary;
    private final LoopOutbox outbox;
    private final ChannelHandlerContext writeContext;

    // owned by channel.eventLoop()
    boolean flushPending;
    boolean slowClosed;
    /** Frames held behind a replay that is still draining; null when none (the common case). */
    HeldFrames held;

    public Subscriber(String sid, String userId, Channel channel, boolean binary, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.channel = channel;
        this.binary = binary;
        this.outbox = outbox;
        // Pre-framed buffers need no encoding: writing from the frame encoder's own context sends
        // them straight to the transport, skipping the encoder's per-message type check.
        ChannelHandlerContext encoder = channel.pipeline().context(WebSocketFrameEncoder.class);
        this.writeContext = encoder;
    }

    /** Where fan-out writes pre-framed buffers: past the WebSocket encoder, or the channel itself. */
    void writeFrame(ByteBuf frame) {
        if (writeContext != null) {
            writeContext.write(frame, writeContext.voidPromise());
        } else {
            channel.write(frame, channel.voidPromise());
        }
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
        HeldFrames h = held;
        if (h == null) {
            return;
        }
        boolean wrote = false;
        while (!h.isEmpty() && channel.isActive() && channel.isWritable()) {
            writeFrame(h.poll());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
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

    /** The user id at connect time; {@code null} for anonymous connections. */
    public String userId() {
        return userId;
    }

    public Channel channel() {
        return channel;
    }

    /** Whether this connection speaks the binary codec (else JSON). */
    public boolean binary() {
        return binary;
    }

    public LoopOutbox outbox() {
        return outbox;
    }

    @Override
    public String toString() {
        return "Subscriber[" + sid + "]";
    }
}
