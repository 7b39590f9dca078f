package dev.realtime.client;

import dev.realtime.protocol.ServerMessage;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of one connection: sends the upgrade request, checks the HTTP response (401 becomes
 * {@code unauthorized}), then decodes data frames with the codec matching the frame type, answers
 * pings, runs the close handshake itself so that the server's close code is captured, and probes a
 * silent connection with a ping (see {@link Connection#markLive}).
 *
 * <p>One instance per channel; confined to the channel's event loop, which is the client's loop.
 */
final class WsClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WsClientHandler.class);
    /** The handler's name in the pipeline. */
    static final String NAME = "rt-client";

    private final Connection conn;
    private final WebSocketClientHandshaker handshaker;
    private final ConnectionEvents events;
    private final FrameDecoder decoder;
    private final int maxMessageBytes;
    /** A liveness ping is out because nothing arrived for a whole idle period. */
    private boolean probing;

    WsClientHandler(Connection conn, WebSocketClientHandshaker handshaker, ConnectionEvents events,
                    FrameDecoder decoder, int maxMessageBytes) {
        this.conn = conn;
        this.handshaker = handshaker;
        this.events = events;
        this.decoder = decoder;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel()).addListener(f -> {
            if (!f.isSuccess()) {
                conn.fail(new RealtimeException(RealtimeException.CONNECT_FAILED,
                        "cannot send the upgrade request: " + f.cause(), null, f.cause()));
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!handshaker.isHandshakeComplete()) {
            try {
                if (msg instanceof FullHttpResponse) {
                    upgradeResponse(ctx, (FullHttpResponse) msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof WebSocketFrame) {
            probing = false;
            frame(ctx, (WebSocketFrame) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void upgradeResponse(ChannelHandlerContext ctx, FullHttpResponse res) {
        int status = res.status().code();
        if (status != 101) {
            String body = res.content().toString(StandardCharsets.UTF_8);
            conn.fail(Failures.forStatus(status, body.length() > 300 ? body.substring(0, 300) : body));
            return;
        }
        try {
            handshaker.finishHandshake(ctx.channel(), res);
        } catch (WebSocketHandshakeException e) {
            conn.fail(new RealtimeException(RealtimeException.HANDSHAKE_FAILED, e.getMessage()));
            return;
        }
        ctx.pipeline().addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(maxMessageBytes));
        conn.open = true;
        events.opened(conn);
    }

    private void frame(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            List<ServerMessage> messages;
            try {
                messages = decoder.decode(frame);
            } finally {
                frame.release();
            }
            for (ServerMessage m : messages) {
                events.message(conn, m);
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content()));
        } else if (frame instanceof CloseWebSocketFrame) {
            CloseWebSocketFrame close = (CloseWebSocketFrame) frame;
            int code = close.statusCode();
            String reason = close.reasonText();
            close.release();
            boolean weStarted = conn.closeSent;
            if (!weStarted || conn.closeCode == 0) {
                conn.closeCode = code > 0 ? code : Connection.NO_STATUS;
                conn.closeReason = reason == null ? "" : reason;
            }
            if (weStarted) {
                ctx.close();
            } else {
                // Echo the close (RFC 6455 5.5.1) and hang up.
                conn.closeSent = true;
                int echo = WebSocketCloseStatus.isValidStatusCode(code) ? code : 1000;
                ctx.writeAndFlush(new CloseWebSocketFrame(echo, ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        } else {
            frame.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent) || ((IdleStateEvent) evt).state() != IdleState.READER_IDLE) {
            ctx.fireUserEventTriggered(evt);
        } else if (!probing) {
            probing = true;
            ctx.writeAndFlush(new PingWebSocketFrame());
        } else {
            log.warn("no traffic from the server, not even a pong; dropping the connection");
            conn.fail(new RealtimeException(RealtimeException.DISCONNECTED, "the server stopped answering"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.warn("server message larger than {} bytes; closing with 1009", maxMessageBytes);
            conn.close(1009, "message too big", 1000);
        } else if (cause instanceof CorruptedWebSocketFrameException
                && ((CorruptedWebSocketFrameException) cause).closeStatus() != null) {
            CorruptedWebSocketFrameException c = (CorruptedWebSocketFrameException) cause;
            log.warn("bad WebSocket frame from the server: {}", c.getMessage());
            conn.close(c.closeStatus().code(), c.closeStatus().reasonText(), 1000);
        } else {
            log.debug("connection error: {}", cause.toString());
            if (!handshaker.isHandshakeComplete() && conn.failure == null) {
                conn.failure = new RealtimeException(RealtimeException.CONNECT_FAILED,
                        "connection failed during the upgrade: " + cause, null, cause);
            }
            ctx.close();
        }
    }
}
