package dev.realtime.room;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;

/**
 * The delivery endpoint of one connection, as rooms see it. Its identity is the membership key.
 * A subscriber speaks one encoding (an index into the room service's {@link EventEncoder}s:
 * {@link #JSON}, {@link #BINARY}, or one registered by another endpoint) and writes through a
 * {@link DeliverySink}: its WebSocket channel, or a transport's own.
 *
 * <p>Threading: the final fields are safe to read from any thread (shards read them); the mutable
 * fields are owned by the subscriber's event loop and touched only by {@link LoopOutbox} there.
 */
public final class Subscriber {
    /** The encoding of native {@code rt.json.v1} connections. */
    public static final int JSON = 0;
    /** The encoding of native {@code rt.binary.v1} connections. */
    public static final int BINARY = 1;

    private final String sid;
    private final String userId;
    private final Channel channel;
    private final int encoding;
    private final LoopOutbox outbox;
    private final DeliverySink sink;

    // owned by the outbox's loop
    boolean flushPending;
    boolean slowClosed;

    /** A native WebSocket connection: frames go to {@code channel}. */
    public Subscriber(String sid, String userId, Channel channel, boolean binary, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.channel = channel;
        this.encoding = binary ? BINARY : JSON;
        this.outbox = outbox;
        this.sink = new ChannelSink(channel);
    }

    /** A connection with its own sink and encoding ({@code outbox} must be the sink's loop). */
    public Subscriber(String sid, String userId, DeliverySink sink, int encoding, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.channel = null;
        this.encoding = encoding;
        this.outbox = outbox;
        this.sink = sink;
    }

    public String sid() {
        return sid;
    }

    /** The user id at connect time; {@code null} for anonymous connections. */
    public String userId() {
        return userId;
    }

    /** The WebSocket channel of a native connection; {@code null} for one with its own sink. */
    public Channel channel() {
        return channel;
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

    /** The native sink: pre-framed buffers go straight past the WebSocket encoder. */
    private static final class ChannelSink implements DeliverySink {
        private final Channel channel;
        private final ChannelHandlerContext writeContext;

        ChannelSink(Channel channel) {
            this.channel = channel;
            // Pre-framed buffers need no encoding: writing from the frame encoder's own context sends
            // them straight to the transport, skipping the encoder's per-message type check.
            this.writeContext = channel.pipeline().context(WebSocketFrameEncoder.class);
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
            if (writeContext != null) {
                writeContext.write(frame, writeContext.voidPromise());
            } else {
                channel.write(frame, channel.voidPromise());
            }
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
