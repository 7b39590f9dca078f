package dev.realtime.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The harness's whole client-side WebSocket in one handler, so that receiving costs the load
 * generator no allocation per frame (issue 12: the harness must not pause, and it must not be the
 * bottleneck): it writes a pre-built upgrade request, checks the {@code 101}, then parses frames in
 * place from the bytes the socket read and hands each text or binary payload to its {@link Sink} as
 * (buffer, from, to) — no frame object, no slice, no copy. Outbound {@link WebSocketFrame}s are
 * written masked with the all-zero key (RFC 6455 requires a mask, not a random one; a load
 * generator has no cross-protocol attack to defend against), so masking costs nothing either.
 *
 * <p>Control frames and the rare fragmented message take a slower path (pong, close, reassembly).
 * Handshake outcomes are reported like Netty's {@link WebSocketClientProtocolHandler}: a refusal as
 * {@link WebSocketClientHandshakeException} with the response status, a timeout as its
 * {@code HANDSHAKE_TIMEOUT} user event.
 *
 * <p>Threading: confined to the channel's event loop.
 */
final class RawWebSocket extends ChannelDuplexHandler {
    /** The key of every upgrade request; the server's answer is not checked beyond its status. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final int OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9;

    /** Where complete data frames go. Called on the event loop. */
    interface Sink {
        /** One text or binary message; {@code buf} bytes {@code [from, to)} are valid during the call only. */
        void frame(ByteBuf buf, int from, int to, boolean binary);

        /** A close frame from the server. */
        void closed(int status);
    }

    private final byte[] request;
    private final Sink sink;
    private final long handshakeTimeoutMillis;
    private ByteBuf cumulation;
    private boolean upgraded;
    private ScheduledFuture<?> timeout;
    /** A fragmented message being reassembled (rare), and its type. */
    private ByteBuf fragments;
    private boolean fragmentsBinary;

