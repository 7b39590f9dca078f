package dev.realtime.ws;

import dev.realtime.room.DeliverySink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;

/**
 * The server side's WebSocket frame encoder, which also coalesces: every small frame written to the
 * connection (fan-out deliveries, replies, pongs) is appended to one pending buffer, and a
 * {@code flush()} hands that buffer to the transport as one write, so a connection that gets many
 * frames in one event-loop tick (or within a room's write delay) costs one outbound entry and one
 * system call instead of one per frame. It replaces Netty's {@code WebSocket13FrameEncoder} after
 * the handshake, under the same name ({@link #NAME}).
 *
 * <p>Fan-out frames are shared by every member of a room; {@link #writeShared} copies the bytes of a
 * small one into the pending buffer instead of taking a {@code retainedDuplicate()} per member, so a
 * delivery allocates nothing. Frames above {@link #COALESCE_MAX} bytes go out as they are (the
 * pending bytes first, so order is kept). Writes with a real promise (a close frame whose listener
 * closes the channel) first push what is pending, then go out with their promise.
 *
 * <p>What is pending is not yet in the channel's outbound buffer, so it does not count toward the
 * write-buffer high-water mark; {@link #isWritable} counts it (a room's write delay cannot grow a
 * connection past {@code WS_WRITE_BUFFER_HIGH}).
 *
 * <p>It is also the connection's {@link DeliverySink} (the rooms write through it), so a native
 * connection needs no other object for that.
 *
 * <p>Threading: confined to the channel's event loop, like every handler.
 */
public final class FrameWriter extends ChannelOutboundHandlerAdapter implements WebSocketFrameEncoder, DeliverySink {
    /** The pipeline name (the one Netty's handshaker gives its encoder). */
    public static final String NAME = "wsencoder";
    /** Frames up to this size are copied into the pending buffer; bigger ones are written as they are. */
    static final int COALESCE_MAX = 8192;
    private static final int FIRST_CAPACITY = 256;

    private ChannelHandlerContext ctx;
    private ByteBuf pending;

    /**
     * Puts a frame writer in place of the WebSocket encoder a handshake installed (call right after
     * {@code handshaker.handshake}); returns it, or null when there is no encoder to replace.
     */
    public static FrameWriter install(ChannelPipeline p) {
        if (p.get(NAME) == null) {
            return null;
        }
        FrameWriter w = new FrameWriter();
        p.replace(NAME, NAME, w);
        return w;
    }

    /**
     * The writer of {@code channel}: a {@code FrameWriter} in its pipeline, or the one inside a
     * native connection's {@link WsReader}; null if none.
     */
    public static FrameWriter of(Channel channel) {
        FrameWriter w = channel.pipeline().get(FrameWriter.class);
        if (w == null) {
            WsReader r = channel.pipeline().get(WsReader.class);
            w = r == null ? null : r.writer();
        }
        return w;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    /**
     * Queues a pre-framed buffer that others share (a room's fan-out frame) without taking a
     * reference: small frames are copied, big ones written as a retained duplicate. Not flushed.
     * Loop only.
     */
    @Override
    public void writeShared(ByteBuf frame) {
        int n = frame.readableBytes();
        if (n > COALESCE_MAX) {
            push();
            ctx.write(frame.retainedDuplicate(), ctx.voidPromise());
        } else {
            append(frame, frame.readerIndex(), n);
        }
    }

    /** Bytes waiting for the next flush (not yet in the channel's outbound buffer). */
    public int pendingBytes() {
        return pending == null ? 0 : pending.readableBytes();
    }

    @Override
    public boolean isActive() {
        return ctx.channel().isActive();
    }

    /** The connection this writer writes to. */
    public Channel channel() {
        return ctx.channel();
    }

    /** A frame this connection owns (a held replay frame): written through the pipeline, unflushed. */
    @Override
    public void write(ByteBuf frame) {
        ctx.channel().write(frame, ctx.channel().voidPromise());
    }

    @Override
    public void flush() {
        ctx.channel().flush();
    }

    @Override
    public void abort() {
        ctx.channel().close();
    }

    /** Whether the channel is writable counting what is pending here too. */
    @Override
    public boolean isWritable() {
        Channel ch = ctx.channel();
        return ch.isWritable() && (pending == null || pending.readableBytes() < ch.bytesBeforeUnwritable());
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) { // pre-framed (WsFrames), or the handshake's HTTP response
            int n = buf.readableBytes();
            if (n <= COALESCE_MAX && promise.isVoid()) {
                append(buf, buf.readerIndex(), n);
                buf.release();
            } else {
                push();
                ctx.write(buf, promise);
            }
        } else if (msg instanceof WebSocketFrame frame) {
            writeFrame(ctx, frame, promise);
        } else {
            push();
            ctx.write(msg, promise);
        }
    }

    private void writeFrame(ChannelHandlerContext ctx, WebSocketFrame frame, ChannelPromise promise) {
        ByteBuf content = frame.content();
        int len = content.readableBytes();
        int first = (frame.isFinalFragment() ? 0x80 : 0) | (frame.rsv() & 7) << 4 | opcode(frame);
        try {
            if (len <= COALESCE_MAX && promise.isVoid()) {
                ByteBuf p = pendingFor(len + 10);
                header(p, first, len);
                p.writeBytes(content, content.readerIndex(), len);
                return;
            }
            push();
            if (len <= COALESCE_MAX) {
                ByteBuf out = ctx.alloc().directBuffer(len + 10);
                header(out, first, len);
                out.writeBytes(content, content.readerIndex(), len);
                ctx.write(out, promise);
            } else {
                ByteBuf head = ctx.alloc().directBuffer(10);
                header(head, first, len);
                ctx.write(head, ctx.voidPromise());
                ctx.write(content.retain(), promise);
            }
        } finally {
            frame.release();
        }
    }

    private static int opcode(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame) {
            return 0x1;
        }
        if (frame instanceof BinaryWebSocketFrame) {
            return 0x2;
        }
        if (frame instanceof CloseWebSocketFrame) {
            return 0x8;
        }
        if (frame instanceof PingWebSocketFrame) {
            return 0x9;
        }
        if (frame instanceof PongWebSocketFrame) {
            return 0xA;
        }
        if (frame instanceof ContinuationWebSocketFrame) {
            return 0x0;
        }
        throw new UnsupportedOperationException("cannot encode " + frame.getClass().getSimpleName());
    }

    /** An unmasked frame header (server to client). */
    private static void header(ByteBuf out, int first, int len) {
        out.writeByte(first);
        if (len < 126) {
            out.writeByte(len);
        } else if (len < 65536) {
            out.writeByte(126);
            out.writeShort(len);
        } else {
            out.writeByte(127);
            out.writeLong(len);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        push();
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        releasePending(); // never flushed: the channel fails its unflushed writes the same way
        ctx.close(promise);
    }

    private void append(ByteBuf src, int index, int n) {
        pendingFor(n).writeBytes(src, index, n);
    }

    private ByteBuf pendingFor(int n) {
        ByteBuf p = pending;
        if (p == null) {
            p = ctx.alloc().directBuffer(Math.max(FIRST_CAPACITY, n));
            pending = p;
        }
        return p;
    }

    /** Hands the pending bytes to the next handler (toward the transport) as one write. */
    private void push() {
        ByteBuf p = pending;
        if (p != null) {
            pending = null;
            ctx.write(p, ctx.voidPromise());
        }
    }

    private void releasePending() {
        ByteBuf p = pending;
        if (p != null) {
            pending = null;
            p.release();
        }
    }
}
