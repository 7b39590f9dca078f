package dev.realtime.http;

import dev.realtime.auth.ApiKeyCheck;
import dev.realtime.metrics.GatewayMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Decides, from the request head alone, whether a request body will be read at all: only a
 * {@code POST} to a route that takes one, with the right {@code internal-api-key}. Anything else
 * that announces a body is answered at once (404, 405, 401, or 400 for a body where none belongs)
 * and the connection closed, without reading the body: a client without the key cannot make the
 * node buffer a megabyte, nor hold a connection open by trickling one. Requests without a body pass
 * untouched (the router answers them as usual). Sits between the HTTP codec and the body aggregator.
 *
 * <p>Threading: one instance per channel, event-loop confined.
 */
public final class HttpBodyGate extends ChannelInboundHandlerAdapter {
    public static final String NAME = "http-body-gate";
    private final ApiKeyCheck apiKey;
    private final String wsPath;
    private final GatewayMetrics metrics;
    /** Paths of another transport whose requests carry bodies of their own (Socket.IO polling POSTs). */
    private final java.util.function.Predicate<String> transportPaths;
    /** The head was answered: drop its body parts until the connection closes. */
    private boolean discarding;

    public HttpBodyGate(ApiKeyCheck apiKey, String wsPath, GatewayMetrics metrics) {
        this(apiKey, wsPath, metrics, path -> false);
    }

    /**
     * @param transportPaths paths served by another transport that reads its own request bodies
     *                       (bounded by the aggregator like every body): let through unchecked
     */
    public HttpBodyGate(ApiKeyCheck apiKey, String wsPath, GatewayMetrics metrics,
                        java.util.function.Predicate<String> transportPaths) {
        this.apiKey = apiKey;
        this.wsPath = wsPath;
        this.metrics = metrics;
        this.transportPaths = transportPaths;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req && req.decoderResult().isSuccess() && hasBody(req)) {
            String path = HttpEndpoint.decodedPath(new QueryStringDecoder(req.uri()));
            if (path == null) {
                refuse(ctx, msg, HttpResponseStatus.BAD_REQUEST, "malformed request path (a bad %-escape)");
                return;
            }
            if (transportPaths.test(path)) {
                ctx.fireChannelRead(msg);
                return;
            }
            HttpEndpoint endpoint = HttpEndpoint.match(path, wsPath);
            if (endpoint == null) {
                refuse(ctx, msg, HttpResponseStatus.NOT_FOUND, "Cannot " + req.method() + " " + path);
                return;
            }
            if (!endpoint.allows(req.method())) {
                discard(msg);
                HttpResponses.methodNotAllowed(ctx, null, endpoint.allowHeader(), req.method() + " not allowed here");
                return;
            }
            if (!endpoint.takesBody()) {
                refuse(ctx, msg, HttpResponseStatus.BAD_REQUEST, "this route takes no request body");
                return;
            }
            if (endpoint.needsApiKey() && !apiKey.matches(req.headers().get(ApiRoutes.API_KEY_HEADER))) {
                metrics.authFailures.labels("api_key").inc();
                discard(msg);
                HttpResponses.unauthorized(ctx, null); // null request: Connection: close, then close
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean hasBody(HttpRequest req) {
        try {
            return HttpUtil.getContentLength(req, 0L) > 0 || HttpUtil.isTransferEncodingChunked(req);
        } catch (NumberFormatException e) {
            return true; // a malformed length: the gate decides, the codec would refuse it anyway
        }
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, String message) {
        discard(msg);
        HttpResponses.error(ctx, null, status, message);
    }

    private void discard(Object msg) {
        // The head may carry the first (or the only) part of the body: drop it, and the rest as it comes.
        discarding = !(msg instanceof LastHttpContent);
        if (msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
        }
    }
}
