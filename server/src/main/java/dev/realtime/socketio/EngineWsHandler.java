package dev.realtime.socketio;

import dev.realtime.protocol.CloseCodes;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The end of an Engine.IO WebSocket's pipeline: control frames (ping, close), then each complete
 * data frame copied out and handed to the {@link EngineSession} on its loop. A frame over
 * {@code maxPayload} closes with 1009, invalid UTF-8 with 1007, other violations with 1002.
 *
 * <p>Threading: runs on the channel's loop; one instance per channel.
 */
final class EngineWsHandler extends ChannelInboundHandlerAdapter {
    private final EngineSession engine;

    EngineWsHandler(EngineSession engine) {
        this.engine = engine;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame) {
                byte[] text = ByteBufUtil.getBytes(frame.content());
                engine.onLoop(() -> engine.onWsText(ctx.channel(), text));
            } else if (frame instanceof BinaryWebSocketFrame) {
                byte[] data = ByteBufUtil.getBytes(frame.content());
                engine.onLoop(() -> engine.onWsBinary(ctx.channel(), data));
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()), ctx.voidPromise());
            } else if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode() > 0 && close.statusCode() != 1005 ? close.statusCode() : CloseCodes.NORMAL;
                ctx.writeAndFlush(new CloseWebSocketFrame(code, "")).addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        int code;
        if (cause instanceof TooLongFrameException) {
            code = CloseCodes.MESSAGE_TOO_BIG;
        } else if (cause instanceof CorruptedWebSocketFrameException c && c.closeStatus() != null) {
            code = c.closeStatus().code();
        } else {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(code, code == CloseCodes.MESSAGE_TOO_BIG ? "message too big" : "protocol error"))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
