package dev.realtime.ws;

import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.MessageCodec;
import dev.realtime.session.RateGate;
import dev.realtime.session.Session;
import dev.realtime.session.SessionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything inbound on a native WebSocket after the handshake, in one handler (it replaces Netty's
 * frame decoder under the same name, {@link #NAME}): frames are parsed and unmasked in place in the
 * bytes the socket read, fragmented messages reassembled, text checked for valid UTF-8, control
 * frames answered, and each complete message decoded into {@link ClientMessage}s and executed by
 * the connection's session (this handler is its {@link SessionHandler} too). One handler instead of six (decoder, UTF-8 validator,
 * aggregator, control handler, protocol decoder, session handler) keeps an idle connection small and
 * an inbound message free of intermediate frame objects.
 *
 * <p>The rules are RFC 6455's, as Netty's decoder applies them with {@code closeOnProtocolViolation}:
 * client frames must be masked, RSV bits zero (no extension is negotiated), opcodes known, control
 * frames final and at most 125 bytes, continuations only inside a fragmented message — else close
 * 1002. A message over {@code MAX_MESSAGE_BYTES} closes 1009, invalid UTF-8 in a text message 1007.
 * A ping is answered with a pong carrying its payload, and pings and pongs count toward the message
 * rate; a close frame is echoed and the connection closed. Every frame proves the peer alive.
 *
 * <p>Outbound it is the connection's {@link FrameWriter} (held, not a pipeline handler of its own):
 * the whole WebSocket is one pipeline context, which matters for an idle connection's footprint.
 *
 * <p>Threading: one instance per channel, event-loop confined.
 */
public final class WsReader extends SessionHandler implements io.netty.channel.ChannelOutboundHandler {
    private static final Logger log = LoggerFactory.getLogger(WsReader.class);
    /** The pipeline name (the one Netty's handshaker gives its decoder). */
    public static final String NAME = "wsdecoder";
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;

    /** Encodes and coalesces what is written to the connection (our outbound half). */
    private final FrameWriter writer = new FrameWriter();
    /** The start of a frame that has not fully arrived; null between frames (the common case). */
    private ByteBuf cumulation;
    /** A fragmented message being reassembled; null when none. */
    private ByteBuf fragments;
    private boolean fragmentsText;
    /** Set after a close frame or a violation: whatever else arrives is discarded. */
    private boolean done;

    /** Messages are decoded with the node's codecs and limited to {@code MAX_MESSAGE_BYTES}. */
    public WsReader(Session session) {
        super(session);
    }

    /**
     * Puts a reader in place of the WebSocket decoder a handshake installed, and drops the encoder
     * (this handler encodes too); call right after {@code handshaker.handshake}.
     */
    public static void install(io.netty.channel.ChannelPipeline p, WsReader reader) {
        if (p.get(FrameWriter.NAME) != null) {
            p.remove(FrameWriter.NAME);
        }
        p.replace(NAME, NAME, reader);
    }

    /** The connection's frame writer (its {@code DeliverySink}). */
    FrameWriter writer() {
        return writer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        writer.handlerAdded(ctx);
    }

    // ---- outbound: the frame writer's ----

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
        writer.write(ctx, msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writer.flush(ctx);
    }

    @Override
    public void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
        writer.close(ctx, promise);
    }

    @Override
    public void bind(ChannelHandlerContext ctx, java.net.SocketAddress local, io.netty.channel.ChannelPromise promise) {
        ctx.bind(local, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, java.net.SocketAddress remote, java.net.SocketAddress local,
                        io.netty.channel.ChannelPromise promise) {
        ctx.connect(remote, local, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            in.release();
            return;
        }
        ByteBuf buf = in;
        if (cumulation != null) {
            buf = cumulation.writeBytes(in);
            in.release();
            cumulation = null;
        }
        try {
            while (!done && buf.isReadable() && readFrame(ctx, buf)) {
                // one frame per turn
            }
            if (!done && buf.isReadable()) {
                // Part of a frame: keep it (the next read completes it).
                cumulation = ctx.alloc().buffer(Math.max(buf.readableBytes() * 2, 256));
                cumulation.writeBytes(buf);
            }
        } finally {
            buf.release();
        }
    }

    /**
     * Reads one frame at {@code buf}'s reader index and acts on it; false (nothing consumed) when
     * the frame is not complete yet.
     */
    private boolean readFrame(ChannelHandlerContext ctx, ByteBuf buf) {
        int at = buf.readerIndex();
        int avail = buf.readableBytes();
        if (avail < 2) {
            return false;
        }
        int b0 = buf.getUnsignedByte(at);
        int b1 = buf.getUnsignedByte(at + 1);
        boolean fin = (b0 & 0x80) != 0;
        int op = b0 & 0x0F;
        long len = b1 & 0x7F;
        if ((b0 & 0x70) != 0) {
            return violation(CloseCodes.PROTOCOL_ERROR, "RSV bits set without an extension");
        }
        if ((b1 & 0x80) == 0) {
            return violation(CloseCodes.PROTOCOL_ERROR, "client frames must be masked");
        }
        boolean control = op >= OP_CLOSE;
        if (control ? op > OP_PONG : op > OP_BINARY) {
            return violation(CloseCodes.PROTOCOL_ERROR, "unknown opcode " + op);
        }
        if (control && (!fin || len > 125)) {
            return violation(CloseCodes.PROTOCOL_ERROR, "control frames must be final and at most 125 bytes");
        }
        int head = 2;
        if (len == 126) {
            if (avail < 4) {
                return false;
            }
            len = buf.getUnsignedShort(at + 2);
            head = 4;
        } else if (len == 127) {
            if (avail < 10) {
                return false;
            }
            len = buf.getLong(at + 2);
            head = 10;
            if (len < 0) {
                return violation(CloseCodes.PROTOCOL_ERROR, "invalid frame length");
            }
        }
        int maxMessageBytes = session().context().config().maxMessageBytes();
        if (len > maxMessageBytes) {
            return violation(CloseCodes.MESSAGE_TOO_BIG, "message too big");
        }
        if (avail < head + 4 + len) {
            return false; // the rest arrives with a later read
        }
        int from = at + head + 4;
        int n = (int) len;
        unmask(buf, buf.getInt(at + head), from, n);
        buf.readerIndex(from + n);
        session().touch();
        switch (op) {
            case OP_TEXT, OP_BINARY -> {
                if (fragments != null) {
                    return violation(CloseCodes.PROTOCOL_ERROR, "a new message inside a fragmented one");
                }
                if (fin) {
                    message(ctx, buf, from, n, op == OP_TEXT);
                } else {
                    fragments = ctx.alloc().buffer(Math.min(maxMessageBytes, Math.max(2 * n, 256)));
                    fragments.writeBytes(buf, from, n);
                    fragmentsText = op == OP_TEXT;
                }
            }
            case OP_CONTINUATION -> {
                if (fragments == null) {
                    return violation(CloseCodes.PROTOCOL_ERROR, "a continuation outside a fragmented message");
                }
                if (fragments.readableBytes() + n > maxMessageBytes) {
                    return violation(CloseCodes.MESSAGE_TOO_BIG, "message too big");
                }
                fragments.writeBytes(buf, from, n);
                if (fin) {
                    ByteBuf whole = fragments;
                    fragments = null;
                    try {
                        message(ctx, whole, whole.readerIndex(), whole.readableBytes(), fragmentsText);
                    } finally {
                        whole.release();
                    }
                }
            }
            case OP_PING -> ping(ctx, buf, from, n);
            case OP_PONG -> {
                session().context().metrics().messagesIn("ws_pong").inc();
                if (!session().closing()) {
                    RateGate.admit(session(), null);
                }
            }
            default -> closeFrame(ctx, buf, from, n);
        }
        return true;
    }

    /** XORs the payload with the 4-byte masking key, in place (the bytes are ours). */
    private static void unmask(ByteBuf buf, int key, int from, int n) {
        if (key == 0) {
            return;
        }
        int i = from;
        int end = from + n;
        long key8 = (key & 0xFFFFFFFFL) | ((long) key << 32);
        for (; i + 8 <= end; i += 8) {
            buf.setLong(i, buf.getLong(i) ^ key8);
        }
        for (int k = i - from; i < end; i++, k++) {
            buf.setByte(i, buf.getByte(i) ^ (key >>> (24 - 8 * (k & 3))));
        }
    }

    /** One complete message: UTF-8 check for text, then decoded and executed in order. */
    private void message(ChannelHandlerContext ctx, ByteBuf buf, int from, int n, boolean text) {
        if (text && !ByteBufUtil.isText(buf, from, n, StandardCharsets.UTF_8)) {
            violation(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8");
            return;
        }
        int ri = buf.readerIndex();
        int wi = buf.writerIndex();
        List<ClientMessage> messages;
        buf.setIndex(from, from + n); // the codecs read the readable bytes (and copy them)
        try {
            MessageCodec codec = text ? session().context().json() : session().context().binary();
            messages = codec.decodeClient(buf);
        } finally {
            buf.setIndex(ri, wi);
        }
        for (int i = 0, size = messages.size(); i < size; i++) {
            handle(messages.get(i));
        }
    }

    private void ping(ChannelHandlerContext ctx, ByteBuf buf, int from, int n) {
        session().context().metrics().messagesIn("ws_ping").inc();
        // A ping is a message like any other (rate limit), and its pong a reply like any other
        // (slow-consumer rule): a client that floods pings and never reads cannot grow our memory.
        if (!session().closing() && RateGate.admit(session(), null) && session().writableOrSlow()) {
            // From the channel (not this context): the write must pass through this handler's encoder.
            ctx.channel().writeAndFlush(new PongWebSocketFrame(buf.retainedSlice(from, n)), ctx.voidPromise());
        }
    }

    /** The client's close: echoed (RFC 6455 5.5.1), then the connection closes. */
    private void closeFrame(ChannelHandlerContext ctx, ByteBuf buf, int from, int n) {
        int code = CloseCodes.NORMAL;
        if (n == 1) {
            violation(CloseCodes.PROTOCOL_ERROR, "a close frame's body is 0 or at least 2 bytes");
            return;
        }
        if (n >= 2) {
            code = buf.getUnsignedShort(from);
            if (!WebSocketCloseStatus.isValidStatusCode(code)) {
                violation(CloseCodes.PROTOCOL_ERROR, "invalid close code " + code);
                return;
            }
            if (!ByteBufUtil.isText(buf, from + 2, n - 2, StandardCharsets.UTF_8)) {
                violation(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8 in the close reason");
                return;
            }
        }
        done = true;
        if (!session().closing()) {
            ctx.channel().writeAndFlush(new CloseWebSocketFrame(code, "")).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /** Breaks the connection for a protocol error; returns false so the read loop stops. */
    private boolean violation(int code, String reason) {
        done = true;
        releaseBuffers();
        session().close(code, code == CloseCodes.MESSAGE_TOO_BIG ? "message too big"
                : code == CloseCodes.INVALID_PAYLOAD ? "invalid UTF-8" : "protocol error");
        log.debug("connection {}: {}", session().sid(), reason);
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", session().sid(), cause.toString());
        ctx.close();
    }

    /** The connection closed: the session releases everything it holds (its counts, rooms, listeners). */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseBuffers();
        session().onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseBuffers();
        writer.handlerRemoved(ctx);
    }

    private void releaseBuffers() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }
}
