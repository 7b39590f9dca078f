package dev.realtime.http;

import dev.realtime.server.Json;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writing JSON and text HTTP responses, and the standard error bodies. */
public final class HttpResponses {
    private HttpResponses() {
    }

    /** Sends {@code body} serialised as JSON, honouring keep-alive. */
    public static void json(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, Object body) {
        send(ctx, req, status, Json.bytes(body), "application/json; charset=utf-8");
    }

    /** Sends ready-made bytes with {@code contentType}, honouring keep-alive. */
    public static void bytes(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, byte[] body,
                             String contentType) {
        send(ctx, req, status, body, contentType);
    }

    public static void text(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, String body,
                            String contentType) {
        send(ctx, req, status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /** {@code {"statusCode":N,"message":"...","error":"Reason"}} (the seeds' NestJS error shape). */
    public static void error(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, Object message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("statusCode", status.code());
        body.put("message", message);
        // RFC 9110's name for 413 (Netty keeps the old "Request Entity Too Large"), as the body limit says it.
        body.put("error", status.code() == 413 ? "Payload Too Large" : status.reasonPhrase());
        json(ctx, req, status, body);
    }

    /** 405 with the {@code Allow} header RFC 9110 asks for. */
    public static void methodNotAllowed(ChannelHandlerContext ctx, HttpRequest req, String allow, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("statusCode", 405);
        body.put("message", message);
        body.put("error", HttpResponseStatus.METHOD_NOT_ALLOWED.reasonPhrase());
        send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, Json.bytes(body), "application/json; charset=utf-8", allow);
    }

    /** Exactly {@code {"statusCode":401,"message":"Unauthorized"}} (seed 000's contract). */
    public static void unauthorized(ChannelHandlerContext ctx, HttpRequest req) {
        json(ctx, req, HttpResponseStatus.UNAUTHORIZED, Json.obj("statusCode", 401, "message", "Unauthorized"));
    }

    /** 400 with the list of problems, in seed 000's shape. */
    public static void badRequest(ChannelHandlerContext ctx, HttpRequest req, List<String> problems) {
        error(ctx, req, HttpResponseStatus.BAD_REQUEST, problems);
    }

    private static void send(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, byte[] body,
                             String contentType) {
        send(ctx, req, status, body, contentType, null);
    }

    private static void send(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, byte[] body,
                             String contentType, String allow) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        if (allow != null) {
            res.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        boolean keepAlive = req != null && HttpUtil.isKeepAlive(req) && status.code() < 500;
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