    RawWebSocket(String host, int port, String pathAndQuery, String subprotocol,
                 io.netty.handler.codec.http.HttpHeaders extraHeaders, Sink sink, long handshakeTimeoutMillis) {
        StringBuilder r = new StringBuilder(256).append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\nHost: ")
                .append(host).append(':').append(port)
                .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(KEY)
                .append("\r\nSec-WebSocket-Version: 13\r\n");
        if (subprotocol != null) {
            r.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
        }
        if (extraHeaders != null) {
            extraHeaders.forEach(h -> r.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n"));
        }
        this.request = r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        this.sink = sink;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(ctx.alloc().buffer(request.length).writeBytes(request), ctx.voidPromise());
        timeout = ctx.executor().schedule(() -> {
            if (!upgraded) {
                ctx.fireUserEventTriggered(WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT);
            }
        }, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf buf = in;
        if (cumulation != null) {
            cumulation.writeBytes(in);
            in.release();
            buf = cumulation;
            cumulation = null;
        }
        try {
            if (!upgraded && !readHead(ctx, buf)) {
                keep(ctx, buf);
                return;
            }
            while (upgraded && buf.isReadable() && ctx.channel().isActive()) {
                if (!readFrame(ctx, buf)) {
                    break;
                }
            }
            keep(ctx, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /** Keeps the unread rest of {@code buf} (a partial frame) for the next read; releases {@code buf}. */
    private void keep(ChannelHandlerContext ctx, ByteBuf buf) {
        if (buf.isReadable()) {
            int n = buf.readableBytes();
            cumulation = ctx.alloc().buffer(Math.max(n * 2, 4096));
            cumulation.writeBytes(buf);
        }
        buf.release();
    }

    /** The HTTP response head; true once upgraded (the head consumed). */
    private boolean readHead(ChannelHandlerContext ctx, ByteBuf buf) {
        int end = indexOf(buf, HEAD_END);
        if (end < 0) {
            if (buf.readableBytes() > 16384) {
                throw new IllegalStateException("handshake response head too large");
            }
            return false;
        }
        int status = statusCode(buf);
        buf.readerIndex(end + HEAD_END.length);
        if (status != 101) {
            HttpResponseStatus st = HttpResponseStatus.valueOf(status);
            ctx.fireExceptionCaught(new WebSocketClientHandshakeException("handshake refused: " + st,
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st)));
            buf.skipBytes(buf.readableBytes());
            return false;
        }
        upgraded = true;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        ctx.fireUserEventTriggered(WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
        return true;
    }

    private static int statusCode(ByteBuf buf) {
        // "HTTP/1.1 101 ..."
        int i = buf.readerIndex() + 9;
        int code = 0;
        for (int k = 0; k < 3 && i + k < buf.writerIndex(); k++) {
            code = code * 10 + (buf.getByte(i + k) - '0');
        }
        return code;
    }

    /** One frame from {@code buf}'s reader index; false (nothing consumed) when it is not complete yet. */
    private boolean readFrame(ChannelHandlerContext ctx, ByteBuf buf) {
        int at = buf.readerIndex();
        int avail = buf.readableBytes();
        if (avail < 2) {
            return false;
        }
        int b0 = buf.getByte(at) & 0xff;
        int b1 = buf.getByte(at + 1) & 0xff;
        boolean fin = (b0 & 0x80) != 0;
        int op = b0 & 0x0f;
        boolean masked = (b1 & 0x80) != 0;
        long len = b1 & 0x7f;
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
        }
        if (masked) {
            throw new IllegalStateException("the server sent a masked frame");
        }
        if (len > Integer.MAX_VALUE - head || avail < head + len) {
            return false;
        }
        int from = at + head;
        int to = from + (int) len;
        buf.readerIndex(to);
        switch (op) {
            case OP_TEXT, OP_BINARY -> {
                if (fin) {
                    sink.frame(buf, from, to, op == OP_BINARY);
                } else {
                    fragments = ctx.alloc().buffer((int) len * 2);
                    fragments.writeBytes(buf, from, (int) len);
                    fragmentsBinary = op == OP_BINARY;
                }
            }
            case OP_CONT -> {
                if (fragments != null) {
                    fragments.writeBytes(buf, from, (int) len);
                    if (fin) {
                        ByteBuf whole = fragments;
                        fragments = null;
                        try {
                            sink.frame(whole, whole.readerIndex(), whole.writerIndex(), fragmentsBinary);
                        } finally {
                            whole.release();
                        }
                    }
                }
            }
            case OP_PING -> ctx.writeAndFlush(new PongWebSocketFrame(buf.retainedSlice(from, (int) len)), ctx.voidPromise());
            case OP_CLOSE -> sink.closed(len >= 2 ? buf.getUnsignedShort(from) : 1005);
            default -> {
                // pong and reserved opcodes: nothing to do
            }
        }
        return true;
    }

    /** Encodes outbound frames: header, the all-zero mask key, the payload unchanged. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf payload = frame.content();
        int len = payload.readableBytes();
        int op = frame instanceof TextWebSocketFrame ? OP_TEXT : frame instanceof BinaryWebSocketFrame ? OP_BINARY
                : frame instanceof CloseWebSocketFrame ? OP_CLOSE : frame instanceof PingWebSocketFrame ? OP_PING
                : frame instanceof PongWebSocketFrame ? 10 : frame instanceof ContinuationWebSocketFrame ? OP_CONT : OP_BINARY;
        ByteBuf out = ctx.alloc().buffer(14 + len);
        out.writeByte((frame.isFinalFragment() ? 0x80 : 0) | frame.rsv() << 4 | op);
        if (len < 126) {
            out.writeByte(0x80 | len);
        } else if (len < 65536) {
            out.writeByte(0x80 | 126).writeShort(len);
        } else {
            out.writeByte(0x80 | 127).writeLong(len);
        }
        out.writeInt(0); // mask key 0: the payload goes as it is
        out.writeBytes(payload, payload.readerIndex(), len);
        frame.release();
        ctx.write(out, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private static int indexOf(ByteBuf buf, byte[] needle) {
        int end = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= end; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (buf.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
