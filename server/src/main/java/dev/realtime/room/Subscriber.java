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
