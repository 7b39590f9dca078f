package dev.realtime.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP exchange of the Engine.IO endpoint, captured so it can be answered later from the
 * session's loop (a long-poll GET is held until there is something to send): where to write, whether
 * to keep the connection, and the CORS origin to echo. Answer exactly once.
 */
record EngineHttp(ChannelHandlerContext ctx, boolean keepAlive, String origin) {

    /** Engine.IO's error bodies: {@code {"code":N,"message":"..."}} (codes 0-5 of engine.io). */
    void error(HttpResponseStatus status, int code, String message) {
        send(status, Unpooled.copiedBuffer("{\"code\":" + code + ",\"message\":\"" + message + "\"}",
                StandardCharsets.UTF_8), "application/json", false);
    }

    void text(String body) {
        send(HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8),
                "text/plain; charset=UTF-8", keepAlive);
    }

    /** A polling payload (Engine.IO v4 packets separated by {@code \x1e}); takes ownership. */
    void payload(ByteBuf body) {
        send(HttpResponseStatus.OK, body, "text/plain; charset=UTF-8", keepAlive);
    }

    void send(HttpResponseStatus status, ByteBuf body, String contentType, boolean keep) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        cors(res);
        if (keep) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Browsers read polling answers cross-origin only with these (the origin passed the allow-list). */
    void cors(FullHttpResponse res) {
        if (origin != null) {
            res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            res.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }
}
