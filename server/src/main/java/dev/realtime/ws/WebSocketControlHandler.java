package dev.realtime.ws;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.session.RateGate;
import dev.realtime.session.Session;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket control frames and transport errors: answers ping with pong (pings and pongs count
 * toward the connection's message rate, and a pong obeys the slow-consumer rule like every other
 * reply), records liveness on every frame, completes the close handshake, and turns codec exceptions into the right close code
 * (1009 for oversize messages, 1007 for invalid UTF-8, 1002 for protocol violations).
 * Data frames pass on. Event-loop confined.
 */
public final class WebSocketControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WebSocketControlHandler.class);
    private final Session session;

    public WebSocketControlHandler(Session session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        session.touch();
        if (frame instanceof PingWebSocketFrame) {
            session.context().metrics().messagesIn.labels("ws_ping").inc();
            // A ping is a message like any other (rate limit), and its pong a reply like any other
            // (slow-consumer rule): a client that floods pings and never reads cannot grow our memory.
            if (!session.closing() && RateGate.admit(session, null) && session.writableOrSlow()) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content()), ctx.voidPromise());
            } else {
                frame.release();
            }
        } else if (frame instanceof PongWebSocketFrame) {
            session.context().metrics().messagesIn.labels("ws_pong").inc();
            frame.release();
            if (!session.closing()) {
                RateGate.admit(session, null);
            }
        } else if (frame instanceof CloseWebSocketFrame close) {
            int code = close.statusCode() > 0 ? close.statusCode() : CloseCodes.NORMAL;
            close.release();
            if (!session.closing()) {
                // Echo the close and hang up (RFC 6455 5.5.1).
                ctx.writeAndFlush(new CloseWebSocketFrame(code == 1005 ? CloseCodes.NORMAL : code, ""))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        } else {
            ctx.fireChannelRead(frame);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException
                || cause instanceof CorruptedWebSocketFrameException c && c.closeStatus() != null
                && c.closeStatus().code() == CloseCodes.MESSAGE_TOO_BIG) {
            session.close(CloseCodes.MESSAGE_TOO_BIG, "message too big");
        } else if (cause instanceof CorruptedWebSocketFrameException c) {
            int code = c.closeStatus() != null ? c.closeStatus().code() : CloseCodes.PROTOCOL_ERROR;
            session.close(code, code == CloseCodes.INVALID_PAYLOAD ? "invalid UTF-8" : "protocol error");
        } else {
            log.debug("connection {} failed: {}", session.sid(), cause.toString());
            ctx.close();
        }
    }
}
