package dev.realtime.http;

import dev.realtime.server.GatewayContext;
import dev.realtime.socketio.SocketIoEndpoint;
import dev.realtime.ws.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes aggregated HTTP requests: health and metrics, the internal APIs (API key), and the
 * WebSocket upgrade. Unknown paths get a 404 JSON body, wrong methods a 405. One instance per
 * channel (it is replaced by the WebSocket handlers after an upgrade); the routes it calls are
 * shared and stateless.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);

    private final GatewayContext ctx;
    private final HealthRoutes health;
    private final ApiRoutes api;
    private final EventRoutes events;
    private final WebSocketUpgrade upgrade;
    private final SocketIoEndpoint socketIo;

    public HttpRouter(GatewayContext ctx, HealthRoutes health, ApiRoutes api, EventRoutes events, WebSocketUpgrade upgrade) {
        this(ctx, health, api, events, upgrade, null);
    }

    /** With the Socket.IO endpoint ({@code null}: not served). */
    public HttpRouter(GatewayContext ctx, HealthRoutes health, ApiRoutes api, EventRoutes events, WebSocketUpgrade upgrade,
                      SocketIoEndpoint socketIo) {
        this.socketIo = socketIo;
        this.ctx = ctx;
        this.health = health;
        this.api = api;
        this.events = events;
        this.upgrade = upgrade;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext chc, FullHttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (!result.isSuccess()) {
            count("invalid", 400);
            HttpResponses.error(chc, null, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = query.path();
        HttpMethod method = req.method();
        if (socketIo != null && socketIo.matches(path)) {
            socketIo.handle(chc, req, query);
            return;
        }
        if (path.equals(ctx.config().wsPath())) {
            if (!method.equals(HttpMethod.GET)) {
                methodNotAllowed(chc, req, "ws");
                return;
            }
            upgrade.handle(chc, req, query);
            return;
        }
        if (path.startsWith(EventRoutes.PREFIX) && path.length() > EventRoutes.PREFIX.length()) {
            onlyPost(chc, req, "events", () -> events.ingest(chc, req, path));
            return;
        }
        switch (path) {
            case "/" -> onlyGet(chc, req, "root", () -> health.root(chc, req));
            case "/health" -> onlyGet(chc, req, "health", () -> health.health(chc, req));
            case "/health/live" -> onlyGet(chc, req, "live", () -> health.live(chc, req));
            case "/health/ready" -> onlyGet(chc, req, "ready", () -> health.ready(chc, req));
            case "/metrics" -> onlyGet(chc, req, "metrics", () -> health.metrics(chc, req));
            case "/api/stats" -> onlyGet(chc, req, "stats", () -> api.stats(chc, req));
            case "/api/realtime/internal/notify" -> onlyPost(chc, req, "notify", () -> api.notify(chc, req));
            case "/api/broadcast/room" -> onlyPost(chc, req, "broadcast", () -> api.broadcastRoom(chc, req));
            case "/api/broadcast/user" -> onlyPost(chc, req, "broadcast", () -> api.broadcastUser(chc, req));
            case "/api/broadcast/global" -> onlyPost(chc, req, "broadcast", () -> api.broadcastGlobal(chc, req));
            default -> {
                count("not_found", 404);
                HttpResponses.error(chc, req, HttpResponseStatus.NOT_FOUND, "Cannot " + method + " " + path);
            }
        }
    }

    private void onlyGet(ChannelHandlerContext chc, FullHttpRequest req, String route, Runnable action) {
        only(HttpMethod.GET, chc, req, route, action);
    }

    private void onlyPost(ChannelHandlerContext chc, FullHttpRequest req, String route, Runnable action) {
        only(HttpMethod.POST, chc, req, route, action);
    }

    private void only(HttpMethod method, ChannelHandlerContext chc, FullHttpRequest req, String route, Runnable action) {
        if (req.method().equals(method) || method.equals(HttpMethod.GET) && req.method().equals(HttpMethod.HEAD)) {
            ctx.metrics().httpRequests.labels(route, "any").inc();
            action.run();
        } else {
            methodNotAllowed(chc, req, route);
        }
    }

    private void methodNotAllowed(ChannelHandlerContext chc, FullHttpRequest req, String route) {
        count(route, 405);
        HttpResponses.error(chc, req, HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " not allowed here");
    }

    private void count(String route, int status) {
        ctx.metrics().httpRequests.labels(route, Integer.toString(status)).inc();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext chc, Throwable cause) {
        log.debug("HTTP connection failed: {}", cause.toString());
        chc.close();
    }
}
